"""Every query on tariffs, tenant-scoped: the organisation in the same WHERE as the id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db import rows
from energy_contracts.tariffs.models import Tariff
from energy_contracts.tenancy import find_scoped, scoped, scoped_delete


async def find(
    session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID, *, for_update: bool = False
) -> Tariff | None:
    """The organisation's tariff; ``for_update`` locks its row until the transaction ends."""
    return await find_scoped(session, Tariff, org_id, id=tariff_id, for_update=for_update)


async def find_by_name(session: AsyncSession, org_id: uuid.UUID, name: str) -> Tariff | None:
    return await find_scoped(session, Tariff, org_id, name=name)


async def page(
    session: AsyncSession, org_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
) -> Sequence[Tariff]:
    """One keyset page ordered by id (the primary key (org_id, id) serves it)."""
    statement = scoped(Tariff, org_id)
    if after_id is not None:
        statement = statement.where(Tariff.id > after_id)
    result = await session.scalars(statement.order_by(Tariff.id).limit(limit))
    return result.all()


async def insert(session: AsyncSession, tariff: Tariff) -> None:
    """In a savepoint: a concurrent request that took the name first breaks the unique key,
    and only the savepoint rolls back."""
    await rows.insert(session, tariff)


async def update(session: AsyncSession, tariff: Tariff, changes: Mapping[str, Any]) -> bool:
    """In a savepoint, for the same reason as ``insert``; False if the tariff is gone."""
    return await rows.update(session, tariff, changes)


async def delete(session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID) -> bool:
    deleted = await session.scalar(scoped_delete(Tariff, org_id, id=tariff_id).returning(Tariff.id))
    return deleted is not None
