"""Bodies of ``/org/{org_id}/users/{user_id}/buildings``; rules in the types where they fit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from energy_contracts.api.bodies import RequestBody
from energy_contracts.api.validation import NO_NUL
from energy_contracts.users.schemas import Country, Text100, ZipCode

Name = Annotated[
    str, Meta(min_length=1, max_length=100, examples=["Home"], extra_json_schema=NO_NUL)
]
Text50 = Annotated[str, Meta(max_length=50, extra_json_schema=NO_NUL)]
# The database column is a 32-bit integer; larger values are refused as input, not at insert.
Count = Annotated[int, Meta(ge=0, le=2_147_483_647)]
Timezone = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        description="IANA time zone; default: the organisation's.",
        examples=["Europe/Vienna"],
    ),
]


class BuildingCreate(RequestBody, kw_only=True):
    name: Name
    property_type: Text50 | None = None
    occupant_type: Text50 | None = None
    space_heating: Text50 | None = None
    water_heating: Text50 | None = None
    property_size_m2: Count | None = None
    property_age: Count | None = None
    num_occupants: Count | None = None
    photovoltaic: bool | None = None
    street_and_number: Text100 | None = None
    street_add_info: Text100 | None = None
    town: Text100 | None = None
    zip_code: ZipCode | None = None
    country: Country | None = None
    timezone: Timezone | UnsetType = UNSET


class BuildingUpdate(RequestBody, kw_only=True):
    """Partial update: an absent field stays; ``null`` clears an optional field."""

    name: Name | UnsetType = UNSET
    property_type: Text50 | UnsetType | None = UNSET
    occupant_type: Text50 | UnsetType | None = UNSET
    space_heating: Text50 | UnsetType | None = UNSET
    water_heating: Text50 | UnsetType | None = UNSET
    property_size_m2: Count | UnsetType | None = UNSET
    property_age: Count | UnsetType | None = UNSET
    num_occupants: Count | UnsetType | None = UNSET
    photovoltaic: bool | UnsetType | None = UNSET
    street_and_number: Text100 | UnsetType | None = UNSET
    street_add_info: Text100 | UnsetType | None = UNSET
    town: Text100 | UnsetType | None = UNSET
    zip_code: ZipCode | UnsetType | None = UNSET
    country: Country | UnsetType | None = UNSET
    timezone: Timezone | UnsetType = UNSET


class BuildingOut(msgspec.Struct, kw_only=True):
    """The building object."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    property_type: str | None
    occupant_type: str | None
    space_heating: str | None
    water_heating: str | None
    property_size_m2: int | None
    property_age: int | None
    num_occupants: int | None
    photovoltaic: bool | None
    street_and_number: str | None
    street_add_info: str | None
    town: str | None
    zip_code: str | None
    country: str | None
    timezone: str
    created_at: datetime
    updated_at: datetime


BUILDING_EXAMPLES = {
    "minimal": {"name": "Home"},
    "full": {
        "name": "Home",
        "property_type": "single_family_house",
        "occupant_type": "owner",
        "space_heating": "heat_pump",
        "water_heating": "heat_pump",
        "property_size_m2": 140,
        "property_age": 12,
        "num_occupants": 4,
        "photovoltaic": True,
        "street_and_number": "Hauptstraße 5",
        "street_add_info": None,
        "town": "Graz",
        "zip_code": "8010",
        "country": "AT",
        "timezone": "Europe/Vienna",
    },
}

BUILDING_UPDATE_EXAMPLES = {"solar_added": {"photovoltaic": True, "num_occupants": None}}
