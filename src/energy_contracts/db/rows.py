"""Row writes and keyset pages that several repositories share (users, buildings).

Writes run in a savepoint: when a concurrent request breaks a constraint first (takes a
unique value, deletes the parent row), only the savepoint rolls back, and the request's
transaction stays usable for the service to find out what happened and say so.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

M = TypeVar("M")

# A row's position in creation order: ties on created_at are broken by the id.
CreatedKey = tuple[datetime, uuid.UUID]


async def insert(session: AsyncSession, row: object) -> None:
    """INSERT ``row`` in a savepoint; a constraint violation raises ``IntegrityError``."""
    async with session.begin_nested():
        session.add(row)
        await session.flush()


async def update(session: AsyncSession, row: object, changes: Mapping[str, Any]) -> bool:
    """UPDATE ``row`` in a savepoint, by its primary key (which holds the organisation);
    False if the row is gone (deleted by a concurrent request)."""
    try:
        async with session.begin_nested():
            for name, value in changes.items():
                setattr(row, name, value)
            await session.flush()
    except StaleDataError:  # the UPDATE matched no row
        return False
    return True


async def page_in_creation_order(
    session: AsyncSession,
    statement: Select[Any],
    model: type[M],
    *,
    after: CreatedKey | None,
    limit: int,
) -> Sequence[M]:
    """Up to ``limit`` rows of ``statement`` in (created_at, id) order, after ``after``."""
    columns: Any = model
    if after is not None:
        # A row comparison, not ``a > x OR (a = x AND b > y)``: PostgreSQL turns it into a
        # range on an index ending in (created_at, id), so a page starts at the key.
        statement = statement.where(tuple_(columns.created_at, columns.id) > after)
    result = await session.scalars(statement.order_by(columns.created_at, columns.id).limit(limit))
    return result.all()
