"""Every query of the console's own: its sessions, and the organisation's totals.

Sessions are found by the hash of the cookie's token alone (like a client at the token
endpoint); everything else is scoped to the signed-in organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings.models import Building
from energy_contracts.console.models import ConsoleSession
from energy_contracts.contracts.models import EnergyContract
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
