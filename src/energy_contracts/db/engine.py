"""The engine and session factory for one process.

Outage behaviour (SPEC §1, §8): a request that needs the database either gets a connection
or fails fast with ``DatabaseUnavailableError`` (rendered as 503 with ``Retry-After``):

- connecting is bounded by ``db_timeout_seconds`` and any failure while connecting —
  refused, reset, timed out, rejected — is a ``DatabaseUnavailableError``;
- waiting for a pooled connection is bounded by the same limit (``pool_timeout``);
- a pooled connection is checked before use: a closed one is replaced at once, and one
  that does not answer a ping within ``PING_TIMEOUT_SECONDS`` (half-open: the peer vanished
  without a FIN) is dropped, the pool is invalidated, and a new connection is made;
- every statement is bounded by ``db_statement_timeout_seconds``;
- connection-level errors during a statement (SQLSTATE class 08, server shutdown, too many
  connections, socket errors, statement timeouts) invalidate the connection and are marked
  ``connection_invalidated``. Nothing else is: a constraint violation stays an
  ``IntegrityError``.

Recovery needs no restart: the pool is invalidated on the first failure and the next
checkout connects afresh.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_

from energy_contracts.settings import Settings

WRITE_OPTION = "energy_contracts_write"
# A live PostgreSQL answers an empty query in well under a millisecond; half a second
# without an answer means the connection is gone (or the server is drowning).
PING_TIMEOUT_SECONDS = 0.5
# SQLSTATEs that mean "the connection or the server is gone", beyond class 08.
_UNAVAILABLE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, shutting down, recovery)
        "53300",  # too_many_connections
    }
)

log = structlog.get_logger(__name__)


class DatabaseUnavailableError(Exception):
    """The database could not be reached: connecting failed, or the connection broke."""


class Database:
    """Owns the engine. ``session(write=...)`` is the one transaction of a request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: AsyncEngine = create_engine(settings)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite takes its write lock at BEGIN IMMEDIATE for writing requests, so two
        # writers queue on busy_timeout instead of failing half-way on a lock upgrade.
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally, roll back when it raises."""
        factory = self._write_sessions if write else self._sessions
        async with factory() as session, session.begin():
            yield session

    def unit_of_work(self, *, write: bool = True) -> AsyncSession:
        """A session whose caller decides when to commit or roll back (``async with`` closes
        it): the request's transaction, whose commit must be told apart from its work."""
        return (self._write_sessions if write else self._sessions)()

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": 30},
            pool_size=settings.db_pool_size,
            hide_parameters=True,
        )
        _configure_sqlite(engine)
    else:
        engine = create_async_engine(
            settings.database_url,
            async_creator=_asyncpg_connector(settings),
            pool_size=settings.db_pool_size,
            # No overflow: an overflow connection is closed on its return, so a burst just
            # above the pool size opened and closed PostgreSQL sessions by the dozen per
            # second (measured in bench/). The pool size is the cap, and it stays open.
            max_overflow=0,
            pool_timeout=settings.db_timeout_seconds,
            # Parameters may carry secrets' hashes or personal data: keep them out of
            # exception messages (and so out of logs).
            hide_parameters=True,
        )
        _ping_on_checkout(engine)
    _classify_errors(engine)
    return engine


def _asyncpg_connector(settings: Settings) -> Any:
    import asyncpg

    dsn = make_url(settings.database_url).set(drivername="postgresql")
    dsn_text = dsn.render_as_string(hide_password=False)

    async def connect() -> Any:
        try:
            return await asyncpg.connect(
                dsn_text,
                timeout=settings.db_timeout_seconds,
                command_timeout=settings.db_statement_timeout_seconds,
                server_settings={"application_name": "energy-contracts"},
            )
        except Exception as exc:  # every way of not getting a connection is "unavailable"
            log.warning("database_connect_failed", error=type(exc).__name__)
            raise DatabaseUnavailableError(
                f"cannot connect to the database: {type(exc).__name__}"
            ) from exc

    return connect


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling with a bounded ping (``pool_pre_ping`` would wait
    for the full statement timeout on a half-open connection).

    A connection found broken is closed hard: the polite close (a Terminate message, then
    waiting for the server to hang up) would wait for a peer that is gone. So are the
    pooled connections opened before the pool was last invalidated.
    """
    pool_invalidated_at = [0.0]

    def invalidate_pool(reason: str) -> InvalidatePoolError:
        pool_invalidated_at[0] = time.time()
        return InvalidatePoolError(reason)

    @event.listens_for(engine.sync_engine, "connect")
    def _mark_fresh(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["fresh"] = True

    @event.listens_for(engine.sync_engine, "invalidate")
    def _close_hard(_dbapi_connection: Any, record: ConnectionPoolEntry, _error: Any) -> None:
        _terminate(record)

    @event.listens_for(engine.sync_engine, "close")
    def _close_suspects_hard(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if getattr(record, "starttime", 0.0) <= pool_invalidated_at[0]:
            _terminate(record)

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(
        _dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        if record.info.pop("fresh", False):
            return
        driver = record.driver_connection
        if driver is None or driver.is_closed():
            raise invalidate_pool("the pooled connection was closed")
        try:
            await_(driver.fetchval("SELECT 1", timeout=PING_TIMEOUT_SECONDS))
        except Exception as exc:
            raise invalidate_pool(f"ping failed: {type(exc).__name__}") from exc


def _terminate(record: ConnectionPoolEntry) -> None:
    driver = record.driver_connection
    if driver is not None and not driver.is_closed():
        driver.terminate()


def is_connection_failure(error: BaseException, dialect: str) -> bool:
    """Does this driver-level error mean the database (or the way to it) is gone?"""
    if isinstance(error, OSError):  # includes ConnectionError and TimeoutError
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
    if dialect == "sqlite":
        # The writer ahead of us kept the lock for the whole busy_timeout: transient.
        return str(error).startswith("database is locked")
    return False


def _classify_errors(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _classify(context: ExceptionContext) -> BaseException | None:
        error = context.original_exception
        if not is_connection_failure(error, context.dialect.name):
            return None
        if context.dialect.name == "sqlite":
            return DatabaseUnavailableError("the database is busy")
        # Drop this connection; when the server is gone (not just slow), drop the others
        # too, so that the next checkout reconnects instead of failing once per connection.
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = not isinstance(error, TimeoutError)
        if context.sqlalchemy_exception is None:
            # A raw socket error or client-side statement timeout: give it a name.
            return DatabaseUnavailableError(f"database connection failed: {type(error).__name__}")
        return None


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
