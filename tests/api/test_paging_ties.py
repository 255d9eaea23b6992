"""Keyset paging (SPEC §1) when rows share a created_at: the id breaks the tie.

The API gives every row its own "now", so the ties are written behind its back. The expected
order is (created_at, id) with ids as UUIDs: PostgreSQL compares ``uuid`` bytewise and SQLite
keeps 32 lower-case hex digits, and both orders are the order of ``uuid.UUID``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from energy_contracts.buildings.models import Building
from energy_contracts.db.engine import Database
from energy_contracts.users.models import User
from tests.support.factories import make_building, make_user
from tests.support.http import instant, walk_pages
from tests.support.tenants import Tenant, TenantFactory

TIE = datetime(2024, 1, 15, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


async def set_created_at(
    database: Database, model: type[User] | type[Building], rows: list[dict[str, Any]], at: datetime
) -> None:
    async with database.session() as session:
        ids = [uuid.UUID(row["id"]) for row in rows]
        await session.execute(update(model).where(model.id.in_(ids)).values(created_at=at))


async def spread_around_a_tie(
    database: Database, model: type[User] | type[Building], rows: list[dict[str, Any]]
) -> list[str]:
    """The first row just after TIE, the last just before, all others at TIE; the ids in
    the order the list must show them (not creation order)."""
    *tied, last = rows[1:]
    await set_created_at(database, model, rows[:1], TIE + MICROSECOND)
    await set_created_at(database, model, tied, TIE)
    await set_created_at(database, model, [last], TIE - MICROSECOND)
    return [last["id"], *sorted((row["id"] for row in tied), key=uuid.UUID), rows[0]["id"]]


def assert_pages(pages: list[list[dict[str, Any]]], expected: list[str], limit: int) -> None:
    """Exactly ``expected`` in pages of ``limit``, and no page after the last."""
    assert [[row["id"] for row in page] for page in pages] == [
        expected[i : i + limit] for i in range(0, len(expected), limit)
    ]


async def test_users_with_the_same_created_at_are_paged_in_id_order(
    tenant: Tenant, database: Database
) -> None:
    users = [await make_user(tenant) for _ in range(7)]
    expected = await spread_around_a_tie(database, User, users)

    for limit in (1, 2, 3, 7):
        pages = await walk_pages(tenant, "users", limit=limit)
        assert_pages(pages, expected, limit)
    listed = [instant(user["created_at"]) for user in pages[0]]
    assert listed == [TIE - MICROSECOND, *[TIE] * 5, TIE + MICROSECOND]


async def test_buildings_with_the_same_created_at_are_paged_in_id_order(
    tenant: Tenant, database: Database
) -> None:
    owner, neighbour = await make_user(tenant), await make_user(tenant)
    buildings = [await make_building(tenant, owner["id"]) for _ in range(6)]
    # Another user's buildings at the same instant must not slip into the owner's pages.
    await set_created_at(
        database, Building, [await make_building(tenant, neighbour["id"]) for _ in range(2)], TIE
    )
    expected = await spread_around_a_tie(database, Building, buildings)

    for limit in (1, 2, 3, 4, 6):
        pages = await walk_pages(tenant, f"users/{owner['id']}/buildings", limit=limit)
        assert_pages(pages, expected, limit)
