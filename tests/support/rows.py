"""The database behind the API's back: counting rows, writing rows the API would not, and
racing a request against another transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.contracts.models import EnergyContract, energy_prices
from energy_contracts.db.engine import Database
from energy_contracts.series.models import series_prices
from energy_contracts.users.models import User


async def count_rows(database: Database, model: Any, org_id: uuid.UUID) -> int:
    async with database.session(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(model).where(model.org_id == org_id)
        )
    return int(count or 0)


async def count_prices(database: Database, org_id: uuid.UUID) -> int:
    async with database.session(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(energy_prices).where(energy_prices.c.org_id == org_id)
        )
    return int(count or 0)


async def count_series_prices(database: Database, org_id: uuid.UUID) -> int:
    async with database.session(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(series_prices).where(series_prices.c.org_id == org_id)
        )
    return int(count or 0)


async def add_contract_with_price(
    database: Database, org_id: uuid.UUID, user_id: str, building_id: str | None = None
) -> uuid.UUID:
    """A contract with one price, as rows: enough to prove that deletes cascade."""
    contract_id = uuid.uuid4()
    async with database.session() as session:
        session.add(
            EnergyContract(
                org_id=org_id,
                id=contract_id,
                user_id=uuid.UUID(user_id),
                building_id=uuid.UUID(building_id) if building_id else None,
                contract_type="spot_hourly",
                currency="EUR",
                price_interval_minutes=60,
            )
        )
        await session.flush()
        await session.execute(
            insert(energy_prices).values(
                org_id=org_id,
                contract_id=contract_id,
                ts=datetime(2024, 1, 1, tzinfo=UTC),
                price=Decimal("0.25"),
            )
        )
    return contract_id


def delete_user_row(user: dict[str, Any]) -> Callable[[AsyncSession], Awaitable[None]]:
    async def delete_it(other: AsyncSession) -> None:
        await other.execute(
            delete(User).where(
                User.org_id == uuid.UUID(user["organization_id"]), User.id == uuid.UUID(user["id"])
            )
        )

    return delete_it


async def while_uncommitted(
    database: Database,
    backend: str,
    other_write: Callable[[AsyncSession], Awaitable[None]],
    request: Coroutine[Any, Any, httpx.Response],
) -> httpx.Response:
    """Send ``request`` while another transaction has made ``other_write`` but not committed
    it; commit once the request is blocked on it (PostgreSQL) or queued behind it (SQLite)."""
    async with database.session() as other:
        await other_write(other)
        task = asyncio.create_task(request)
        await wait_until_a_request_waits_for_a_lock(database, backend)
    return await task


async def wait_until_a_request_waits_for_a_lock(database: Database, backend: str) -> None:
    if backend != "postgresql":
        await asyncio.sleep(0.2)  # SQLite: the request queues on the write lock either way
        return
    for _ in range(1000):
        # A new transaction each time: pg_stat_activity is a per-transaction snapshot.
        async with database.engine.connect() as connection:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never waited for the other writer's lock")
