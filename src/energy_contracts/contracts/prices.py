"""Bulk price I/O: a price series moves as arrays, never as one ORM object per price.

Prices belong to an owner: a contract's to the contract (``energy_prices``), a price
series' to the series (``series.models``). Each kind keeps them in a table of the same shape,
``(org_id, <owner>, ts, price)`` with that primary key, described by a ``PriceTable``; every
function here takes the table (contracts' by default), so both go through the same writes
and reads.

Writes take a validated ``PriceSeries``: aware instants in the offsets sent and the
canonical text of each price. On PostgreSQL both go to the database as one text each — the
instants as an array literal of RFC 3339 texts (``instants_literal``), the prices as lines —
and PostgreSQL parses every value itself: exact (``numeric`` input reads the canonical text
as it is), and no Python object per price on the way out.

Writes upsert by timestamp and report exact counts. Callers hold the owner's row lock
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writing requests run in BEGIN IMMEDIATE),
so no other writer changes the owner's prices between the counting and the writing.

PostgreSQL:
- a batch wholly after the last stored price (a first upload, the daily append of a spot
  feed) is one ``INSERT ... SELECT FROM unnest(...)``: nothing to merge, everything is new.
  Measured against a binary ``COPY`` of the same rows (``bench/``, docs/performance.md):
  the COPY made the server encode every instant and price in Python, the ``unnest`` leaves
  the parsing to PostgreSQL, whose input functions are cheaper than that encoding;
- otherwise one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE`` whose
  ``RETURNING (xmax = 0)`` tells inserted rows from updated ones; rows whose value is
  already stored are skipped by the ``WHERE ... IS DISTINCT FROM`` and count as unchanged.
  ``unnest`` rather than a ``COPY`` into an ``ON COMMIT DROP`` staging table: the staging
  table would get a new OID in every transaction, and asyncpg's per-connection cache of
  prepared statements would then hold plans for a table that no longer exists.

SQLite: one pre-read of the stored values at the batch's instants (``json_each``, so one
parameter however long the batch), then one ``executemany`` of the rows that differ. Values
are compared as the canonical text ``ExactDecimal`` stores, so ``0.20`` equals ``0.2``; the
series already holds that text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from operator import attrgetter
from typing import Any

import msgspec
from sqlalchemy import Column, ColumnElement, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from energy_contracts.contracts.models import PriceRow, PriceSeries, energy_prices
from energy_contracts.db.engine import DatabaseUnavailableError, is_connection_failure

_PRICE_SCOPE_ERROR = "price writes must run inside the request's transaction"


@dataclass(frozen=True, slots=True)
class PriceTable:
    """A table of prices keyed ``(org_id, <owner>, ts)``: whose prices, and where."""

    table: Table
    owner_column: str
    """The owner's id column: ``contract_id``, ``series_id``."""

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def owner(self) -> Column[Any]:
        column: Column[Any] = self.table.c[self.owner_column]
        return column

    @property
    def ts(self) -> Column[Any]:
        column: Column[Any] = self.table.c.ts
        return column

    @property
    def price(self) -> Column[Any]:
        column: Column[Any] = self.table.c.price
        return column

    def scope(self, org_id: uuid.UUID, *owner_ids: uuid.UUID) -> list[ColumnElement[bool]]:
        """The tenant scope of owners' prices: organisation and owner(s) in one WHERE."""
        owner = self.owner == owner_ids[0] if len(owner_ids) == 1 else self.owner.in_(owner_ids)
        return [self.table.c.org_id == org_id, owner]


CONTRACT_PRICES = PriceTable(energy_prices, "contract_id")


@dataclass(frozen=True, slots=True)
class WriteCounts:
    received: int
    inserted: int
    updated: int

    @property
    def unchanged(self) -> int:
        return self.received - self.inserted - self.updated

    @property
    def changed(self) -> bool:
        return self.inserted + self.updated > 0


async def driver_fetch(connection: AsyncConnection, sql: str, *args: Any) -> list[Any]:
    """``sql`` (``$n`` parameters) through asyncpg itself: its prepared-statement cache, no
    statement compilation, no result processing. A failure of the connection is handled as
    the engine handles one (``db.engine``): the connection is dropped, the answer a 503."""
    driver = await _driver(connection)
    try:
        rows: list[Any] = await driver.fetch(sql, *args)
    except Exception as error:
        await _raise_if_disconnected(connection, error)
        raise
    return rows


