"""Every query on users. Each one carries the organisation in its WHERE clause."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db import rows
from energy_contracts.db.rows import CreatedKey
from energy_contracts.tenancy import find_scoped, scoped, scoped_delete
from energy_contracts.users.models import User


async def find(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    return await find_scoped(session, User, org_id, id=user_id)


async def find_by_email_key(
    session: AsyncSession, org_id: uuid.UUID, email_key: str
) -> User | None:
    return await find_scoped(session, User, org_id, email_key=email_key)


async def find_by_external_id(
    session: AsyncSession, org_id: uuid.UUID, external_user_id: str
) -> User | None:
    return await find_scoped(session, User, org_id, external_user_id=external_user_id)


async def page(
    session: AsyncSession, org_id: uuid.UUID, *, after: CreatedKey | None, limit: int
) -> Sequence[User]:
    """Up to ``limit`` users in (created_at, id) order, starting after the key ``after``."""
    statement = scoped(User, org_id)
    return await rows.page_in_creation_order(session, statement, User, after=after, limit=limit)


async def insert(session: AsyncSession, user: User) -> None:
    """In a savepoint: if a concurrent request took the email or external id, the unique
    violation rolls back only the savepoint and the transaction stays usable."""
    await rows.insert(session, user)


async def update(session: AsyncSession, user: User, changes: Mapping[str, Any]) -> bool:
    """In a savepoint, for the same reason as ``insert``; False if the user is gone
    (deleted by a concurrent request)."""
    return await rows.update(session, user, changes)


async def delete(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """True if the user was there. The foreign keys cascade to the user's buildings,
    contracts and prices (SQLite enforces them: ``PRAGMA foreign_keys=ON``)."""
    deleted = await session.scalar(scoped_delete(User, org_id, id=user_id).returning(User.id))
    return deleted is not None
