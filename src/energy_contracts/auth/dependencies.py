"""``Caller``: who is asking, checked once for every API route.

Tenant scoping starts here: ``ScopedOrgId`` is the path's organisation *only if* it is the
caller's; any other organisation is a 404, so the API never reveals what exists elsewhere.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from energy_contracts.auth.clients import client_is_active
from energy_contracts.auth.tokens import TokenService
from energy_contracts.db.session import READ_ONLY_METHODS, get_database
from energy_contracts.errors import Forbidden, NotFound, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /oauth2/token/.")


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    client_id: str
    org_id: uuid.UUID
    scopes: frozenset[str]


class ClientStatusCache:
    """Per-process memo of 'is this client still active', so that a valid token costs no
    database round trip on every request. Only a cache: the database stays the truth."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._checked: dict[tuple[uuid.UUID, str], float] = {}

    def fresh(self, org_id: uuid.UUID, client_id: str) -> bool:
        checked_at = self._checked.get((org_id, client_id))
        return checked_at is not None and time.monotonic() - checked_at < self._ttl

    def remember_active(self, org_id: uuid.UUID, client_id: str) -> None:
        if len(self._checked) > 100_000:
            self._checked.clear()
        self._checked[(org_id, client_id)] = time.monotonic()


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CallerIdentity:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.", error=None)
    tokens: TokenService = request.app.state.tokens
    claims = tokens.verify(credentials.credentials)
    status: ClientStatusCache = request.app.state.client_status
    if not status.fresh(claims.org_id, claims.client_id):
        # A read of its own, once a minute per client: a route that needs no session (the
        # effective prices read with a bare connection) then gets none on other requests.
        async with get_database(request).session(write=False) as session:
            active = await client_is_active(session, claims.org_id, claims.client_id)
        if not active:
            raise Unauthorized("The client of this access token is revoked.")
        status.remember_active(claims.org_id, claims.client_id)
    needed = required_scope(request)
    if needed not in claims.scopes:
        raise Forbidden(f"This request needs the '{needed}' scope.")
    request.state.client_id = claims.client_id
    return CallerIdentity(claims.client_id, claims.org_id, claims.scopes)


def required_scope(request: Request) -> str:
    """``read`` for GET, ``write`` for writes — unless the route says otherwise: a question
    asked with POST (e.g. the cost of a load profile) declares ``x-required-scope: read``."""
    route = request.scope.get("route")
    declared = (getattr(route, "openapi_extra", None) or {}).get(REQUIRED_SCOPE_KEY)
    if declared:
        return str(declared)
    return "read" if request.method in READ_ONLY_METHODS else "write"


REQUIRED_SCOPE_KEY = "x-required-scope"
READ_QUERY: dict[str, str] = {REQUIRED_SCOPE_KEY: "read"}

Caller = Annotated[CallerIdentity, Depends(_caller)]


async def _scoped_org_id(
    org_id: Annotated[uuid.UUID, Path(description="The organisation's id.")], caller: Caller
) -> uuid.UUID:
    if org_id != caller.org_id:
        raise NotFound("No such organisation.")
    return org_id


ScopedOrgId = Annotated[uuid.UUID, Depends(_scoped_org_id)]
