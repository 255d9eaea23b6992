"""Every query on buildings. Each one carries the organisation and the user in its WHERE."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from energy_contracts.buildings.models import Building
from energy_contracts.tenancy import scoped
from energy_contracts.users.repository import PageKey


async def page(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    after: PageKey | None,
    limit: int,
) -> Sequence[Building]:
    """Up to ``limit`` of the user's buildings in (created_at, id) order, after ``after``."""
    statement = scoped(Building, org_id, user_id=user_id)
    if after is not None:
        created_at, building_id = after
        statement = statement.where(
            or_(
                Building.created_at > created_at,
                and_(Building.created_at == created_at, Building.id > building_id),
            )
        )
    result = await session.scalars(
        statement.order_by(Building.created_at, Building.id).limit(limit)
    )
    return result.all()


async def insert(session: AsyncSession, building: Building) -> None:
    """INSERT in a savepoint: if the user was deleted concurrently, the foreign-key violation
    rolls back only the savepoint and the transaction stays usable."""
    async with session.begin_nested():
        session.add(building)
        await session.flush()


async def update(session: AsyncSession, building: Building, changes: Mapping[str, Any]) -> bool:
    """UPDATE by the primary key (org_id, id), so the organisation is in the WHERE clause;
    False if the building is gone (deleted by a concurrent request)."""
    try:
        async with session.begin_nested():
            for name, value in changes.items():
                setattr(building, name, value)
            await session.flush()
    except StaleDataError:  # the UPDATE matched no row
        return False
    return True


async def delete(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> bool:
    """True if the building was there. Its contract (and prices) go by foreign-key cascade."""
    deleted = await session.scalar(
        sql_delete(Building)
        .where(Building.org_id == org_id, Building.user_id == user_id, Building.id == building_id)
        .returning(Building.id)
    )
    return deleted is not None
