"""The part of the client that does not care whether it runs blocking or on asyncio.

Everything with rules in it lives here, once: the configuration, building a request from a
``Call`` (URL, headers, the Idempotency-Key), reading its answer or its error, and following
``Link`` headers. An API method is a "flow": a generator that yields the ``Call``s it needs
answered and is resumed with each answer, never touching the network itself. The blocking and
the asyncio client each run flows with a small loop over their own transport (``_sync.py`` and
``_async.py``); the token and the retries they apply are in ``_auth.py`` and ``_retry.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from energy_contracts_client._auth import (
    TOKEN_PATH,
    AsyncSendTokenRequest,
    ClientCredentials,
    SendTokenRequest,
)
from energy_contracts_client._retry import RetryPolicy
from energy_contracts_client._version import USER_AGENT
from energy_contracts_client.errors import (
    EnergyContractsError,
    UnexpectedResponseError,
    api_error,
)
from energy_contracts_client.models import Page

T = TypeVar("T")

API_PREFIX = "/api/partners/v2.0"
DEFAULT_API_URL = "http://127.0.0.1:8000"
ENV_API_URL = "ENERGY_CONTRACTS_API_URL"
ENV_CLIENT_ID = "ENERGY_CONTRACTS_CLIENT_ID"
ENV_CLIENT_SECRET = "ENERGY_CONTRACTS_CLIENT_SECRET"  # noqa: S105 - a variable name
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

_encoder = msgspec.json.Encoder(decimal_format="number")


def encode(value: Any) -> bytes:
    """JSON with decimals as exact numbers (``0.0955``, never ``"0.0955"`` or a float)."""
    return _encoder.encode(value)


# --- One request ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One logical API request: what to send and how to read the answer.

    ``path`` holds the segments under ``/org/{org_id}`` (quoted one by one, so an external id
    with a slash stays one segment); ``url`` instead is an absolute URL to fetch (a ``Link``).
    """

    method: str
    parse: Callable[[httpx.Response], T]
    path: tuple[str, ...] = ()
    url: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # None: send an Idempotency-Key exactly when the method writes.
    idempotency_key: bool | None = None
    # Safe to send again after a failure mid-way even without a key (computing a cost):
    # nothing is stored twice.
    repeatable: bool = False

    @property
    def sends_idempotency_key(self) -> bool:
        if self.idempotency_key is None:
            return self.method in _WRITE_METHODS
        return self.idempotency_key

    @property
    def safe_to_repeat(self) -> bool:
        return self.repeatable or self.method in _IDEMPOTENT_METHODS or self.sends_idempotency_key


# A flow yields the calls it needs answered, is resumed with each parsed answer, and returns
# its result.
Flow = Generator[Call[Any], Any, T]


def decode_as(type_: type[T]) -> Callable[[httpx.Response], T]:
    decoder = msgspec.json.Decoder(type_)

    def parse(response: httpx.Response) -> T:
        return decoder.decode(response.content)

    return parse


def page_of(type_: type[T]) -> Callable[[httpx.Response], Page[T]]:
    decoder = msgspec.json.Decoder(list[type_])  # type: ignore[valid-type]

    def parse(response: httpx.Response) -> Page[T]:
        items: list[T] = decoder.decode(response.content)
        return Page(items, next_link(response))

    return parse


def next_link(response: httpx.Response) -> str | None:
    """The absolute URL of ``Link: <...>; rel="next"``, if the answer has one."""
    link = response.links.get("next")
    next_url = link.get("url") if link else None
    return None if next_url is None else str(response.request.url.join(next_url))


NDJSON = "application/x-ndjson"


@dataclass(frozen=True, slots=True)
class Lines(Generic[T]):
    """A GET answered with newline-delimited JSON, one ``item`` per line, paged with
    ``Link: rel="next"``: read line by line as it arrives, never as a whole."""

    call: Call[None]
    item: type[T]


class LineReader(Generic[T]):
    """NDJSON decoded as its bytes arrive: the whole lines of each chunk at once, the
    unfinished last line kept for the next chunk. Memory holds a chunk and one line."""

    def __init__(self, item: type[T], source: str) -> None:
        self._decoder = msgspec.json.Decoder(item)
        self._source = source
        self._rest = bytearray()

    def feed(self, chunk: bytes) -> list[T]:
        end = chunk.rfind(b"\n")
        if end < 0:
            self._rest += chunk
            return []
        whole = bytes(self._rest) + chunk[: end + 1]
        self._rest = bytearray(chunk[end + 1 :])
        return self._decode(whole)

    def finish(self) -> list[T]:
        """The last line, when the answer does not end with a newline."""
        rest, self._rest = bytes(self._rest), bytearray()
        return self._decode(rest) if rest.strip() else []

    def _decode(self, lines: bytes) -> list[T]:
        try:
            return self._decoder.decode_lines(lines)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise UnexpectedResponseError(f"{self._source}: unreadable line: {error}") from None


def _no_body(_response: httpx.Response) -> None:
    return None


NO_CONTENT = _no_body


# --- The shared core ------------------------------------------------------------------------


