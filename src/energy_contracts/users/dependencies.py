"""The path's user, resolved once per request: only a user of the caller's organisation."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.users import service
from energy_contracts.users.models import User


async def provide_user(
    org_id: FromPath[uuid.UUID],
    user_id: FromPath[uuid.UUID],
    session: NamedDependency[AsyncSession],
) -> User:
    return await service.get_user(session, org_id, user_id)
