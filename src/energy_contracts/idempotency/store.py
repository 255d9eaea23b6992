"""The idempotency records: claimed before the work, completed inside the work's transaction.

A record's life:

1. **claim** — a short committed transaction inserts the record with no status: "running".
   Its ``created_at`` is the claim's *lease*; whoever holds the lease may complete it.
2. **complete** — inside the request's own transaction, just before it commits, the record
   gets the answer (status, headers, body), on the condition that it is still running under
   our lease. The answer and the work become visible together, or not at all.
3. **release** — when there is nothing to store (5xx, authentication failures), the record
   is deleted (again only under our lease), so that a retry does the work.

A record still running after ``lease_seconds`` belongs to a process that died; the next
request with the same key takes the lease over. Taking over is safe even if the first
request is merely slow: only one of the two can complete the record, and the other rolls its
work back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
import structlog
from sqlalchemy import ColumnElement, and_, delete, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db.base import utcnow
from energy_contracts.db.engine import Database
from energy_contracts.errors import is_database_unavailable
from energy_contracts.idempotency.models import IdempotencyRecord

TIME_TO_LIVE = timedelta(hours=24)
# Expired records removed by each claim, so that the table cleans itself without a cron job.
PURGE_BATCH = 100

log = structlog.get_logger(__name__)

_headers_encoder = msgspec.json.Encoder()
_headers_decoder = msgspec.json.Decoder(list[tuple[str, str]])


@dataclass(frozen=True, slots=True)
class RecordKey:
    """A key is scoped to the client that sent it (and its organisation)."""

    org_id: uuid.UUID
    client_id: str
    key: str

    @property
    def identity(self) -> tuple[uuid.UUID, str, str]:
        return (self.org_id, self.client_id, self.key)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """We hold the lease on this record: the work may proceed."""

    record: RecordKey
    lease: datetime


@dataclass(frozen=True, slots=True)
class Replay:
    response: StoredResponse


class Mismatch:
    """The key was used with a different request."""


class InFlight:
    """The first request with this key is still running."""


Outcome = Claim | Replay | Mismatch | InFlight


class IdempotencyStore:
    def __init__(self, database: Database, *, lease_seconds: float) -> None:
        self._database = database
        self._lease = timedelta(seconds=lease_seconds)
        self._releases: set[asyncio.Task[None]] = set()

    async def begin(self, record: RecordKey, fingerprint: str) -> Outcome:
        """Replay, refuse, or claim the key for this request."""
        # Most repeats are answered by a read, which never waits behind a writer.
        async with self._database.session(write=False) as session:
            found = await session.get(IdempotencyRecord, record.identity)
            decided = self._decide(found, fingerprint, utcnow())
        if decided is not None:
            return decided
        try:
            return await self._claim(record, fingerprint)
        except IntegrityError:
            # Another request inserted the same key between our read and our insert.
            async with self._database.session(write=False) as session:
                found = await session.get(IdempotencyRecord, record.identity)
                return self._decide(found, fingerprint, utcnow()) or InFlight()

    async def _claim(self, record: RecordKey, fingerprint: str) -> Outcome:
        async with self._database.session() as session:
            # Locked, so that two takers of an abandoned record cannot both take it over,
            # and so that a claim waits for a completion in progress instead of racing it.
            found = await session.get(IdempotencyRecord, record.identity, with_for_update=True)
            now = utcnow()
            decided = self._decide(found, fingerprint, now)
            if decided is not None:
                return decided
            if found is None:
                found = IdempotencyRecord(
                    org_id=record.org_id, client_id=record.client_id, key=record.key
                )
                session.add(found)
            # New, expired, or abandoned: (re)start it as running under our lease.
            found.request_fingerprint = fingerprint
            found.status_code = None
            found.response_headers = None
            found.response_body = None
            found.created_at = now
            found.expires_at = now + TIME_TO_LIVE
            await session.flush()
            await purge_expired(session, now, limit=PURGE_BATCH)
        return Claim(record, now)

    def _decide(
        self, found: IdempotencyRecord | None, fingerprint: str, now: datetime
    ) -> Outcome | None:
        """The answer a record gives, or None when the caller must (re)claim it."""
        if found is None or found.expires_at <= now:
            return None
        if found.request_fingerprint != fingerprint:
            return Mismatch()
        if found.status_code is not None:
            return Replay(
                StoredResponse(
                    status=found.status_code,
                    headers=_headers_decoder.decode(found.response_headers or b"[]"),
                    body=found.response_body or b"",
                )
            )
        if now - found.created_at < self._lease:
            return InFlight()
        return None  # abandoned by a process that died: take it over

    async def complete(self, session: AsyncSession, claim: Claim, response: StoredResponse) -> bool:
        """Store the answer in ``session``'s transaction; False if we lost the lease."""
        completed = await session.execute(
            update(IdempotencyRecord)
            .where(_leased(claim))
            .values(
                status_code=response.status,
                response_headers=_headers_encoder.encode(response.headers),
                response_body=response.body,
            )
            .returning(IdempotencyRecord.key)
            .execution_options(synchronize_session=False)
        )
        return completed.first() is not None

    async def complete_alone(self, claim: Claim, response: StoredResponse) -> None:
        """Store the answer in a transaction of its own (there was no work to join)."""
        async with self._database.session() as session:
            await self.complete(session, claim, response)

    async def release(self, claim: Claim) -> None:
        """Forget a claim that produced nothing worth replaying, so a retry does the work."""
        async with self._database.session() as session:
            await session.execute(
                delete(IdempotencyRecord)
                .where(_leased(claim))
                .execution_options(synchronize_session=False)
            )

    async def release_soon(self, claim: Claim) -> None:
        """Release now; if the database is unreachable, keep trying in the background for
        as long as the lease lasts, so that retries after an outage do not see a 409."""
        try:
            await self.release(claim)
        except Exception as exc:
            if not is_database_unavailable(exc):
                log.exception("idempotency_release_failed")
                return
            task = asyncio.create_task(self._release_later(claim))
            self._releases.add(task)
            task.add_done_callback(self._releases.discard)

    async def _release_later(self, claim: Claim) -> None:
        deadline = time.monotonic() + self._lease.total_seconds()
        delay = 0.25
        while time.monotonic() + delay < deadline:
            await asyncio.sleep(delay)
            try:
                await self.release(claim)
                return
            except Exception as exc:
                if not is_database_unavailable(exc):
                    log.exception("idempotency_release_failed")
                    return
            delay = min(delay * 2, 1.0)


