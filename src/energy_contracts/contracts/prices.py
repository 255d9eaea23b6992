"""Bulk price I/O: a price series moves as arrays, never as one ORM object per price.

Writes take a validated ``PriceSeries``: aware instants in the offsets sent and the
canonical text of each price. The drivers' encoders convert each instant to UTC themselves,
and a price text is read exactly wherever it is read (asyncpg's ``numeric`` encoder makes a
``Decimal`` of it; PostgreSQL's ``numeric`` input parses it).

Writes upsert by timestamp and report exact counts. Callers hold the contract's row lock
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writing requests run in BEGIN IMMEDIATE),
so no other writer changes this contract's prices between the counting and the writing.

PostgreSQL:
- fast path: a batch wholly after the last stored price (the daily append of a spot feed)
  is a plain binary ``COPY`` into ``energy_prices``: nothing to merge, everything is new;
- otherwise one ``INSERT ... SELECT FROM unnest($ts[], $prices) ON CONFLICT DO UPDATE``,
  the prices sent as one text of lines that PostgreSQL splits and parses itself, and
  whose ``RETURNING (xmax = 0)`` tells inserted rows from updated ones; rows whose value is
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
from datetime import datetime
from itertools import repeat
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from energy_contracts.contracts.models import PriceRow, PriceSeries, energy_prices
from energy_contracts.db.engine import DatabaseUnavailableError, is_connection_failure

_PRICE_SCOPE_ERROR = "price writes must run inside the request's transaction"


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
    contract = energy_prices.c.contract_id
    return [
        energy_prices.c.org_id == org_id,
        contract == contract_ids[0] if len(contract_ids) == 1 else contract.in_(contract_ids),
    ]


def _in_range(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(energy_prices.c.ts >= start)
    if end is not None:
        conditions.append(energy_prices.c.ts < end)
    return conditions


async def read_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    contract_id: uuid.UUID,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    after: datetime | None = None,
    limit: int | None = None,
) -> list[PriceRow]:
    """Prices in ``[start, end)`` strictly after ``after``, ascending: one index range scan."""
    conditions = price_scope(org_id, contract_id) + _in_range(start, end)
    if after is not None:
        conditions.append(energy_prices.c.ts > after)
    statement = (
        select(energy_prices.c.ts, energy_prices.c.price)
        .where(*conditions)
        .order_by(energy_prices.c.ts)
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.execute(statement)
    return [(ts, price) for ts, price in result]


async def prices_of_contracts(
    session: AsyncSession, org_id: uuid.UUID, contract_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PriceRow]]:
    """Every price of several contracts in one query, ascending per contract."""
    grouped: dict[uuid.UUID, list[PriceRow]] = {contract_id: [] for contract_id in contract_ids}
    if not contract_ids:
        return grouped
    result = await session.execute(
        select(energy_prices.c.contract_id, energy_prices.c.ts, energy_prices.c.price)
        .where(*price_scope(org_id, *contract_ids))
        .order_by(energy_prices.c.contract_id, energy_prices.c.ts)
    )
    for contract_id, ts, price in result:
        grouped[contract_id].append((ts, price))
    return grouped


async def last_price_instant(
    session: AsyncSession, org_id: uuid.UUID, contract_id: uuid.UUID
) -> datetime | None:
    """The newest stored instant (a backward step on the primary key), or None."""
    latest: datetime | None = await session.scalar(
        select(func.max(energy_prices.c.ts)).where(*price_scope(org_id, contract_id))
    )
    return latest


async def has_prices(session: AsyncSession, org_id: uuid.UUID, contract_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(energy_prices.c.ts).where(*price_scope(org_id, contract_id)).limit(1)
    )
    return found is not None


async def delete_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    contract_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
) -> int:
    result = await session.execute(
        delete(energy_prices).where(*price_scope(org_id, contract_id), *_in_range(start, end))
    )
    deleted: int = result.rowcount  # type: ignore[attr-defined]
    return deleted


async def upsert_prices(
    session: AsyncSession, org_id: uuid.UUID, contract_id: uuid.UUID, series: PriceSeries
) -> WriteCounts:
    """Store ``series`` by timestamp; exact counts."""
    if not series:
        return WriteCounts(0, 0, 0)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return await _upsert_postgresql(session, connection, org_id, contract_id, series)
    return await _upsert_sqlite(connection, org_id, contract_id, series)


_MERGE_POSTGRESQL = """
WITH written AS (
    INSERT INTO energy_prices AS stored (org_id, contract_id, ts, price)
    SELECT $1::uuid, $2::uuid, incoming.ts, incoming.price
    FROM unnest($3::timestamptz[], string_to_array($4::text, E'\\n')::numeric[])
        AS incoming (ts, price)
    ON CONFLICT (org_id, contract_id, ts) DO UPDATE SET price = EXCLUDED.price
    WHERE stored.price IS DISTINCT FROM EXCLUDED.price
    RETURNING (stored.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM written
"""


async def _upsert_postgresql(
    session: AsyncSession,
    connection: AsyncConnection,
    org_id: uuid.UUID,
    contract_id: uuid.UUID,
    series: PriceSeries,
) -> WriteCounts:
    latest = await last_price_instant(session, org_id, contract_id)
    driver = await _driver(connection)
    # The statement above began the transaction on this connection; COPY must join it.
    if not driver.is_in_transaction():
        raise RuntimeError(_PRICE_SCOPE_ERROR)
    try:
        if latest is None or latest < series.instants[0]:
            await driver.copy_records_to_table(
                energy_prices.name,
                # An iterator: each record lives only until asyncpg has encoded it, so
                # 35,000 of them never pile up for the garbage collector (which would
                # then walk the whole heap: ~100 ms).
                records=zip(repeat(org_id), repeat(contract_id), series.instants, series.prices()),
                columns=["org_id", "contract_id", "ts", "price"],
            )
            return WriteCounts(len(series), len(series), 0)
        counts = await driver.fetchrow(
            _MERGE_POSTGRESQL, org_id, contract_id, series.instants, series.price_lines
        )
    except Exception as error:
        await _raise_if_disconnected(connection, error)
        raise
    return WriteCounts(len(series), int(counts["inserted"]), int(counts["updated"]))


_STORED_AT_INSTANTS_SQLITE = (
    "SELECT ts, price FROM energy_prices "
    "WHERE org_id = ? AND contract_id = ? AND ts IN (SELECT value FROM json_each(?))"
)
_UPSERT_SQLITE = (
    "INSERT INTO energy_prices (org_id, contract_id, ts, price) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (org_id, contract_id, ts) DO UPDATE SET price = excluded.price "
    "WHERE energy_prices.price IS NOT excluded.price"
)


async def _upsert_sqlite(
    connection: AsyncConnection, org_id: uuid.UUID, contract_id: uuid.UUID, series: PriceSeries
) -> WriteCounts:
    # The columns' own bind processors make exactly the text the ORM stores and compares;
    # the series' prices already are the canonical text ``ExactDecimal`` binds.
    org = _bind(connection, "org_id")(org_id)
    contract = _bind(connection, "contract_id")(contract_id)
    incoming = list(
        zip(map(_bind(connection, "ts"), series.instants), series.prices(), strict=True)
    )
    stored_rows = await connection.exec_driver_sql(
        _STORED_AT_INSTANTS_SQLITE,
        (org, contract, json.dumps([ts for ts, _ in incoming])),
    )
    found: list[Any] = list(stored_rows)
    stored: dict[str, str] = {ts: price for ts, price in found}
    to_write = [(org, contract, ts, price) for ts, price in incoming if stored.get(ts) != price]
    if to_write:
        await connection.exec_driver_sql(_UPSERT_SQLITE, to_write)
    inserted = sum(1 for ts, _ in incoming if ts not in stored)
    return WriteCounts(len(series), inserted, len(to_write) - inserted)


def _bind(connection: AsyncConnection, column: str) -> Callable[[Any], Any]:
    dialect = connection.dialect
    processor = energy_prices.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)
