"""The path's building, resolved once per request: only a building of the path's user."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings import service
from energy_contracts.buildings.models import Building
from energy_contracts.users.models import User


async def provide_building(
    user: NamedDependency[User],
    building_id: FromPath[uuid.UUID],
    session: NamedDependency[AsyncSession],
) -> Building:
    return await service.get_building(session, user.org_id, user.id, building_id)