def _leased(claim: Claim) -> ColumnElement[bool]:
    """Our record, still running under our lease."""
    record = claim.record
    return and_(
        IdempotencyRecord.org_id == record.org_id,
        IdempotencyRecord.client_id == record.client_id,
        IdempotencyRecord.key == record.key,
        IdempotencyRecord.status_code.is_(None),
        IdempotencyRecord.created_at == claim.lease,
    )


async def purge_expired(session: AsyncSession, now: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` expired records (oldest first); return how many."""
    columns = (IdempotencyRecord.org_id, IdempotencyRecord.client_id, IdempotencyRecord.key)
    expired = (
        select(*columns)
        .where(IdempotencyRecord.expires_at <= now)
        .order_by(IdempotencyRecord.expires_at)
        .limit(limit)
        # Concurrent purgers take disjoint rows: no waiting on each other, no deadlock.
        .with_for_update(skip_locked=True)
    )
    deleted = await session.execute(
        delete(IdempotencyRecord)
        .where(tuple_(*columns).in_(expired))
        .returning(IdempotencyRecord.key)
        .execution_options(synchronize_session=False)
    )
    return len(deleted.all())


async def purge_all_expired(database: Database, *, batch: int = 1000) -> int:
    """Delete every expired record, in short transactions; return how many."""
    total = 0
    while True:
        async with database.session() as session:
            deleted = await purge_expired(session, utcnow(), limit=batch)
        total += deleted
        if deleted < batch:
            return total
