"""``AsyncEnergyContractsClient``: the API methods of ``ApiMethods``, run on an async transport."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import httpx

from energy_contracts_client._api import AsyncApi
from energy_contracts_client._auth import DEFAULT_REFRESH_MARGIN
from energy_contracts_client._core import Call, ClientCore, Flow, LineReader, Lines
from energy_contracts_client._retry import RetryPolicy
from energy_contracts_client.errors import ConnectionFailedError
from energy_contracts_client.models import Page

T = TypeVar("T")


class AsyncEnergyContractsClient(AsyncApi):
    """The same API as ``EnergyContractsClient``, with ``await`` and ``async for``::

        async with AsyncEnergyContractsClient(url, client_id, client_secret) as api:
            organisation = await api.get_organisation()
            async for user in api.iter_users():
                ...

    ``sleep`` is awaited between retries (default ``asyncio.sleep``). Concurrent requests
    share one token; when it is due, one of them fetches the next and the others wait for it.
    """

    def __init__(
        self,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        org_id: uuid.UUID | str | None = None,
        scope: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = 30.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        self._core = ClientCore(
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            org_id=org_id,
            scope=scope,
            retry=retry or RetryPolicy(),
            clock=clock,
            refresh_margin=refresh_margin,
            async_send_token_request=self._send_token_request,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncEnergyContractsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncEnergyContractsClient({self._core.base_url!r})"

    async def _run(self, flow: Flow[T]) -> T:
        try:
            call = next(flow)
            while True:
                call = flow.send(await self._exchange(call))
        except StopIteration as done:
            result: T = done.value
            return result

    async def _iterate(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        while True:
            page = await self._exchange(call)
            for item in page.items:
                yield item
            if page.next_url is None:
                return
            call = self._core.follow(call, page.next_url)

    async def _stream(self, lines: Lines[T]) -> AsyncIterator[T]:
        call = lines.call
        while True:
            if self._core.needs_organisation(call):
                await self._core.auth.async_token()
            request = self._core.request(call)
            response = await self._send(request, auth=self._core.auth, repeatable=True, stream=True)
            try:
                next_url = self._core.read_head(response)
                reader = LineReader(lines.item, f"{request.method} {request.url}")
                try:
                    async for chunk in response.aiter_bytes():
                        for item in reader.feed(chunk):
                            yield item
                except httpx.TransportError as error:
                    # Lines already yielded cannot be taken back: not retried.
                    raise ConnectionFailedError.of(request, error) from error
                for item in reader.finish():
                    yield item
            finally:
                await response.aclose()
            if next_url is None:
                return
            call = self._core.follow(call, next_url)

    async def _exchange(self, call: Call[T]) -> T:
        if self._core.needs_organisation(call):
            await self._core.auth.async_token()
        request = self._core.request(call)
        response = await self._send(request, auth=self._core.auth, repeatable=call.safe_to_repeat)
        return self._core.read(call, response)

    async def _send_token_request(self, request: httpx.Request) -> httpx.Response:
        # Asking again for a token does no harm: another one is all it costs.
        return await self._send(request, auth=None, repeatable=True)

    async def _send(
        self,
        request: httpx.Request,
        *,
        auth: httpx.Auth | None,
        repeatable: bool,
        stream: bool = False,
    ) -> httpx.Response:
        """The answer to ``request``, sent again for as long as the retry policy says. With
        ``stream``, a successful answer's body is left unread (the caller closes it)."""
        attempts = self._core.retry.attempts(repeatable=repeatable)
        while True:
            try:
                response = await self._http.send(request, auth=auth, stream=stream)
                if response.is_error:
                    await response.aread()  # problem+json, for the error and the retry rules
            except httpx.TransportError as error:
                wait = attempts.after_error(error)
                if wait is None:
                    raise ConnectionFailedError.of(request, error) from error
            else:
                wait = attempts.after_response(response)
                if wait is None:
                    return response
                await response.aclose()
            await self._sleep(wait)
