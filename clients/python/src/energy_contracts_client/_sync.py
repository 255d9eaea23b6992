"""``EnergyContractsClient``: the API methods of ``ApiMethods``, run on a blocking transport."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TypeVar

import httpx

from energy_contracts_client._api import SyncApi
from energy_contracts_client._auth import DEFAULT_REFRESH_MARGIN
from energy_contracts_client._core import Call, ClientCore, Flow, LineReader, Lines
from energy_contracts_client._retry import RetryPolicy
from energy_contracts_client.errors import ConnectionFailedError
from energy_contracts_client.models import Page

T = TypeVar("T")


class EnergyContractsClient(SyncApi):
    """A blocking client of the Partner API.

    ::

        with EnergyContractsClient("https://api.example.com", client_id, client_secret) as api:
            user = api.create_user(NewUser(email="ada@example.com"))
            for price in api.iter_prices(user.id, contract_id, from_=start, to=end):
                ...

    Credentials default to ``ENERGY_CONTRACTS_CLIENT_ID``/``_SECRET`` and the URL to
    ``ENERGY_CONTRACTS_API_URL``. The organisation is the one the access token names, unless
    ``org_id`` is given. ``clock`` (seconds, monotonic) decides when the token is refreshed and
    ``sleep`` waits between retries; both are replaceable, e.g. in tests. ``http_client`` is
    used as given (its base URL and default headers are not applied) and not closed by
    ``close()``.
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
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
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
            send_token_request=self._send_token_request,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> EnergyContractsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EnergyContractsClient({self._core.base_url!r})"

    def _run(self, flow: Flow[T]) -> T:
        try:
            call = next(flow)
            while True:
                call = flow.send(self._exchange(call))
        except StopIteration as done:
            result: T = done.value
            return result

    def _iterate(self, call: Call[Page[T]]) -> Iterator[T]:
        while True:
            page = self._exchange(call)
            yield from page.items
            if page.next_url is None:
                return
            call = self._core.follow(call, page.next_url)

    def _stream(self, lines: Lines[T]) -> Iterator[T]:
        call = lines.call
        while True:
            if self._core.needs_organisation(call):
                self._core.auth.sync_token()
            request = self._core.request(call)
            response = self._send(request, auth=self._core.auth, repeatable=True, stream=True)
            try:
                next_url = self._core.read_head(response)
                reader = LineReader(lines.item, f"{request.method} {request.url}")
                try:
                    for chunk in response.iter_bytes():
                        yield from reader.feed(chunk)
                except httpx.TransportError as error:
                    # Lines already yielded cannot be taken back: not retried.
                    raise ConnectionFailedError.of(request, error) from error
                yield from reader.finish()
            finally:
                response.close()
            if next_url is None:
                return
            call = self._core.follow(call, next_url)

    def _exchange(self, call: Call[T]) -> T:
        if self._core.needs_organisation(call):
            self._core.auth.sync_token()
        request = self._core.request(call)
        response = self._send(request, auth=self._core.auth, repeatable=call.safe_to_repeat)
        return self._core.read(call, response)

    def _send_token_request(self, request: httpx.Request) -> httpx.Response:
        # Asking again for a token does no harm: another one is all it costs.
        return self._send(request, auth=None, repeatable=True)

    def _send(
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
                response = self._http.send(request, auth=auth, stream=stream)
                if response.is_error:
                    response.read()  # a problem+json body, for the error and the retry rules
            except httpx.TransportError as error:
                wait = attempts.after_error(error)
                if wait is None:
                    raise ConnectionFailedError.of(request, error) from error
            else:
                wait = attempts.after_response(response)
                if wait is None:
                    return response
                response.close()
            self._sleep(wait)
