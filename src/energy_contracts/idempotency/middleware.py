"""``Idempotency-Key`` on POST/PUT/PATCH/DELETE of the API (SPEC §7), for every handler.

For a keyed write by an authenticated client, this layer

1. answers from the store when it can: the first answer again (``Idempotent-Replayed:
   true``), a 422 when the key was used for a different request, a 409 while the first
   request is still running;
2. otherwise claims the key (a short committed transaction), opens the request's unit of
   work and shares it with the handler's ``SessionDep``, and runs the handler with the
   response held back;
3. then ends the unit of work: a success stores the answer *in the work's transaction* and
   commits both; a client error rolls the work back and stores the answer on its own; a
   server error (or an authentication failure) stores nothing, and the key is released so
   that a retry does the work.

The store is the database, so it holds across worker processes and replicas. Requests
without the header, reads, and the token endpoint pass straight through.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable

import structlog
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from energy_contracts.auth.tokens import TokenService
from energy_contracts.db.engine import Database
from energy_contracts.db.session import share_unit_of_work
from energy_contracts.errors import (
    FieldError,
    ProblemError,
    database_unavailable_response,
    is_database_unavailable,
    problem_response,
)
from energy_contracts.idempotency.store import (
    Claim,
    IdempotencyStore,
    InFlight,
    Mismatch,
    RecordKey,
    Replay,
    StoredResponse,
)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
IN_FLIGHT_RETRY_AFTER_SECONDS = 1
# Answers that depend on the credentials or the moment rather than on the request: a retry
# with a fresh token, or a little later, deserves a fresh answer.
_NOT_STORED = frozenset({401, 403, 408, 425, 429})
# Per-delivery headers: recomputed (or added by outer layers) on every response.
_NOT_STORED_HEADERS = frozenset(
    {"content-length", "connection", "date", "server", "set-cookie", "transfer-encoding"}
)
_HEADER_KEY = HEADER.lower().encode()

log = structlog.get_logger(__name__)


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        tokens: TokenService,
        api_prefix: str,
        lease_seconds: float,
    ) -> None:
        self.app = app
        self._database = database
        self._tokens = tokens
        self._prefix = api_prefix.rstrip("/") + "/"
        self._lease_seconds = lease_seconds
        self._store = IdempotencyStore(database, lease_seconds=lease_seconds)
        self._releases: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or not scope["path"].startswith(self._prefix)
        ):
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == _HEADER_KEY]
        caller = self._caller(scope) if keys else None
        route = _matching_route(scope) if caller else None
        if caller is None or route is None:
            # No key, or a request the router or authentication will refuse anyway.
            await self.app(scope, receive, send)
            return
        # So that logs and metrics name the route and client on every path.
        scope["route"] = route
        scope.setdefault("state", {})["client_id"] = caller[1]
        key = _valid_key(keys)
        if key is None:
            await _invalid_key(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away before sending its request
        record = RecordKey(org_id=caller[0], client_id=caller[1], key=key)
        try:
            outcome = await self._store.begin(record, _fingerprint(scope, body))
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await database_unavailable_response()(scope, receive, send)
            return
        if isinstance(outcome, Replay):
            await _Stored(outcome.response, replayed=True)(scope, receive, send)
        elif isinstance(outcome, Mismatch):
            await _key_reused(scope, receive, send)
        elif isinstance(outcome, InFlight):
            await _in_flight(scope, receive, send)
        else:
            await self._run(outcome, scope, _replaying(body, receive), send)

    def _caller(self, scope: Scope) -> tuple[uuid.UUID, str] | None:
        """(org_id, client_id) of a valid token with the write scope, else None (the
        handler's own authentication then answers 401 or 403)."""
        authorization = next(
            (value for name, value in scope["headers"] if name == b"authorization"), b""
        )
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            claims = self._tokens.verify(token.strip())
        except ProblemError:
            return None
        if "write" not in claims.scopes:
            return None
        return claims.org_id, claims.client_id

    async def _run(self, claim: Claim, scope: Scope, receive: Receive, send: Send) -> None:
        held = _HeldResponse()
        session = self._database.unit_of_work()
        share_unit_of_work(scope, session)
        try:
            try:
                await self.app(scope, receive, held.send)
            except BaseException:
                await _quietly(session.rollback())
                await self._release(claim)
                raise
            answer = await self._settle(session, claim, held.stored())
        finally:
            await _quietly(session.close())
        await answer(scope, receive, send)

    async def _settle(
        self, session: AsyncSession, claim: Claim, response: StoredResponse
    ) -> ASGIApp:
        """End the unit of work as the response requires; return what to send."""
        try:
            if response.status < 400:
                # The answer joins the work's transaction: both are stored, or neither.
                if not await self._store.complete(session, claim, response):
                    await session.rollback()
                    return _taken_over()
                await session.commit()
            elif response.status < 500 and response.status not in _NOT_STORED:
                await session.rollback()  # a request that fails writes nothing...
                if await self._store.complete(session, claim, response):
                    await session.commit()  # ...except the answer, for the retries
            else:
                await session.rollback()
                await self._release(claim)
        except Exception as exc:
            await _quietly(session.rollback())
            await self._release(claim)
            if not is_database_unavailable(exc):
                raise
            log.warning("database_unavailable", error=type(exc).__name__)
            return database_unavailable_response()
        return _Stored(response, replayed=False)

    async def _release(self, claim: Claim) -> None:
        """Release now; if the database is unreachable, keep trying in the background for
        as long as the lease lasts, so that retries after an outage do not see a 409."""
        try:
            await self._store.release(claim)
        except Exception as exc:
            if not is_database_unavailable(exc):
                log.exception("idempotency_release_failed")
                return
            task = asyncio.create_task(self._release_later(claim))
            self._releases.add(task)
            task.add_done_callback(self._releases.discard)

    async def _release_later(self, claim: Claim) -> None:
        deadline = time.monotonic() + self._lease_seconds
        delay = 0.25
        while time.monotonic() + delay < deadline:
            await asyncio.sleep(delay)
            try:
                await self._store.release(claim)
                return
            except Exception as exc:
                if not is_database_unavailable(exc):
                    log.exception("idempotency_release_failed")
                    return
            delay = min(delay * 2, 1.0)


def _matching_route(scope: Scope) -> APIRoute | None:
    for context in iter_route_contexts(scope["app"].routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.matches(scope)[0] is Match.FULL:
            return route
    return None


def _valid_key(values: list[bytes]) -> str | None:
    if len(values) != 1:
        return None
    key = values[0]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(0x21 <= b <= 0x7E for b in key):
        return None
    return key.decode("ascii")


def request_fingerprint(method: str, path: bytes, query: bytes, body: bytes) -> str:
    """The identity of a request: method, path, query and body (sha256, hex)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path, query, hashlib.sha256(body).digest()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _fingerprint(scope: Scope, body: bytes) -> str:
    path: bytes = scope.get("raw_path") or scope["path"].encode()
    return request_fingerprint(scope["method"], path, scope.get("query_string", b""), body)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()  # after the body: wait for the disconnect
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _HeldResponse:
    """The handler's response, held back until the transaction's fate is known."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))

    def stored(self) -> StoredResponse:
        if self.start is None:
            raise RuntimeError("the handler returned without a response")
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self.start.get("headers", [])
            if name.decode("latin-1").lower() not in _NOT_STORED_HEADERS
        ]
        return StoredResponse(self.start["status"], headers, b"".join(self.body))


class _Stored:
    """A stored answer as an ASGI app."""

    def __init__(self, response: StoredResponse, *, replayed: bool) -> None:
        self.response = response
        self.replayed = replayed

    async def __call__(self, _scope: Scope, _receive: Receive, send: Send) -> None:
        response = self.response
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
        headers.append((b"content-length", str(len(response.body)).encode()))
        if self.replayed:
            headers.append(REPLAYED_HEADER)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _quietly(step: Awaitable[None]) -> None:
    """Clean-up that must not hide the error being handled (the connection may be gone)."""
    try:
        await step
    except Exception as exc:
        log.debug("cleanup_failed", error=type(exc).__name__)


async def _invalid_key(scope: Scope, receive: Receive, send: Send) -> None:
    message = f"must be one header of 1 to {MAX_KEY_LENGTH} visible ASCII characters"
    await problem_response(
        422, f"{HEADER}: {message}", slug="validation-error", errors=[FieldError(HEADER, message)]
    )(scope, receive, send)


async def _key_reused(scope: Scope, receive: Receive, send: Send) -> None:
    message = "was already used for a different request (method, path, query or body)"
    await problem_response(
        422,
        f"{HEADER}: {message}",
        slug="idempotency-key-reused",
        errors=[FieldError(HEADER, message)],
    )(scope, receive, send)


async def _in_flight(scope: Scope, receive: Receive, send: Send) -> None:
    await problem_response(
        409,
        f"A request with this {HEADER} is still being processed; retry later.",
        slug="idempotency-key-in-use",
        headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_SECONDS)},
    )(scope, receive, send)


def _taken_over() -> ASGIApp:
    """Our lease ran out and a retry took the key over: our work was rolled back."""
    return problem_response(
        409,
        f"A retry with this {HEADER} took over after this request ran too long; "
        "its work was undone. Retry to get the answer.",
        slug="idempotency-key-in-use",
        headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_SECONDS)},
    )
