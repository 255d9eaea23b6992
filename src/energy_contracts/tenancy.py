"""Tenant scoping, in one place.

Every query on tenant data goes through these helpers, which put the organisation (and,
below it, the user or the contract) into the same WHERE clause as the id: ``scoped`` for
reads, ``scoped_update`` and ``scoped_delete`` for writes. A model is tenant data when it
has an ``org_id`` column. ``tests/unit/test_tenant_scoping.py`` fails when a repository
queries a tenant model without them, as Polar lints for it.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Delete, Select, Update, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M")


def _conditions(model: Any, org_id: uuid.UUID, equal: dict[str, Any]) -> list[Any]:
    return [
        model.org_id == org_id,
        *(getattr(model, name) == value for name, value in equal.items()),
    ]


def scoped(model: type[M], org_id: uuid.UUID, **equal: Any) -> Select[Any]:
    """``SELECT model WHERE org_id = :org AND <column> = :value ...``."""
    return select(model).where(*_conditions(model, org_id, equal))


def scoped_update(model: type[M], org_id: uuid.UUID, **equal: Any) -> Update:
    """``UPDATE model ... WHERE org_id = :org AND <column> = :value ...``."""
    return update(model).where(*_conditions(model, org_id, equal))


def scoped_delete(model: type[M], org_id: uuid.UUID, **equal: Any) -> Delete:
    """``DELETE FROM model WHERE org_id = :org AND <column> = :value ...``."""
    return delete(model).where(*_conditions(model, org_id, equal))


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
