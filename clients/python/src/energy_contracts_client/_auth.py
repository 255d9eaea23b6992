"""The access token: OAuth 2.0 client credentials (RFC 6749 §4.4) as an ``httpx.Auth``.

``ClientCredentials`` asks the token endpoint for a token when a request first needs one, keeps
it until shortly before it expires, and asks for a new one once when a request is answered 401.
However many threads (or tasks) need a new token at the same time, one of them fetches it and
the others use that one. The token request is sent by the function the client passes in, so it
is retried like every other request.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from energy_contracts_client._version import USER_AGENT
from energy_contracts_client.errors import UnexpectedResponseError, token_error
from energy_contracts_client.models import TokenResponse

TOKEN_PATH = "/oauth2/token/"  # noqa: S105 - a path

# Refresh this long before the token expires, so a request never leaves with a token that
# expires on its way; at most half the token's lifetime, so short-lived tokens stay useful.
DEFAULT_REFRESH_MARGIN = 60.0

SendTokenRequest = Callable[[httpx.Request], httpx.Response]
AsyncSendTokenRequest = Callable[[httpx.Request], Awaitable[httpx.Response]]


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

    def replacement(self, stale: str | None) -> str | None:
        """The token that replaced ``stale`` meanwhile, if another caller already fetched one."""
        value = self.value
        return None if value is None or value == stale else value

    def store(self, response: TokenResponse, obtained_at: float) -> str:
        lifetime = max(0.0, float(response.expires_in))
        margin = min(self._margin, lifetime / 2)
        self._token = _Token(
            response.access_token, obtained_at + lifetime - margin, _unverified_claims(response)
        )
        return response.access_token


class ClientCredentials(httpx.Auth):
    """Bearer tokens from the token endpoint, fetched with the client id and secret.

    ``send`` (for the blocking flow) or ``async_send`` (for the asyncio flow) sends the token
    request and returns the final answer; ``clock`` (monotonic seconds) decides when the token
    is due.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        send: SendTokenRequest | None = None,
        async_send: AsyncSendTokenRequest | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._clock = clock
        self._send = send
        self._async_send = async_send
        self.tokens = TokenCache(clock, refresh_margin)
        self._thread_lock = threading.Lock()
        self._async_lock = asyncio.Lock()

    def __repr__(self) -> str:  # never the secret
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token = self.sync_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            # The token may have been revoked or the signing key rotated: one new token, one
            # more try.
            request.headers["Authorization"] = f"Bearer {self.sync_token(rejected=token)}"
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.async_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self.async_token(rejected=token)}"
            yield request

    def sync_token(self, *, rejected: str | None = None) -> str:
        """The token to send: the cached one while fresh, a new one once due or ``rejected``."""
        if rejected is None and (token := self.tokens.usable()) is not None:
            return token
        if self._send is None:
            raise TypeError("these ClientCredentials were made for an async client")
        stale = rejected or self.tokens.value
        with self._thread_lock:
            token = self.tokens.replacement(stale)
            if token is None:
                requested_at = self._clock()
                token = self._keep(self._send(self.token_request()), requested_at)
        return token

    async def async_token(self, *, rejected: str | None = None) -> str:
        """The token to send: the cached one while fresh, a new one once due or ``rejected``."""
        if rejected is None and (token := self.tokens.usable()) is not None:
            return token
        if self._async_send is None:
            raise TypeError("these ClientCredentials were made for a blocking client")
        stale = rejected or self.tokens.value
        async with self._async_lock:
            token = self.tokens.replacement(stale)
            if token is None:
                requested_at = self._clock()
                token = self._keep(await self._async_send(self.token_request()), requested_at)
        return token

    def token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        return httpx.Request(
            "POST",
            self.token_url,
            content=_form(form),
            headers={
                "Authorization": _basic_credentials(self.client_id, self._client_secret),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )

    def _keep(self, response: httpx.Response, requested_at: float) -> str:
        if response.is_error:
            raise token_error(response)
        try:
            answer = _token_decoder.decode(response.content)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise UnexpectedResponseError(f"unreadable token response: {error}") from None
        return self.tokens.store(answer, requested_at)


_token_decoder = msgspec.json.Decoder(TokenResponse)


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


def _form(values: Mapping[str, str]) -> bytes:
    return str(httpx.QueryParams(values)).encode()


def _basic_credentials(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: form-urlencode id and secret before the Basic encoding.
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()
