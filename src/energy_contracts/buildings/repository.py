"""Every query on buildings. Each one carries the organisation and the user in its WHERE."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings.models import Building
from energy_contracts.db import rows
from energy_contracts.db.rows import CreatedKey
from energy_contracts.tenancy import find_scoped, scoped, scoped_delete


async def find(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> Building | None:
    return await find_scoped(session, Building, org_id, user_id=user_id, id=building_id)


async def page(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    after: CreatedKey | None,
    limit: int,
) -> Sequence[Building]:
    """Up to ``limit`` of the user's buildings in (created_at, id) order, after ``after``."""
    statement = scoped(Building, org_id, user_id=user_id)
    return await rows.page_in_creation_order(session, statement, Building, after=after, limit=limit)


async def insert(session: AsyncSession, building: Building) -> None:
    """In a savepoint: if the user was deleted concurrently, the foreign-key violation
    rolls back only the savepoint and the transaction stays usable."""
    await rows.insert(session, building)


async def update(session: AsyncSession, building: Building, changes: Mapping[str, Any]) -> bool:
    """In a savepoint, by the primary key (org_id, id); False if the building is gone
    (deleted by a concurrent request)."""
    return await rows.update(session, building, changes)


async def delete(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> bool:
    """True if the building was there. Its contract (and prices) go by foreign-key cascade."""
    deleted = await session.scalar(
        scoped_delete(Building, org_id, user_id=user_id, id=building_id).returning(Building.id)
    )
    return deleted is not None
