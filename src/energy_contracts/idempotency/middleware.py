"""``Idempotency-Key`` on POST/PUT/PATCH/DELETE of the API (SPEC §7), for every handler.

It runs after authentication, on the request's ``Caller``: a revoked client's token gets no
replay, and keys belong to the client that sent them. For a keyed write whose caller has the
scope it needs (otherwise the scope guard answers 403, and nothing is kept), this layer

1. answers from the store when it can: the first answer again (``Idempotent-Replayed:
   true``), a 422 when the key was used for a different request, a 409 while the first
   request is still running;
2. otherwise claims the key (a short committed transaction), and has the answer stored *in
   the request's own transaction*, just before it commits (``db.session.before_commit``):
   the work and the answer to replay are stored together, or neither is;
3. keeps a client error's answer on its own (the work was rolled back), and keeps nothing
   for a server error or a refused credential: the key is released so that a retry does the
   work.

The store is the database, so it holds across worker processes and replicas. Requests
without the header, reads, and the token endpoint pass straight through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import structlog
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPScope,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.responses import keep_rendered_answer, rendered_answer
from energy_contracts.auth.caller import caller_of, may
from energy_contracts.db.session import before_commit
from energy_contracts.errors import (
    Conflict,
    FieldError,
    Unprocessable,
    is_database_unavailable,
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


class InvalidKey(Unprocessable):
    def __init__(self) -> None:
        message = f"must be one header of 1 to {MAX_KEY_LENGTH} visible ASCII characters"
        super().__init__(errors=[FieldError(HEADER, message)])


class KeyReused(Unprocessable):
    slug = "idempotency-key-reused"

    def __init__(self) -> None:
        message = "was already used for a different request (method, path, query or body)"
        super().__init__(errors=[FieldError(HEADER, message)])


class KeyInUse(Conflict):
    slug = "idempotency-key-in-use"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_SECONDS)})


def _in_flight() -> KeyInUse:
    return KeyInUse(f"A request with this {HEADER} is still being processed; retry later.")


def _taken_over() -> KeyInUse:
    """Our lease ran out and a retry took the key over: our work is rolled back."""
    return KeyInUse(
        f"A retry with this {HEADER} took over after this request ran too long; "
        "its work was undone. Retry to get the answer."
    )


@dataclass
class _Keyed:
    """One keyed request under way: its claim, and what became of its answer."""

    claim: Claim
    stored_with_the_work: bool = False
    taken_over: bool = False
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)

    async def send(self, message: Message, send: Send) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))
        await send(message)

    def sent(self) -> StoredResponse:
        return StoredResponse(self.status, _kept_headers(self.headers), b"".join(self.body))


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == _HEADER_KEY]
        if not keys or not may(scope, scope["route_handler"]):
            await self.app(scope, receive, send)
            return
        key = _valid_key(keys)
        if key is None:
            raise InvalidKey()
        body = await _read_body(receive)
        if body is None:
            return  # the client went away before sending its request
        caller = caller_of(scope)
        record = RecordKey(org_id=caller.org_id, client_id=caller.client_id, key=key)
        store = _store(scope)
        outcome = await store.begin(record, _fingerprint(scope, body))
        if isinstance(outcome, Replay):
            await _replay(outcome.response, send)
        elif isinstance(outcome, Mismatch):
            raise KeyReused()
        elif isinstance(outcome, InFlight):
            raise _in_flight()
        else:
            await self._run(store, _Keyed(outcome), scope, _replaying(body, receive), send)

    async def _run(
        self,
        store: IdempotencyStore,
        keyed: _Keyed,
        scope: HTTPScope,
        receive: Receive,
        send: Send,
    ) -> None:
        async def store_with_the_work(session: AsyncSession) -> None:
            answer = rendered_answer(scope)
            if answer is None or answer.status_code >= 400:
                return
            stored = StoredResponse(
                answer.status_code, _kept_headers(answer.encode_headers()), answer.body
            )
            if not await store.complete(session, keyed.claim, stored):
                keyed.taken_over = True
                raise _taken_over()
            keyed.stored_with_the_work = True

        keep_rendered_answer(scope)
        before_commit(scope, store_with_the_work)

        async def watched(message: Message) -> None:
            await keyed.send(message, send)

        try:
            await self.app(scope, receive, watched)
        except BaseException:
            await store.release_soon(keyed.claim)
            raise
        if keyed.stored_with_the_work or keyed.taken_over:
            return
        sent = keyed.sent()
        if sent.status < 500 and sent.status not in _NOT_STORED:
            # A success without a transaction of its own (a question asked with POST), or a
            # client error whose work was rolled back: the answer is kept on its own.
            try:
                await store.complete_alone(keyed.claim, sent)
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                await store.release_soon(keyed.claim)
        else:
            await store.release_soon(keyed.claim)


def _store(scope: Scope) -> IdempotencyStore:
    store: IdempotencyStore = scope["litestar_app"].state.idempotency
    return store


def _kept_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name.decode("latin-1").lower() not in _NOT_STORED_HEADERS
    ]


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


def _fingerprint(scope: HTTPScope, body: bytes) -> str:
    path: bytes = scope.get("raw_path") or scope["path"].encode()
    return request_fingerprint(scope["method"], path, scope.get("query_string", b""), body)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # http.disconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> ReceiveMessage:
        nonlocal delivered
        if delivered:
            return await receive()  # after the body: wait for the disconnect
        delivered = True
        request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
        return request

    return replay


async def _replay(response: StoredResponse, send: Send) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    headers.append(REPLAYED_HEADER)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
