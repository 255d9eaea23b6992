"""The part of the client that does not care whether it runs sync or async.

Everything with rules in it lives here, once: building requests, the access token, retries and
their waits, Idempotency-Keys, reading answers and errors, following ``Link`` headers. It is
written as generators ("flows") that never touch the network themselves: a flow *yields* what it
needs done — send this request, sleep this long, get a fresh token — and is resumed with the
outcome. The sync and the async client each run flows with a small loop that does exactly those
three things with their own transport (see ``_sync.py`` and ``_async.py``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from energy_contracts_client._version import __version__
from energy_contracts_client.errors import (
    ConnectionFailedError,
    EnergyContractsError,
    UnexpectedResponseError,
    api_error,
    token_error,
)
from energy_contracts_client.models import Page, TokenResponse

T = TypeVar("T")

API_PREFIX = "/api/partners/v2.0"
DEFAULT_API_URL = "http://127.0.0.1:8000"
ENV_API_URL = "ENERGY_CONTRACTS_API_URL"
ENV_CLIENT_ID = "ENERGY_CONTRACTS_CLIENT_ID"
ENV_CLIENT_SECRET = "ENERGY_CONTRACTS_CLIENT_SECRET"  # noqa: S105 - a variable name
TOKEN_PATH = "/oauth2/token/"  # noqa: S105 - a path
USER_AGENT = f"energy-contracts-client/{__version__}"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

_encoder = msgspec.json.Encoder(decimal_format="number")


def encode(value: Any) -> bytes:
    """JSON with decimals as exact numbers (``0.0955``, never ``"0.0955"`` or a float)."""
    return _encoder.encode(value)


# --- What a flow asks its runner to do -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """Get a new token unless someone else already replaced ``stale`` (None: there is none)."""

    stale: str | None


Action = Send | Sleep | RefreshToken
# What the runner resumes the flow with: the response to a Send (or the transport error it
# raised), None after a Sleep or a RefreshToken.
Outcome = httpx.Response | httpx.TransportError | None
Flow = Generator[Action, Outcome, T]


# --- Configuration ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a request is tried again.

    429 and 503 answers are retried after their ``Retry-After`` (or the backoff when they give
    none); connection failures after the backoff, for requests that are safe to repeat (reads,
    PUT, DELETE, and writes carrying an Idempotency-Key — which is every write this client
    sends). A 409 saying that an earlier attempt with the same Idempotency-Key is still
    running is waited out the same way. A request is tried at most ``max_attempts`` times,
    and the waits between attempts add up to at most ``max_total_wait`` seconds: a
    ``Retry-After`` beyond that budget raises at once, with the advice in
    ``error.retry_after``.
    """

    max_attempts: int = 5
    max_total_wait: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_statuses: frozenset[int] = frozenset({429, 503})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_total_wait < 0 or self.backoff_initial < 0 or self.backoff_max < 0:
            raise ValueError("waits must not be negative")

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based) when the server gave none."""
        return float(min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1)))


NO_RETRIES = RetryPolicy(max_attempts=1, max_total_wait=0)

# Refresh this long before the token expires, so a request never leaves with a token that
# expires on its way; at most half the token's lifetime, so short-lived tokens stay useful.
DEFAULT_REFRESH_MARGIN = 60.0


# --- One request ----------------------------------------------------------------------------


def _no_body(_response: httpx.Response) -> None:
    return None


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
    # Safe to send again after a failure mid-way even without a key (asking for a token,
    # computing a cost): nothing is stored twice.
    repeatable: bool = False

    @property
    def sends_idempotency_key(self) -> bool:
        if self.idempotency_key is None:
            return self.method in _WRITE_METHODS
        return self.idempotency_key

    @property
    def safe_to_repeat(self) -> bool:
        return self.repeatable or self.method in _IDEMPOTENT_METHODS or self.sends_idempotency_key


def decode_as(type_: type[T]) -> Callable[[httpx.Response], T]:
    decoder = msgspec.json.Decoder(type_)

    def parse(response: httpx.Response) -> T:
        return decoder.decode(response.content)

    return parse


def page_of(type_: type[T]) -> Callable[[httpx.Response], Page[T]]:
    decoder = msgspec.json.Decoder(list[type_])  # type: ignore[valid-type]

    def parse(response: httpx.Response) -> Page[T]:
        items: list[T] = decoder.decode(response.content)
        link = response.links.get("next")
        next_url = link.get("url") if link else None
        if next_url is not None:
            next_url = str(response.request.url.join(next_url))
        return Page(items, next_url)

    return parse


NO_CONTENT = _no_body


# --- The access token -----------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    value: str
    refresh_at: float
    claims: dict[str, Any]


class TokenCache:
    """The current access token and when to replace it, by the client's clock."""

    def __init__(self, clock: Callable[[], float], margin: float) -> None:
        self._clock = clock
        self._margin = margin
        self._token: _Token | None = None

    @property
    def value(self) -> str | None:
        return None if self._token is None else self._token.value

    @property
    def claims(self) -> dict[str, Any]:
        return {} if self._token is None else self._token.claims

    def usable(self) -> str | None:
        """The token, if it is not yet due for refresh."""
        token = self._token
        if token is None or self._clock() >= token.refresh_at:
            return None
        return token.value

    def store(self, response: TokenResponse, obtained_at: float) -> None:
        lifetime = max(0.0, float(response.expires_in))
        margin = min(self._margin, lifetime / 2)
        self._token = _Token(
            response.access_token, obtained_at + lifetime - margin, _unverified_claims(response)
        )

    def needs_fetch(self, stale: str | None) -> bool:
        """Whether a runner holding the refresh lock must fetch: nobody replaced ``stale``."""
        return self.value is None or self.value == stale


