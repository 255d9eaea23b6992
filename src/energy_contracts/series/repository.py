"""Every query on price series, tenant-scoped: the organisation in the same WHERE as the id.

Their prices are read and written with ``contracts.prices`` on ``SERIES_PRICES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db import rows
from energy_contracts.series.models import SERIES_PRICES, Series
from energy_contracts.tenancy import find_scoped, scoped, scoped_delete


async def find(
    session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID, *, for_update: bool = False
) -> Series | None:
    """The organisation's series; ``for_update`` locks its row until the transaction ends."""
    return await find_scoped(session, Series, org_id, id=series_id, for_update=for_update)


async def find_by_name(session: AsyncSession, org_id: uuid.UUID, name: str) -> Series | None:
    return await find_scoped(session, Series, org_id, name=name)


async def page(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    running_out_before: datetime | None,
    after_id: uuid.UUID | None,
    limit: int,
    or_without_prices: bool = False,
) -> Sequence[Series]:
    """One keyset page ordered by id (the primary key (org_id, id) serves it); with
    ``running_out_before``, only series whose last price stops holding before it, and with
    ``or_without_prices`` also those that have none."""
    statement = scoped(Series, org_id)
    if running_out_before is not None:
        last = (
            select(func.max(SERIES_PRICES.ts))
            .where(SERIES_PRICES.table.c.org_id == Series.org_id, SERIES_PRICES.owner == Series.id)
            .scalar_subquery()
        )
        running_out = [
            and_(
                Series.interval_minutes == minutes,
                last < running_out_before - timedelta(minutes=minutes),
            )
            for minutes in (15, 30, 60)
        ]
        if or_without_prices:
            running_out.append(last.is_(None))
        statement = statement.where(or_(*running_out))
    if after_id is not None:
        statement = statement.where(Series.id > after_id)
    result = await session.scalars(statement.order_by(Series.id).limit(limit))
    return result.all()


async def insert(session: AsyncSession, series: Series) -> None:
    """In a savepoint: a concurrent request that took the name first breaks the unique key,
    and only the savepoint rolls back."""
    await rows.insert(session, series)


async def update(session: AsyncSession, series: Series, changes: Mapping[str, Any]) -> bool:
    """In a savepoint, for the same reason as ``insert``; False if the series is gone."""
    return await rows.update(session, series, changes)


async def delete(session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID) -> bool:
    """True if the series was there. Its prices go by foreign-key cascade."""
    deleted = await session.scalar(scoped_delete(Series, org_id, id=series_id).returning(Series.id))
    return deleted is not None