class ClientCore:
    """Configuration shared by every request of one client, and the rules for each request.

    ``send_token_request`` (blocking client) or ``async_send_token_request`` (asyncio client)
    is how the client's ``auth`` sends its token requests.
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        client_id: str | None,
        client_secret: str | None,
        org_id: uuid.UUID | str | None,
        scope: str | None,
        retry: RetryPolicy,
        clock: Callable[[], float],
        refresh_margin: float,
        send_token_request: SendTokenRequest | None = None,
        async_send_token_request: AsyncSendTokenRequest | None = None,
    ) -> None:
        base_url = base_url or os.environ.get(ENV_API_URL) or DEFAULT_API_URL
        client_id = client_id or os.environ.get(ENV_CLIENT_ID)
        client_secret = client_secret or os.environ.get(ENV_CLIENT_SECRET)
        if not client_id or not client_secret:
            raise ValueError(
                f"client credentials are missing: pass client_id and client_secret, or set "
                f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
            )
        parsed = urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._origin = (parsed.scheme, parsed.netloc)
        self._org_id = None if org_id is None else uuid.UUID(str(org_id))
        self.retry = retry
        self.auth = ClientCredentials(
            self.base_url + TOKEN_PATH,
            client_id,
            client_secret,
            scope=scope,
            clock=clock,
            refresh_margin=refresh_margin,
            send=send_token_request,
            async_send=async_send_token_request,
        )

    @property
    def org_id(self) -> uuid.UUID:
        """The organisation: as configured, else the ``org_id`` claim of the access token."""
        if self._org_id is not None:
            return self._org_id
        if self.auth.tokens.value is None:
            raise EnergyContractsError(
                "The organisation is known once the first access token is fetched: make a "
                "request first, or pass org_id= to the client."
            )
        claim = self.auth.tokens.claims.get("org_id")
        if claim is None:
            raise EnergyContractsError(
                "The access token does not name an organisation; pass org_id= to the client."
            )
        return uuid.UUID(str(claim))

    def __repr__(self) -> str:  # never the secret
        return f"ClientCore(base_url={self.base_url!r}, client_id={self.auth.client_id!r})"

    # -- flows --

    def exchange(self, call: Call[T]) -> Flow[T]:
        """The parsed answer to ``call``."""
        answer: T = yield call
        return answer

    def collect(self, call: Call[Page[T]]) -> Flow[list[T]]:
        """Every item of a paged list, following ``Link: rel="next"`` to the end."""
        items: list[T] = []
        while True:
            page = yield from self.exchange(call)
            items.extend(page.items)
            if page.next_url is None:
                return items
            call = self.follow(call, page.next_url)

    def follow(self, call: Call[T], next_url: str) -> Call[T]:
        """The request for the page a ``Link`` points at — only on the configured origin, so
        that a forged Link can never carry the access token elsewhere."""
        target = urlsplit(next_url)
        scheme, netloc = self._origin
        if target.netloc != netloc:
            raise UnexpectedResponseError(
                f"the next-page link {next_url!r} leaves {self.base_url}; not following it"
            )
        # Behind a TLS-terminating proxy the service may believe it is served over http: keep
        # the scheme the client was configured with, never downgrade it.
        url = target._replace(scheme=scheme).geturl()
        return Call("GET", call.parse, url=url, headers=call.headers)

    # -- one request and its answer --

    def needs_organisation(self, call: Call[Any]) -> bool:
        """Whether ``call``'s URL needs the organisation, which only a first token will name."""
        return call.url is None and self._org_id is None and self.auth.tokens.value is None

    def request(self, call: Call[Any]) -> httpx.Request:
        """The HTTP request for ``call``, sent as it is on every attempt (the auth adds the
        token). A write gets an Idempotency-Key of its own, so that the server answers a retry
        with the first answer instead of doing the work twice."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **call.headers}
        if call.body is not None:
            headers.setdefault("Content-Type", "application/json")
        if call.sends_idempotency_key:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return httpx.Request(
            call.method,
            call.url or self._url(call.path),
            params=call.params or None,
            headers=headers,
            content=call.body,
        )

    def read(self, call: Call[T], response: httpx.Response) -> T:
        """The answer to ``call``, or its error raised as a typed ``ApiError``."""
        if response.is_error:
            raise api_error(response)
        try:
            return call.parse(response)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise UnexpectedResponseError(
                f"{call.method} {response.request.url}: unreadable answer: {error}"
            ) from None

    def read_head(self, response: httpx.Response) -> str | None:
        """For a streamed answer, before its body: its error raised as a typed ``ApiError``
        (the send loop has read an error's body), else the next page's URL."""
        if response.is_error:
            raise api_error(response)
        return next_link(response)

    def _url(self, path: tuple[str, ...]) -> str:
        segments = "/".join(quote(segment, safe="") for segment in path)
        root = f"{self.base_url}{API_PREFIX}/org/{self.org_id}"
        return f"{root}/{segments}" if segments else root


def query_instant(value: datetime) -> str:
    """An aware instant for a query parameter, in UTC with ``Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset; pass an aware datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
