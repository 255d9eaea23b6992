"""Tenant scoping, in one place.

Every lookup of tenant data goes through ``scoped(...)``, which puts the organisation (and,
below it, the user) into the same WHERE clause as the id. Path objects are resolved by the
dependencies here — ``ScopedUser``, ``ScopedBuilding`` — so that a handler never sees an
object outside its path: whichever id was guessed, the answer is the same 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.dependencies import ScopedOrgId
from energy_contracts.buildings.models import Building
from energy_contracts.db.session import SessionDep
from energy_contracts.errors import NotFound
from energy_contracts.users.models import User

M = TypeVar("M")


def scoped(model: type[M], org_id: uuid.UUID, **equal: Any) -> Select[Any]:
    """``SELECT model WHERE org_id = :org AND <column> = :value ...``."""
    columns: Any = model
    conditions = [columns.org_id == org_id]
    conditions += [getattr(columns, name) == value for name, value in equal.items()]
    return select(model).where(*conditions)


async def find_scoped(
    session: AsyncSession,
    model: type[M],
    org_id: uuid.UUID,
    *,
    for_update: bool = False,
    **equal: Any,
) -> M | None:
    statement = scoped(model, org_id, **equal)
    if for_update:
        statement = statement.with_for_update()
    result: M | None = await session.scalar(statement)
    return result


async def get_user(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False
) -> User:
    user = await find_scoped(session, User, org_id, id=user_id, for_update=for_update)
    if user is None:
        raise NotFound("No such user.")
    return user


async def get_building(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> Building:
    building = await find_scoped(session, Building, org_id, user_id=user_id, id=building_id)
    if building is None:
        raise NotFound("No such building.")
    return building


async def _scoped_user(
    org_id: ScopedOrgId,
    user_id: Annotated[uuid.UUID, Path(description="The user's id.")],
    session: SessionDep,
) -> User:
    return await get_user(session, org_id, user_id)


async def _scoped_building(
    user: Annotated[User, Depends(_scoped_user)],
    building_id: Annotated[uuid.UUID, Path(description="The building's id.")],
    session: SessionDep,
) -> Building:
    return await get_building(session, user.org_id, user.id, building_id)


ScopedUser = Annotated[User, Depends(_scoped_user)]
ScopedBuilding = Annotated[Building, Depends(_scoped_building)]
