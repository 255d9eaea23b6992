"""Migrations: an empty database upgrades to head and back, and head matches the models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Uuid, bindparam, inspect, text

from energy_contracts.db import migrate
from energy_contracts.db.base import UTCDateTime
from energy_contracts.db.engine import create_engine
from energy_contracts.models import metadata
from energy_contracts.settings import Settings
from tests.support.databases import postgres_server, sqlite_url
from tests.support.fixtures import make_settings

TABLES = {
    "alembic_version",
    "organisations",
    "oauth_clients",
    "users",
    "buildings",
    "energy_contracts",
    "energy_prices",
    "idempotency_keys",
    "console_sessions",
    "price_series",
    "series_prices",
    "tariffs",
}


async def _tables(settings: Settings) -> set[str]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _schema_differences(settings: Settings) -> list[object]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), metadata)
            )
    finally:
        await engine.dispose()


async def _revision(settings: Settings) -> migrate.SchemaRevision:
    engine = create_engine(settings)
    try:
        return await migrate.schema_revision(engine)
    finally:
        await engine.dispose()


async def test_upgrade_empty_database_to_head_and_back(
    backend: str, tmp_path: Path, signing_key_file: Path
) -> None:
    if backend == "sqlite":
        url, server = sqlite_url(tmp_path), None
    else:
        server = postgres_server()
        assert server is not None
        url = server.create_database()
    try:
        settings = make_settings(url, signing_key_file)
        assert await _tables(settings) == set()
        empty = await _revision(settings)
        assert (empty.current, empty.is_current, empty.is_newer) == (frozenset(), False, False)
        assert await _tables(settings) == set()  # reading the revision created nothing
        await migrate.upgrade(settings)
        assert await _tables(settings) == TABLES
        assert await _schema_differences(settings) == []
        head = await _revision(settings)
        assert (head.current, head.is_current, head.is_newer) == (head.heads, True, False)
        await migrate.downgrade(settings, "-1")
        behind = await _revision(settings)
        assert (behind.is_current, behind.is_newer) == (False, False)
        assert len(behind.current) == 1
        assert behind.current < behind.known
        await migrate.downgrade(settings)
        assert await _tables(settings) == {"alembic_version"}
        assert (await _revision(settings)).current == frozenset()
        await migrate.upgrade(settings)
        assert await _tables(settings) == TABLES
    finally:
        if server is not None:
            server.drop_database(url)


async def test_a_revision_this_program_does_not_know_is_newer(
    tmp_path: Path, signing_key_file: Path
) -> None:
    settings = make_settings(sqlite_url(tmp_path), signing_key_file)
    await migrate.upgrade(settings)
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = 'fffffffffff0'")
            )
        revision = await migrate.schema_revision(engine)
    finally:
        await engine.dispose()

    assert revision.current == frozenset({"fffffffffff0"})
    assert (revision.is_current, revision.is_newer) == (False, True)


async def test_contract_prices_survive_the_migrations_that_rebuild_contracts(
    backend: str, tmp_path: Path, signing_key_file: Path
) -> None:
    """SQLite rebuilds ``energy_contracts`` to add a foreign key (0003, 0004); dropping the
    old table must not cascade to the stored prices. Up to head and back down to 0002."""
    if backend == "sqlite":
        url, server = sqlite_url(tmp_path), None
    else:
        server = postgres_server()
        assert server is not None
        url = server.create_database()
    try:
        settings = make_settings(url, signing_key_file)
        await migrate.upgrade(settings, "0002")
        await _execute(
            settings,
            "INSERT INTO organisations (id, name, billing_currency, timezone, created_at) "
            "VALUES (:org, 'o', 'EUR', 'UTC', :now)",
            "INSERT INTO users (org_id, id, email, email_key, role, created_at, updated_at) "
            "VALUES (:org, :user, 'a@b.cd', 'a@b.cd', 'user', :now, :now)",
            "INSERT INTO energy_contracts (org_id, id, user_id, contract_type, version, "
            "created_at, updated_at) VALUES (:org, :contract, :user, 'monthly', 1, :now, :now)",
            "INSERT INTO energy_prices (org_id, contract_id, ts, price) "
            "VALUES (:org, :contract, :now, 0.25)",
        )
        await migrate.upgrade(settings)
        assert await _count_prices(settings) == 1
        await migrate.downgrade(settings, "0002")
        assert await _count_prices(settings) == 1
    finally:
        if server is not None:
            server.drop_database(url)


_IDS = {"org": uuid.uuid4(), "user": uuid.uuid4(), "contract": uuid.uuid4()}


async def _execute(settings: Settings, *statements: str) -> None:
    engine = create_engine(settings)
    parameters = {**_IDS, "now": datetime(2024, 1, 1, tzinfo=UTC)}
    try:
        async with engine.begin() as connection:
            for statement in statements:
                bound = text(statement).bindparams(
                    *(
                        bindparam(name, value, type_=_TYPES[name])
                        for name, value in parameters.items()
                        if f":{name}" in statement
                    )
                )
                await connection.execute(bound)
    finally:
        await engine.dispose()


_TYPES: dict[str, Any] = {"org": Uuid(), "user": Uuid(), "contract": Uuid(), "now": UTCDateTime()}


async def _count_prices(settings: Settings) -> int:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM energy_prices")) or 0)
    finally:
        await engine.dispose()
