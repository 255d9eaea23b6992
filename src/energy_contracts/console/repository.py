"""Every query of the console's own: its sessions, and the organisation's totals.

Sessions are found by the hash of the cookie's token alone (like a client at the token
endpoint); everything else is scoped to the signed-in organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ScalarSelect, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings.models import Building
from energy_contracts.console.models import ConsoleSession
from energy_contracts.contracts.models import EnergyContract, energy_prices
from energy_contracts.orgs.models import Organisation
from energy_contracts.tenancy import scoped
from energy_contracts.users.models import User


async def insert_session(session: AsyncSession, row: ConsoleSession) -> None:
    session.add(row)
    await session.flush()


async def find_session(
    session: AsyncSession, token_hash: str, now: datetime
) -> ConsoleSession | None:
    return await session.scalar(
        select(ConsoleSession).where(
            ConsoleSession.token_hash == token_hash, ConsoleSession.expires_at > now
        )
    )


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))


@dataclass(frozen=True, slots=True)
class Totals:
    users: int
    buildings: int
    contracts: int


async def totals(session: AsyncSession, org_id: uuid.UUID) -> Totals:
    def count(model: type[User] | type[Building] | type[EnergyContract]) -> ScalarSelect[int]:
        statement = scoped(model, org_id).with_only_columns(func.count()).order_by(None)
        return statement.scalar_subquery()

    row = (await session.execute(select(count(User), count(Building), count(EnergyContract)))).one()
    return Totals(users=row[0], buildings=row[1], contracts=row[2])


@dataclass(frozen=True, slots=True)
class LastPrice:
    """A contract with its latest stored price, and the clock its periods run on."""

    contract_id: uuid.UUID
    user_id: uuid.UUID
    building_id: uuid.UUID | None
    contract_type: str
    price_interval_minutes: int | None
    timezone: str
    timestamp: datetime
    price: Decimal


async def last_prices(session: AsyncSession, org_id: uuid.UUID) -> list[LastPrice]:
    """Each contract of the organisation that has prices, with its latest one (an index
    probe per contract: the prices' key is (org_id, contract_id, ts))."""
    latest, priced = energy_prices.alias("latest"), energy_prices.alias("priced")
    last_ts = (
        select(func.max(latest.c.ts))
        .where(latest.c.org_id == EnergyContract.org_id, latest.c.contract_id == EnergyContract.id)
        .correlate(EnergyContract)
        .scalar_subquery()
    )
    last_price = (
        select(priced.c.price)
        .where(
            priced.c.org_id == EnergyContract.org_id,
            priced.c.contract_id == EnergyContract.id,
            priced.c.ts == last_ts,
        )
        .correlate(EnergyContract)
        .scalar_subquery()
    )
    statement = (
        scoped(EnergyContract, org_id)
        .with_only_columns(
            EnergyContract.id,
            EnergyContract.user_id,
            EnergyContract.building_id,
            EnergyContract.contract_type,
            EnergyContract.price_interval_minutes,
            func.coalesce(Building.timezone, Organisation.timezone),
            last_ts,
            last_price,
        )
        .join(Organisation, Organisation.id == EnergyContract.org_id)
        .outerjoin(
            Building,
            (Building.org_id == EnergyContract.org_id)
            & (Building.id == EnergyContract.building_id),
        )
    )
    rows = await session.execute(statement)
    return [LastPrice(*row) for row in rows if row[6] is not None]
