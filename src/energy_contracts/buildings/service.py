"""Buildings: the rules a type cannot express, the organisation's default time zone,
partial updates. Every rule is checked before anything is written."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.buildings import repository
from energy_contracts.buildings.models import Building
from energy_contracts.buildings.schemas import BuildingCreate, BuildingUpdate
from energy_contracts.codes import timezone_name
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import NotFound, Unprocessable
from energy_contracts.orgs.service import get_organisation
from energy_contracts.tenancy import find_scoped
from energy_contracts.users.models import User
from energy_contracts.users.service import (
    Page,
    decode_page_key,
    page_of,
    reject_nul_characters,
    valid_country,
)


def valid_timezone(value: str) -> str:
    name = timezone_name(value)
    if name is None:
        raise Unprocessable.field("timezone", f"{value!r} is not an IANA time zone")
    return name


async def create_building(session: AsyncSession, user: User, body: BuildingCreate) -> Building:
    org_id, user_id = user.org_id, user.id
    fields = msgspec.structs.asdict(body)
    reject_nul_characters(fields)
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
        if await find_scoped(session, User, org_id, id=user_id) is None:
            raise NotFound("No such user.") from None
        raise
    return building


async def update_building(
    session: AsyncSession, building: Building, body: BuildingUpdate
) -> Building:
    changes = {
        name: value
        for name, value in msgspec.structs.asdict(body).items()
        if value is not msgspec.UNSET
    }
    reject_nul_characters(changes)
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
    after = decode_page_key(cursor)
    rows = await repository.page(session, user.org_id, user.id, after=after, limit=limit + 1)
    return page_of(rows, limit, lambda building: (building.created_at, building.id))


def building_json(building: Building) -> dict[str, Any]:
    return {
        "id": building.id,
        "user_id": building.user_id,
        "name": building.name,
        "property_type": building.property_type,
        "occupant_type": building.occupant_type,
        "space_heating": building.space_heating,
        "water_heating": building.water_heating,
        "property_size_m2": building.property_size_m2,
        "property_age": building.property_age,
        "num_occupants": building.num_occupants,
        "photovoltaic": building.photovoltaic,
        "street_and_number": building.street_and_number,
        "street_add_info": building.street_add_info,
        "town": building.town,
        "zip_code": building.zip_code,
        "country": building.country,
        "timezone": building.timezone,
        "created_at": building.created_at,
        "updated_at": building.updated_at,
    }
