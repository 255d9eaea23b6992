"""Bodies of ``/org/{org_id}/users``: what the decoder accepts is what OpenAPI documents.

Length and range rules live in the types (``msgspec.Meta``), so a violation is a 422 naming
the field before any rule in the service runs. Rules a type cannot express — the shape of
an email address, a country that exists — are checked by the service, and documented here
as a ``pattern`` that is the very regex the service checks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from energy_contracts.api.bodies import RequestBody
from energy_contracts.api.validation import NO_NUL, WHITESPACE
from energy_contracts.codes import country_pattern

# A pragmatic shape, not RFC 5322: one '@', no whitespace (nor NUL), a dotted domain without
# empty labels. The service checks this very pattern.
_NOT_IN_EMAIL = rf"@\x00{WHITESPACE}"
EMAIL_PATTERN = rf"^[^{_NOT_IN_EMAIL}]+@[^.{_NOT_IN_EMAIL}]+(?:\.[^.{_NOT_IN_EMAIL}]+)+$"
Email = Annotated[
    str,
    Meta(
        max_length=254,
        description="Unique in the organisation, compared case-insensitively; stored as given.",
        examples=["jane.doe@example.com"],
        extra_json_schema={"pattern": EMAIL_PATTERN},
    ),
]
Role = Annotated[Literal["admin", "staff", "user"], Meta(description="Default `user`.")]
ExternalUserId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=100,
        description="The partner's own id for the user; unique in the organisation.",
        examples=["crm-4711"],
        extra_json_schema=NO_NUL,
    ),
]
Text100 = Annotated[str, Meta(max_length=100, extra_json_schema=NO_NUL)]
ZipCode = Annotated[str, Meta(max_length=20, extra_json_schema=NO_NUL)]
Country = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2, case-insensitive; returned upper-case.",
        examples=["AT"],
        extra_json_schema={"pattern": country_pattern()},  # what the service checks
    ),
]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]


class UserCreate(RequestBody, kw_only=True):
    email: Email
    role: Role = "user"
    external_user_id: ExternalUserId | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    street_and_number: Text100 | None = None
    street_add_info: Text100 | None = None
    town: Text100 | None = None
    zip_code: ZipCode | None = None
    country: Country | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class UserUpdate(RequestBody, kw_only=True):
    """Partial update: an absent field stays; ``null`` clears an optional field."""

    email: Email | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    external_user_id: ExternalUserId | UnsetType | None = UNSET
    first_name: Text100 | UnsetType | None = UNSET
    last_name: Text100 | UnsetType | None = UNSET
    street_and_number: Text100 | UnsetType | None = UNSET
    street_add_info: Text100 | UnsetType | None = UNSET
    town: Text100 | UnsetType | None = UNSET
    zip_code: ZipCode | UnsetType | None = UNSET
    country: Country | UnsetType | None = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET


class UserOut(msgspec.Struct, kw_only=True):
    """The user object."""

    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: Literal["admin", "staff", "user"]
    external_user_id: str | None
    first_name: str | None
    last_name: str | None
    street_and_number: str | None
    street_add_info: str | None
    town: str | None
    zip_code: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    updated_at: datetime


USER_EXAMPLES = {
    "minimal": {"email": "jane.doe@example.com"},
    "full": {
        "email": "jane.doe@example.com",
        "role": "user",
        "external_user_id": "crm-4711",
        "first_name": "Jane",
        "last_name": "Doe",
        "street_and_number": "Mariahilfer Straße 1",
        "street_add_info": "Top 4",
        "town": "Wien",
        "zip_code": "1060",
        "country": "AT",
        "latitude": 48.1986,
        "longitude": 16.3417,
    },
}

USER_UPDATE_EXAMPLES = {
    "move": {"town": "Graz", "zip_code": "8010", "latitude": None, "longitude": None},
}
