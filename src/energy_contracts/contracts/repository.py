"""Every query for contracts, tenant-scoped: organisation (and user) in the same WHERE as the id.

Bulk price reads and writes live in ``contracts.prices``; the reads behind effective prices
in ``effective.repository``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings.models import Building
from energy_contracts.contracts.models import EnergyContract
from energy_contracts.contracts.prices import CONTRACT_PRICES, PriceTable
from energy_contracts.tenancy import find_scoped, scoped, scoped_update
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


# The shortest a period of each kind can be, whatever the calendar (a February less a
# clock change, with room for the rare zone that skipped a day): a contract whose last entry
# is later than ``before`` minus this cannot run out before ``before``.
_SHORTEST_MONTH = timedelta(days=26)
_SHORTEST_YEAR = timedelta(days=360)


async def contracts_running_out(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    series_prices: PriceTable,
    before: datetime,
    user_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[tuple[EnergyContract, datetime]]:
    """One keyset page (by id) of the contracts whose last price (their own, or their
    series') may stop holding before ``before``, with that price's instant: exactly those for
    spot prices; for monthly and yearly ones also some whose calendar says otherwise (the
    caller decides those). Contracts without prices are left out."""
    last = case(
        (EnergyContract.series_id.is_(None), _last_price(CONTRACT_PRICES, EnergyContract.id)),
        else_=_last_price(series_prices, EnergyContract.series_id),
    )
    interval = func.coalesce(EnergyContract.price_interval_minutes, 60)
    spot = EnergyContract.contract_type == "spot_hourly"
    early_enough = or_(
        *(
            and_(spot, interval == minutes, last < before - timedelta(minutes=minutes))
            for minutes in (15, 30, 60)
        ),
        and_(EnergyContract.contract_type == "monthly", last < before - _SHORTEST_MONTH),
        and_(EnergyContract.contract_type == "yearly", last < before - _SHORTEST_YEAR),
    )
    filters = {"user_id": user_id, "building_id": building_id}
    statement = (
        scoped(
            EnergyContract,
            org_id,
            **{name: value for name, value in filters.items() if value is not None},
        )
        .add_columns(last)
        .where(early_enough)
    )
    if after_id is not None:
        statement = statement.where(EnergyContract.id > after_id)
    result = await session.execute(statement.order_by(EnergyContract.id).limit(limit))
    return [(contract, instant) for contract, instant in result]


def _last_price(table: PriceTable, owner: Any) -> ColumnElement[Any]:
    """The instant of an owner's newest price: one backward step on the primary key."""
    return (
        select(func.max(table.ts))
        .where(table.table.c.org_id == EnergyContract.org_id, table.owner == owner)
        .scalar_subquery()
    )


async def count_contracts(session: AsyncSession, org_id: uuid.UUID, **equal: Any) -> int:
    """How many of the organisation's contracts have these column values (those linked to
    a series: ``series_id=...``; naming a tariff: ``tariff_id=...``)."""
    count = await session.scalar(
        scoped(EnergyContract, org_id, **equal).with_only_columns(func.count())
    )
    return int(count or 0)


async def follow_series_interval(
    session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID, interval_minutes: int
) -> None:
    """A linked contract's interval is its series' (SPEC §4a): set it on all of them."""
    await session.execute(
        scoped_update(EnergyContract, org_id, series_id=series_id)
        .values(price_interval_minutes=interval_minutes)
        .execution_options(synchronize_session=False)
    )


async def building_zones(
    session: AsyncSession, org_id: uuid.UUID, building_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The time zone of each of the organisation's buildings ``building_ids``."""
    if not building_ids:
        return {}
    result = await session.execute(
        scoped(Building, org_id)
        .where(Building.id.in_(set(building_ids)))
        .with_only_columns(Building.id, Building.timezone)
    )
    return {building_id: timezone for building_id, timezone in result}


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
