"""Buildings: the rules a type cannot express, the organisation's default time zone,
partial updates. Every rule is checked before anything is written."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import BY_CREATED, Page, page_of
from energy_contracts.api.responses import from_row
from energy_contracts.api.validation import sent_fields, valid_country, valid_timezone
from energy_contracts.buildings import repository
from energy_contracts.buildings.models import Building
from energy_contracts.buildings.schemas import BuildingCreate, BuildingOut, BuildingUpdate
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import NotFound
from energy_contracts.orgs.service import get_organisation
from energy_contracts.users import repository as users
from energy_contracts.users.models import User


async def create_building(session: AsyncSession, user: User, body: BuildingCreate) -> Building:
    org_id, user_id = user.org_id, user.id
    fields = sent_fields(body)
    fields["country"] = valid_country(body.country)
    if isinstance(body.timezone, str):
        fields["timezone"] = valid_timezone(body.timezone)
    else:
        fields["timezone"] = (await get_organisation(session, org_id)).timezone
    now = utcnow()
    building = Building(
        org_id=org_id, user_id=user_id, id=new_id(), created_at=now, updated_at=now, **fields
    )
    try:
        await repository.insert(session, building)
    except IntegrityError:
        # The only constraint a new id can break is the user's foreign key: the user was
        # deleted by a concurrent request after we found it.
        if await users.find(session, org_id, user_id) is None:
            raise NotFound("No such user.") from None
        raise
    return building


async def update_building(
    session: AsyncSession, building: Building, body: BuildingUpdate
) -> Building:
    changes = sent_fields(body)
    if "country" in changes:
        changes["country"] = valid_country(changes["country"])
    if "timezone" in changes:
        # Allowed even when the building's contract has prices: stored price instants are
        # absolute (UTC), so they keep their meaning; only readings on the local calendar
        # (the spot grid, months, days) follow the new zone from now on.
        changes["timezone"] = valid_timezone(changes["timezone"])
    changes["updated_at"] = utcnow()
    if not await repository.update(session, building, changes):
        raise NotFound("No such building.")
    return building


async def delete_building(session: AsyncSession, building: Building) -> None:
    if not await repository.delete(session, building.org_id, building.user_id, building.id):
        raise NotFound("No such building.")  # deleted by a concurrent request


async def list_buildings(
    session: AsyncSession, user: User, *, limit: int, cursor: str | None
) -> Page[Building]:
    after = BY_CREATED.after(cursor)
    rows = await repository.page(session, user.org_id, user.id, after=after, limit=limit + 1)
    return page_of(rows, limit, BY_CREATED, lambda building: (building.created_at, building.id))


async def get_building(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, building_id: uuid.UUID
) -> Building:
    building = await repository.find(session, org_id, user_id, building_id)
    if building is None:
        raise NotFound("No such building.")
    return building


def building_out(building: Building) -> BuildingOut:
    return from_row(BuildingOut, building)
