"""Signing in to the console with an OAuth client's id and secret, and who is signed in.

A sign-in checks the client as the token endpoint does (its per-client rate limit, the
argon2 secret off the event loop, revocation), then stores a session: the browser gets a
random token in an HttpOnly, SameSite=Strict cookie (Secure over https) that lives at most
``SESSION_LIFETIME``; the database keeps only the token's SHA-256, the organisation, client
and scopes, and the instant it expires. Every page looks the session up (so any worker
serves it) and asks ``ClientStatus`` whether the client is still active. Signing out deletes
the row: a copy of the cookie then signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.caller import ClientStatus
from energy_contracts.auth.clients import ClientRefused, TooManyAttempts, verified_client
from energy_contracts.auth.keys import SigningKey
from energy_contracts.console import repository
from energy_contracts.console.models import ConsoleSession
from energy_contracts.db.base import utcnow
from energy_contracts.errors import Forbidden

SESSION_COOKIE = "energy_console"
SESSION_LIFETIME = timedelta(hours=8)
COOKIE_PATH = "/console"
SIGN_IN_PATH = "/console/sign-in"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is signed in: a client of one organisation, with its scopes."""

    org_id: uuid.UUID
    client_id: str
    scopes: frozenset[str]

    @property
    def may_write(self) -> bool:
        return "write" in self.scopes


class SignInRequired(Exception):
    """No valid session: the page answers with the sign-in form."""


class SignInRefused(Exception):
    """Wrong credentials, a revoked client, or too many attempts; the message says which
    as far as it is safe to say."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_secret(signing_key: SigningKey) -> str:
    """The secret that signs CSRF tokens, the same in every worker and replica that shares
    the signing key, and useless for anything else."""
    key = signing_key.private.as_pem(private=True)
    return hmac.new(key, b"energy-contracts console csrf", hashlib.sha256).hexdigest()


async def sign_in(
    session: AsyncSession, request: Request[Any, Any, Any], client_id: str, client_secret: str
) -> str:
    """A new session's cookie token, or ``SignInRefused``."""
    try:
        client = await verified_client(
            session,
            client_id,
            client_secret,
            source=request.client.host if request.client else "unknown",
            limiter=request.app.state.token_rate_limiter,
            slots=request.app.state.verification_slots,
        )
    except TooManyAttempts:
        raise SignInRefused("Too many attempts from here; wait a minute.") from None
    except ClientRefused:
        raise SignInRefused("Unknown client id or wrong secret.") from None
    now = utcnow()
    await repository.delete_expired_sessions(session, now)
    token = secrets.token_urlsafe(32)
    await repository.insert_session(
        session,
        ConsoleSession(
            token_hash=_token_hash(token),
            org_id=client.org_id,
            client_id=client.client_id,
            scope=client.scope,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        ),
    )
    return token


async def sign_out(session: AsyncSession, request: Request[Any, Any, Any]) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await repository.delete_session(session, _token_hash(token))


async def provide_viewer(
    request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired
    stored = await repository.find_session(session, _token_hash(token), utcnow())
    if stored is None:
        raise SignInRequired
    status: ClientStatus = request.app.state.client_status
    if not await status.is_active(stored.org_id, stored.client_id):
        raise SignInRequired
    # The access log names the client, as it does for the API's bearer tokens.
    request.scope["state"]["client_id"] = stored.client_id
    return Viewer(stored.org_id, stored.client_id, frozenset(stored.scope.split()))


async def provide_writer(viewer: NamedDependency[Viewer]) -> Viewer:
    """The viewer of a page that changes data: a client with the write scope."""
    if not viewer.may_write:
        raise Forbidden("This client may only read.")
    return viewer


def session_cookie(request: Request[Any, Any, Any], token: str) -> Cookie:
    return _cookie(request, token, max_age=int(SESSION_LIFETIME.total_seconds()))


def cleared_session_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return _cookie(request, "", max_age=0)


def _cookie(request: Request[Any, Any, Any], value: str, *, max_age: int) -> Cookie:
    """The session cookie's one set of attributes, whether it is set or cleared."""
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