async def _driver(connection: AsyncConnection) -> Any:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _raise_if_disconnected(connection: AsyncConnection, error: Exception) -> None:
    """After the driver raised ``error`` on ``connection``: a broken connection is dropped
    and becomes ``DatabaseUnavailableError``; anything else is left to the caller."""
    if is_connection_failure(error, "postgresql"):
        await connection.invalidate()
        raise DatabaseUnavailableError(
            f"database connection failed: {type(error).__name__}"
        ) from error


def price_scope(org_id: uuid.UUID, *contract_ids: uuid.UUID) -> list[ColumnElement[bool]]:
    """The tenant scope of contracts' prices: organisation and contract(s) in one WHERE."""
    return CONTRACT_PRICES.scope(org_id, *contract_ids)


def _in_range(
    table: PriceTable, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(table.ts >= start)
    if end is not None:
        conditions.append(table.ts < end)
    return conditions


async def read_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    after: datetime | None = None,
    limit: int | None = None,
    table: PriceTable = CONTRACT_PRICES,
) -> list[PriceRow]:
    """Prices in ``[start, end)`` strictly after ``after``, ascending: one index range scan."""
    conditions = table.scope(org_id, owner_id) + _in_range(table, start, end)
    if after is not None:
        conditions.append(table.ts > after)
    statement = select(table.ts, table.price).where(*conditions).order_by(table.ts)
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.execute(statement)
    return [(ts, price) for ts, price in result]


async def prices_of_contracts(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_ids: list[uuid.UUID],
    *,
    table: PriceTable = CONTRACT_PRICES,
) -> dict[uuid.UUID, list[PriceRow]]:
    """Every price of several owners in one query, ascending per owner."""
    grouped: dict[uuid.UUID, list[PriceRow]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return grouped
    result = await session.execute(
        select(table.owner, table.ts, table.price)
        .where(*table.scope(org_id, *owner_ids))
        .order_by(table.owner, table.ts)
    )
    for owner_id, ts, price in result:
        grouped[owner_id].append((ts, price))
    return grouped


async def last_price_instant(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    table: PriceTable = CONTRACT_PRICES,
) -> datetime | None:
    """The newest stored instant (a backward step on the primary key), or None."""
    latest: datetime | None = await session.scalar(
        select(func.max(table.ts)).where(*table.scope(org_id, owner_id))
    )
    return latest


async def last_price_instants(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_ids: list[uuid.UUID],
    *,
    table: PriceTable = CONTRACT_PRICES,
) -> dict[uuid.UUID, datetime]:
    """``last_price_instant`` of several owners in one query; owners without prices left out."""
    if not owner_ids:
        return {}
    result = await session.execute(
        select(table.owner, func.max(table.ts))
        .where(table.table.c.org_id == org_id, table.owner.in_(owner_ids))
        .group_by(table.owner)
    )
    return {owner_id: latest for owner_id, latest in result}


async def has_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    table: PriceTable = CONTRACT_PRICES,
) -> bool:
    found = await session.scalar(select(table.ts).where(*table.scope(org_id, owner_id)).limit(1))
    return found is not None


async def delete_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
    table: PriceTable = CONTRACT_PRICES,
) -> int:
    result = await session.execute(
        delete(table.table).where(*table.scope(org_id, owner_id), *_in_range(table, start, end))
    )
    deleted: int = result.rowcount  # type: ignore[attr-defined]
    return deleted


async def upsert_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    series: PriceSeries,
    *,
    table: PriceTable = CONTRACT_PRICES,
) -> WriteCounts:
    """Store ``series`` by timestamp; exact counts."""
    if not series:
        return WriteCounts(0, 0, 0)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return await _upsert_postgresql(session, connection, table, org_id, owner_id, series)
    return await _upsert_sqlite(connection, table, org_id, owner_id, series)


@cache
def _merge_postgresql(table: PriceTable) -> str:
    return f"""
WITH written AS (
    INSERT INTO {table.name} AS stored (org_id, {table.owner_column}, ts, price)
    SELECT $1::uuid, $2::uuid, incoming.ts, incoming.price
    FROM unnest($3::text::timestamptz[], string_to_array($4::text, E'\\n')::numeric[])
        AS incoming (ts, price)
    ON CONFLICT (org_id, {table.owner_column}, ts) DO UPDATE SET price = EXCLUDED.price
    WHERE stored.price IS DISTINCT FROM EXCLUDED.price
    RETURNING (stored.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM written
"""  # noqa: S608 - table and column names are constants of the schema, no input


