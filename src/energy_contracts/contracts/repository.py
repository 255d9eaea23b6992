"""Every query for contracts, tenant-scoped: organisation (and user) in the same WHERE as the id.

Bulk price reads and writes live in ``contracts.prices``; the reads behind effective prices
in ``effective.repository``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings.models import Building
from energy_contracts.contracts.models import EnergyContract
from energy_contracts.tenancy import find_scoped, scoped
from energy_contracts.users.models import User


async def find_contract(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    contract_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> EnergyContract | None:
    """The user's contract; ``for_update`` locks its row until the transaction ends."""
    return await find_scoped(
        session, EnergyContract, org_id, user_id=user_id, id=contract_id, for_update=for_update
    )


async def contracts_of_user(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> Sequence[EnergyContract]:
    result = await session.scalars(
        scoped(EnergyContract, org_id, user_id=user_id).order_by(
            EnergyContract.created_at, EnergyContract.id
        )
    )
    return result.all()


async def contracts_of_organisation(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> Sequence[EnergyContract]:
    """One keyset page, ordered by id: the primary key (org_id, id) serves it."""
    filters = {"user_id": user_id, "building_id": building_id}
    statement = scoped(
        EnergyContract,
        org_id,
        **{name: value for name, value in filters.items() if value is not None},
    )
    if after_id is not None:
        statement = statement.where(EnergyContract.id > after_id)
    result = await session.scalars(statement.order_by(EnergyContract.id).limit(limit))
    return result.all()


async def conflicting_contract_id(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    building_id: uuid.UUID | None,
    *,
    other_than: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """The contract that already holds this slot: the building's, or the user-level one."""
    if building_id is not None:
        statement = scoped(EnergyContract, org_id, building_id=building_id)
    else:
        statement = scoped(EnergyContract, org_id, user_id=user_id).where(
            EnergyContract.building_id.is_(None)
        )
    if other_than is not None:
        statement = statement.where(EnergyContract.id != other_than)
    existing: uuid.UUID | None = await session.scalar(
        statement.with_only_columns(EnergyContract.id).limit(1)
    )
    return existing


async def find_building(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> Building | None:
    return await find_scoped(session, Building, org_id, user_id=user_id, id=building_id)


async def user_exists(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(scoped(User, org_id, id=user_id).with_only_columns(User.id))
    return found is not None


async def delete_contract(session: AsyncSession, contract: EnergyContract) -> None:
    """Its prices go with it (``ON DELETE CASCADE``)."""
    await session.delete(contract)
    await session.flush()