def _unverified_claims(response: TokenResponse) -> dict[str, Any]:
    """The JWT payload, read without verifying: only to learn ``org_id``.

    The server verifies the token on every request; the client merely needs to know which
    organisation it belongs to. A token that is not a JWT simply has no claims.
    """
    parts = response.access_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


# --- The shared core ------------------------------------------------------------------------


class ClientCore:
    """Configuration and state shared by every request of one client."""

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
        self._client_id = client_id
        self._client_secret = client_secret
        self._org_id = None if org_id is None else uuid.UUID(str(org_id))
        self._scope = scope
        self.retry = retry
        self.clock = clock
        self.tokens = TokenCache(clock, refresh_margin)

    @property
    def org_id(self) -> uuid.UUID:
        """The organisation: as configured, else the ``org_id`` claim of the access token."""
        if self._org_id is not None:
            return self._org_id
        if self.tokens.value is None:
            raise EnergyContractsError(
                "The organisation is known once the first access token is fetched: make a "
                "request first, or pass org_id= to the client."
            )
        claim = self.tokens.claims.get("org_id")
        if claim is None:
            raise EnergyContractsError(
                "The access token does not name an organisation; pass org_id= to the client."
            )
        return uuid.UUID(str(claim))

    def __repr__(self) -> str:  # never the secret
        return f"ClientCore(base_url={self.base_url!r}, client_id={self._client_id!r})"

    # -- flows --

    def exchange(self, call: Call[T]) -> Flow[T]:
        """Send ``call`` (with a token, retries and an Idempotency-Key); its parsed answer."""
        response = yield from self._send(call, authenticated=True)
        try:
            return call.parse(response)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise UnexpectedResponseError(
                f"{call.method} {response.request.url}: unreadable answer: {error}"
            ) from None

    def fetch_token(self) -> Flow[None]:
        """Ask the token endpoint for a new access token and keep it."""
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        call: Call[TokenResponse] = Call(
            "POST",
            decode_as(TokenResponse),
            url=self.base_url + TOKEN_PATH,
            body=_form(form),
            headers={
                "Authorization": _basic_credentials(self._client_id, self._client_secret),
                "Content-Type": "application/x-www-form-urlencoded",
            },
            # A second token does no harm: no key needed, and safe to ask again.
            idempotency_key=False,
            repeatable=True,
        )
        requested_at = self.clock()
        response = yield from self._send(call, authenticated=False)
        try:
            token = call.parse(response)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise UnexpectedResponseError(f"unreadable token response: {error}") from None
        self.tokens.store(token, requested_at)

    def collect(self, call: Call[Page[T]]) -> Flow[list[T]]:
        """Every item of a paged list, following ``Link: rel="next"`` to the end."""
        items: list[T] = []
        while True:
            page = yield from self.exchange(call)
            items.extend(page.items)
            if page.next_url is None:
                return items
            call = self.follow(call, page.next_url)

    def follow(self, call: Call[Page[T]], next_url: str) -> Call[Page[T]]:
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

    # -- internals --

    def _send(self, call: Call[Any], *, authenticated: bool) -> Flow[httpx.Response]:
        # One key per logical write, the same on every retry of it: the server answers a
        # repeat with the first answer instead of doing the work twice.
        idempotency_key = str(uuid.uuid4()) if call.sends_idempotency_key else None
        attempts = 0
        waited = 0.0
        refreshed = False
        while True:
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **call.headers}
            if call.body is not None:
                headers.setdefault("Content-Type", "application/json")
            if idempotency_key is not None:
                headers["Idempotency-Key"] = idempotency_key
            token = None
            if authenticated:
                token = self.tokens.usable()
                if token is None:
                    yield RefreshToken(stale=self.tokens.value)
                    token = self.tokens.value
                headers["Authorization"] = f"Bearer {token}"
            request = httpx.Request(
                call.method,
                call.url or self._url(call.path),
                params=call.params or None,
                headers=headers,
                content=call.body,
            )
            attempts += 1
            outcome = yield Send(request)

            if isinstance(outcome, httpx.TransportError):
                delay = self.retry.backoff(attempts)
                # A refused connection never reached the service; anything later may have.
                never_sent = isinstance(outcome, httpx.ConnectError | httpx.ConnectTimeout)
                safe = never_sent or call.safe_to_repeat
                if safe and self._may_retry(attempts, waited, delay):
                    yield Sleep(delay)
                    waited += delay
                    continue
                raise ConnectionFailedError(
                    f"{call.method} {request.url}: {type(outcome).__name__}: {outcome}"
                ) from outcome
            assert outcome is not None
            response = outcome

            if response.status_code == 401 and authenticated and not refreshed:
                # The token may have been revoked or the signing key rotated: one fresh token,
                # one more try; this does not count against the retry budget.
                refreshed = True
                attempts -= 1
                yield RefreshToken(stale=token)
                continue

            if response.status_code in self.retry.retry_statuses or (
                idempotency_key is not None and _key_in_flight(response)
            ):
                advice = retry_after_seconds(response.headers.get("retry-after"))
                delay = advice if advice is not None else self.retry.backoff(attempts)
                if self._may_retry(attempts, waited, delay):
                    yield Sleep(delay)
                    waited += delay
                    continue
                raise (token_error if not authenticated else api_error)(
                    response, retry_after=advice
                )

            if response.is_error:
                raise api_error(response) if authenticated else token_error(response)
            return response

    def _may_retry(self, attempts: int, waited: float, delay: float) -> bool:
        return attempts < self.retry.max_attempts and waited + delay <= self.retry.max_total_wait

    def _url(self, path: tuple[str, ...]) -> str:
        segments = "/".join(quote(segment, safe="") for segment in path)
        root = f"{self.base_url}{API_PREFIX}/org/{self.org_id}"
        return f"{root}/{segments}" if segments else root


_IN_FLIGHT_TYPE = "idempotency-key-in-use"


class _ProblemType(msgspec.Struct):
    type: str = ""


def _key_in_flight(response: httpx.Response) -> bool:
    """A 409 saying our own earlier attempt with this Idempotency-Key is still running (SPEC
    §7): a retry is answered with its result once it finishes, so it is worth waiting for."""
    if response.status_code != 409:
        return False
    try:
        problem = msgspec.json.decode(response.content, type=_ProblemType)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return problem.type.rsplit("/", 1)[-1] == _IN_FLIGHT_TYPE


def _form(values: Mapping[str, str]) -> bytes:
    return str(httpx.QueryParams(values)).encode()


def _basic_credentials(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: form-urlencode id and secret before the Basic encoding.
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def query_instant(value: datetime) -> str:
    """An aware instant for a query parameter, in UTC with ``Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset; pass an aware datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def default_clock() -> float:
    return time.monotonic()
