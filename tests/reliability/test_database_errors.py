"""Which database errors are "unavailable" (503) — exactly the connection-level ones.

Real errors from real databases: a constraint violation stays an IntegrityError and is never
a 503; a connection the server dropped, or a server that cannot be reached, is.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import asyncpg
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from energy_contracts.db.engine import Database, DatabaseUnavailableError, is_connection_failure
from energy_contracts.errors import is_database_unavailable
from energy_contracts.settings import load_settings
from tests.support.server import free_port


def database(url: str, key_file: Path, **settings: object) -> Database:
    return Database(
        load_settings(
            database_url=url, signing_key_file=key_file, data_dir=key_file.parent, **settings
        )
    )


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed"), True),
        (asyncpg.exceptions.ConnectionFailureError("failed"), True),
        (asyncpg.exceptions.AdminShutdownError("shutdown"), True),
        (asyncpg.exceptions.CannotConnectNowError("starting up"), True),
        (asyncpg.exceptions.TooManyConnectionsError("too many"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (asyncpg.exceptions.UniqueViolationError("duplicate"), False),
        (asyncpg.exceptions.ForeignKeyViolationError("foreign key"), False),
        (asyncpg.exceptions.QueryCanceledError("canceled"), False),
        (asyncpg.exceptions.UndefinedTableError("no table"), False),
        (asyncpg.exceptions.InterfaceError("another operation is in progress"), False),
        (ValueError("connect"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_postgresql_driver_errors(error: Exception, unavailable: bool) -> None:
    assert is_connection_failure(error, "postgresql") is unavailable


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: users"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed: users.email_key"), False),
    ],
    ids=["locked", "no-table", "unique"],
)
def test_sqlite_driver_errors(error: Exception, unavailable: bool) -> None:
    assert is_connection_failure(error, "sqlite") is unavailable


async def test_postgresql_constraint_violation_is_not_unavailable(
    postgres_url: str, key_file: Path
) -> None:
    db = database(postgres_url, key_file)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id int PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(IntegrityError) as raised:
            async with db.engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (1)"))
        assert not is_database_unavailable(raised.value)
    finally:
        await db.dispose()


async def test_postgresql_dropped_connection_is_unavailable_then_recovers(
    postgres_url: str, key_file: Path
) -> None:
    db = database(postgres_url, key_file)
    try:
        async with db.engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with await psycopg.AsyncConnection.connect(
                postgres_url, autocommit=True
            ) as admin:
                await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(text("SELECT 1"))
        assert is_database_unavailable(raised.value)
        assert raised.value.connection_invalidated
        await db.ping()  # the next checkout reconnects, no restart needed
    finally:
        await db.dispose()


async def test_an_unreachable_server_is_unavailable(key_file: Path) -> None:
    nobody_listens = f"postgresql://postgres@127.0.0.1:{free_port()}/{uuid.uuid4().hex}"
    db = database(nobody_listens, key_file)
    try:
        with pytest.raises(DatabaseUnavailableError) as raised:
            await db.ping()
        assert is_database_unavailable(raised.value)
        assert isinstance(raised.value.__cause__, OSError)
    finally:
        await db.dispose()


async def test_sqlite_constraint_violation_is_not_unavailable(
    tmp_path: Path, key_file: Path
) -> None:
    db = database(f"sqlite:///{tmp_path / 'errors.db'}", key_file)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id int PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(IntegrityError) as raised:
            async with db.engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (1)"))
        assert not is_database_unavailable(raised.value)
    finally:
        await db.dispose()
