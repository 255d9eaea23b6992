"""Who is asking: authenticated once per API request, then authorised by guards.

``AuthenticationMiddleware`` runs first on every API route: it turns the bearer token into a
``Caller`` (a verified token of a client that is not revoked) and puts it on the request
(``request.auth``), or answers 401. Everything after it — the idempotency layer, the guards,
the handlers (``caller: Caller`` is a dependency) — uses that one ``Caller``.

Guards, in this order: ``require_scope`` (403 without the read or write scope the request
needs), then the API's query check, then ``own_organisation``: the path's organisation *only
if* it is the caller's, any other is a 404, so the API never reveals what exists elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from energy_contracts.auth.clients import client_is_active
from energy_contracts.auth.tokens import TokenService
from energy_contracts.db.engine import Database
from energy_contracts.errors import Forbidden, NotFound, Unauthorized

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REQUIRED_SCOPE = "required_scope"
"""A handler's ``opt`` key naming the scope it needs when its method does not say it: a
question asked with POST (the cost of a load profile) declares ``opt={REQUIRED_SCOPE: "read"}``."""


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: str
    org_id: uuid.UUID
    scopes: frozenset[str]


class ClientStatus:
    """Per-process memo of 'this client is not revoked', so that a valid token costs no
    database round trip on every request. Only a cache: the database stays the truth, and
    an entry is trusted for ``ttl_seconds`` (the revocation delay, ≤ 60 s by SPEC §2)."""

    def __init__(self, ttl_seconds: float, database: Database) -> None:
        self._active: TTLCache[tuple[uuid.UUID, str], bool] = TTLCache(
            maxsize=100_000, ttl=ttl_seconds
        )
        self._database = database

    async def is_active(self, org_id: uuid.UUID, client_id: str) -> bool:
        key = (org_id, client_id)
        if key in self._active:
            return True
        # A read of its own, once a period per client: a route that needs no session (the
        # effective prices read with a bare connection) then gets none on other requests.
        async with self._database.session(write=False) as session:
            active = await client_is_active(session, org_id, client_id)
        if active:
            self._active[key] = True
        return active


async def authenticate(scope: Scope) -> Caller:
    """The caller of this request; a 401 for a missing, invalid or revoked credential."""
    state = scope["litestar_app"].state
    header = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.", error=None)
    tokens: TokenService = state.tokens
    claims = tokens.verify(token.strip())
    status: ClientStatus = state.client_status
    if not await status.is_active(claims.org_id, claims.client_id):
        raise Unauthorized("The client of this access token is revoked.")
    return Caller(claims.client_id, claims.org_id, claims.scopes)


class AuthenticationMiddleware:
    """Authenticates every request of the routes it is given to (the API's)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            caller = await authenticate(scope)
            scope["auth"] = caller
            scope["user"] = caller.client_id
            # So that logs and metrics name the client on every path, failures included.
            scope["state"]["client_id"] = caller.client_id
        await self.app(scope, receive, send)


def caller_of(scope: Scope) -> Caller:
    caller: Caller = scope["auth"]
    return caller


def required_scope(handler: BaseRouteHandler, method: str) -> str:
    """``read`` for GET, ``write`` for writes — unless the handler says otherwise."""
    declared = handler.opt.get(REQUIRED_SCOPE)
    if declared:
        return str(declared)
    return "read" if method in READ_ONLY_METHODS else "write"


def may(scope: HTTPScope, handler: BaseRouteHandler) -> bool:
    """Whether this request's caller has the scope the handler needs."""
    return required_scope(handler, scope["method"]) in caller_of(scope).scopes


async def require_scope(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    method = connection.scope["method"]  # type: ignore[typeddict-item]  # guards run on HTTP
    if required_scope(handler, method) not in caller_of(connection.scope).scopes:
        needed = required_scope(handler, method)
        raise Forbidden(f"This request needs the '{needed}' scope.")


async def own_organisation(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    org_id = connection.path_params.get("org_id")
    if org_id is not None and org_id != caller_of(connection.scope).org_id:
        raise NotFound("No such organisation.")


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    return caller_of(request.scope)
