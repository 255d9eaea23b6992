"""``AsyncEnergyContractsClient``: the API methods of ``ApiMethods``, run on an async transport."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import ClassVar, TypeVar

import httpx

from energy_contracts_client._api import ApiMethods
from energy_contracts_client._core import (
    DEFAULT_REFRESH_MARGIN,
    Action,
    Call,
    ClientCore,
    Flow,
    Outcome,
    RetryPolicy,
    Send,
    Sleep,
)
from energy_contracts_client.models import Page

T = TypeVar("T")


class AsyncEnergyContractsClient(ApiMethods):
    """The same API as ``EnergyContractsClient``, with ``await`` and ``async for``::

        async with AsyncEnergyContractsClient(url, client_id, client_secret) as api:
            organisation = await api.get_organisation()
            async for user in api.iter_users():
                ...

    ``sleep`` is awaited between retries (default ``asyncio.sleep``). Concurrent requests
    share one token; when it is due, one of them fetches the next and the others wait for it.
    """

    is_async: ClassVar[bool] = True

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
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep
        self._token_lock = asyncio.Lock()

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
        outcome: Outcome = None
        try:
            while True:
                outcome = await self._perform(flow.send(outcome))
        except StopIteration as done:
            result: T = done.value
            return result

    async def _perform(self, action: Action) -> Outcome:
        if isinstance(action, Send):
            try:
                return await self._http.send(action.request)
            except httpx.TransportError as error:
                return error
        if isinstance(action, Sleep):
            await self._sleep(action.seconds)
            return None
        async with self._token_lock:  # one refresh at a time; the others use its token
            if self._core.tokens.needs_fetch(action.stale):
                await self._run(self._core.fetch_token())
        return None

    async def _iterate(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        while True:
            page = await self._run(self._core.exchange(call))
            for item in page.items:
                yield item
            if page.next_url is None:
                return
            call = self._core.follow(call, page.next_url)