@cache
def _append_postgresql(table: PriceTable) -> str:
    return f"""
INSERT INTO {table.name} (org_id, {table.owner_column}, ts, price)
SELECT $1::uuid, $2::uuid, incoming.ts, incoming.price
FROM unnest($3::text::timestamptz[], string_to_array($4::text, E'\\n')::numeric[])
    AS incoming (ts, price)
"""  # noqa: S608 - table and column names are constants of the schema, no input


_MINUTE = timedelta(minutes=1)


def instants_literal(instants: list[datetime]) -> str:
    """``instants`` as one PostgreSQL array literal of RFC 3339 texts (``{"…","…"}``), which
    the statement reads as ``timestamptz[]``: the database parses each instant, and Python
    makes no object per instant. msgspec writes the texts in one C pass; it writes offsets
    in whole minutes, so instants whose offset has seconds (possible only from the rare
    forms ``fromisoformat`` read) are written by ``isoformat``, which keeps them."""
    zones = set(map(attrgetter("tzinfo"), instants))
    if all(isinstance(zone, timezone) and not zone.utcoffset(None) % _MINUTE for zone in zones):
        array = msgspec.json.encode(instants).decode()
    else:
        array = '["' + '","'.join(instant.isoformat() for instant in instants) + '"]'
    return "{" + array[1:-1] + "}"


async def _upsert_postgresql(
    session: AsyncSession,
    connection: AsyncConnection,
    table: PriceTable,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    series: PriceSeries,
) -> WriteCounts:
    latest = await last_price_instant(session, org_id, owner_id, table=table)
    driver = await _driver(connection)
    # The statement above began the transaction on this connection; the write joins it.
    if not driver.is_in_transaction():
        raise RuntimeError(_PRICE_SCOPE_ERROR)
    instants = instants_literal(series.instants)
    try:
        if latest is None or latest < series.instants[0]:
            # Wholly after the stored prices: nothing to merge, every row is new.
            await driver.execute(
                _append_postgresql(table), org_id, owner_id, instants, series.price_lines
            )
            return WriteCounts(len(series), len(series), 0)
        counts = await driver.fetchrow(
            _merge_postgresql(table), org_id, owner_id, instants, series.price_lines
        )
    except Exception as error:
        await _raise_if_disconnected(connection, error)
        raise
    return WriteCounts(len(series), int(counts["inserted"]), int(counts["updated"]))


@cache
def _sqlite_statements(table: PriceTable) -> tuple[str, str]:
    """The pre-read of stored values at the batch's instants, and the upsert."""
    # Table and column names are constants of the schema, no input.
    name, owner = table.name, table.owner_column
    stored_at_instants = (
        f"SELECT ts, price FROM {name} "  # noqa: S608
        f"WHERE org_id = ? AND {owner} = ? AND ts IN (SELECT value FROM json_each(?))"
    )
    upsert = (
        f"INSERT INTO {name} (org_id, {owner}, ts, price) VALUES (?, ?, ?, ?) "  # noqa: S608
        f"ON CONFLICT (org_id, {owner}, ts) DO UPDATE SET price = excluded.price "
        f"WHERE {name}.price IS NOT excluded.price"
    )
    return stored_at_instants, upsert


async def _upsert_sqlite(
    connection: AsyncConnection,
    table: PriceTable,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    series: PriceSeries,
) -> WriteCounts:
    # The columns' own bind processors make exactly the text the ORM stores and compares;
    # the series' prices already are the canonical text ``ExactDecimal`` binds.
    org = _bind(connection, table, "org_id")(org_id)
    owner = _bind(connection, table, table.owner_column)(owner_id)
    incoming = list(
        zip(map(_bind(connection, table, "ts"), series.instants), series.prices(), strict=True)
    )
    stored_at_instants, upsert = _sqlite_statements(table)
    stored_rows = await connection.exec_driver_sql(
        stored_at_instants, (org, owner, json.dumps([ts for ts, _ in incoming]))
    )
    found: list[Any] = list(stored_rows)
    stored: dict[str, str] = {ts: price for ts, price in found}
    to_write = [(org, owner, ts, price) for ts, price in incoming if stored.get(ts) != price]
    if to_write:
        await connection.exec_driver_sql(upsert, to_write)
    inserted = sum(1 for ts, _ in incoming if ts not in stored)
    return WriteCounts(len(series), inserted, len(to_write) - inserted)


def _bind(connection: AsyncConnection, table: PriceTable, column: str) -> Callable[[Any], Any]:
    dialect = connection.dialect
    processor = table.table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)
