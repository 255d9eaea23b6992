"""The request's session: one transaction, owned here.

``provide_session`` opens the request's transaction (writing for a write method, so that
SQLite takes its lock at BEGIN), hands the session to the handler, and ends it: when the
handler has returned and its answer is rendered, it runs the request's ``before_commit``
hooks in the same transaction and commits; when anything raises, it rolls back. So a 200 is
sent only once the data is stored, and a failed commit becomes an error answer — a 503
``commit-outcome-unknown`` when the connection to PostgreSQL broke during COMMIT of a write,
since the server may have committed.

A layer that must write in the same transaction as the work registers a hook
(``before_commit``): the idempotency layer stores the answer that way, so that the work and
its remembered answer are committed together or not at all.

Reads that need no ORM take a pooled connection instead (``provide_connection``), with no
transaction bookkeeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from energy_contracts.db.engine import Database
from energy_contracts.errors import CommitOutcomeUnknown, is_database_unavailable

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "reads_only"
"""A handler's ``opt`` key: a POST that only reads (a question, a token) gets a reading
transaction (on SQLite, no write lock)."""
BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_BEFORE_COMMIT = "energy_contracts.before_commit"


def before_commit(scope: Scope, hook: BeforeCommit) -> None:
    """Run ``hook`` with the request's session just before its transaction commits."""
    scope["state"].setdefault(_BEFORE_COMMIT, []).append(hook)


def database_provider(database: Database) -> Callable[[], Database]:
    """The ``database`` dependency: the app's one ``Database``. It takes no parameters, so
    that Litestar has none to parse and validate on every request (it does, for a provider
    that takes the app's ``state``)."""

    def provide_database() -> Database:
        return database

    return provide_database


async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    write = request.method not in READ_ONLY_METHODS and not request.route_handler.opt.get(
        READS_ONLY
    )
    async with database.unit_of_work(write=write) as session:
        try:
            yield session
            for hook in request.scope["state"].get(_BEFORE_COMMIT, ()):
                await hook(session)
        except BaseException:
            await session.rollback()
            raise
        try:
            await session.commit()
        except Exception as exc:
            if write and database.dialect == "postgresql" and is_database_unavailable(exc):
                raise CommitOutcomeUnknown from exc
            raise


async def provide_connection(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncConnection]:
    database: Database = request.app.state.database
    async with database.engine.connect() as connection:
        yield connection
