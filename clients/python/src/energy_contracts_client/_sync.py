"""``EnergyContractsClient``: the API methods of ``ApiMethods``, run on a blocking transport."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
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


class EnergyContractsClient(ApiMethods):
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

    is_async: ClassVar[bool] = False

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
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._sleep = sleep
        self._token_lock = threading.Lock()

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
        outcome: Outcome = None
        try:
            while True:
                outcome = self._perform(flow.send(outcome))
        except StopIteration as done:
            result: T = done.value
            return result

    def _perform(self, action: Action) -> Outcome:
        if isinstance(action, Send):
            try:
                return self._http.send(action.request)
            except httpx.TransportError as error:
                return error
        if isinstance(action, Sleep):
            self._sleep(action.seconds)
            return None
        with self._token_lock:  # one refresh at a time; the others use its token
            if self._core.tokens.needs_fetch(action.stale):
                self._run(self._core.fetch_token())
        return None

    def _iterate(self, call: Call[Page[T]]) -> Iterator[T]:
        while True:
            page = self._run(self._core.exchange(call))
            yield from page.items
            if page.next_url is None:
                return
            call = self._core.follow(call, page.next_url)
