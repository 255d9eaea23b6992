"""Request and response bodies of price series (SPEC §10). Their prices use the contract
price shapes (``contracts.schemas``: ``PricesIn``, ``PriceOut``, ...): a series' prices are
written and read exactly as a contract's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from energy_contracts.api.bodies import RequestBody
from energy_contracts.api.validation import NO_NUL
from energy_contracts.codes import currency_pattern, timezone_names

SERIES_ENTRY_VALIDITY = (
    "An entry holds from its timestamp for one interval of the series (`interval_minutes`) "
    "unless the next entry comes sooner; beyond that the price is unknown (on a 15-minute "
    "series, 0.0812 at 2025-10-01T00:00:00+02:00 holds until 00:15 local time)."
)

Name = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=100,
        description="Unique in the organisation.",
        examples=["EPEX day-ahead AT"],
        extra_json_schema=NO_NUL,
    ),
]
Description = Annotated[str, Meta(max_length=500, extra_json_schema=NO_NUL)]
Area = Annotated[
    str,
    Meta(
        max_length=32,
        description="Where the prices apply, e.g. an EIC bidding-zone code.",
        examples=["10YAT-APG------L"],
        extra_json_schema=NO_NUL,
    ),
]
IntervalMinutes = Annotated[
    Literal[15, 30, 60],
    Meta(
        description="Length of one price in minutes; its prices lie on this grid of the "
        "series' time zone. Changeable only while the series has no prices."
    ),
]
# The documents list what the service checks (``codes``), so a schema-valid value passes.
Timezone = Annotated[
    str,
    Meta(
        description="IANA time zone, the clock of its grid; default: the organisation's. "
        "Changeable only while the series has no prices.",
        examples=["Europe/Vienna"],
        extra_json_schema={"enum": timezone_names()},
    ),
]
Currency = Annotated[
    str,
    Meta(
        description="ISO 4217 code in circulation, case-insensitive; must be the "
        "organisation's billing currency (its default).",
        examples=["EUR"],
        extra_json_schema={"pattern": currency_pattern()},
    ),
]


class SeriesCreate(RequestBody, kw_only=True):
    """``POST``: a new price series."""

    name: Name
    interval_minutes: IntervalMinutes
    description: Description | None = None
    currency: Currency | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    area: Area | None = None


class SeriesUpdate(RequestBody, kw_only=True):
    """``PUT``: only the fields sent change; ``null`` clears ``description`` or ``area``."""

    name: Name | UnsetType = UNSET
    interval_minutes: IntervalMinutes | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    currency: Currency | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    area: Area | UnsetType | None = UNSET


class SeriesOut(Struct, kw_only=True):
    """A price series: market prices that index-linked contracts follow."""

    id: uuid.UUID
    name: str
    description: str | None
    currency: str
    interval_minutes: int
    timezone: str
    area: str | None
    prices_known_until: Annotated[
        datetime | None,
        Meta(
            description="UTC instant at which its last known price stops holding; null "
            "without prices. " + SERIES_ENTRY_VALIDITY
        ),
    ]
    created_at: datetime
    updated_at: datetime


SERIES_EXAMPLES: dict[str, Any] = {
    "epex_day_ahead_austria": {
        "name": "EPEX day-ahead AT",
        "description": "Day-ahead auction, bidding zone AT, EUR per kWh",
        "currency": "EUR",
        "interval_minutes": 15,
        "timezone": "Europe/Vienna",
        "area": "10YAT-APG------L",
    },
    "minimal": {"name": "Day-ahead", "interval_minutes": 60},
}
SERIES_UPDATE_EXAMPLES: dict[str, Any] = {
    "rename": {"name": "EPEX day-ahead AT (15 min)"},
    "clear_area": {"area": None},
}
SERIES_PRICES_EXAMPLES: dict[str, Any] = {
    "four_quarter_hours": {
        "energy_prices": [
            {"price": 0.0812, "timestamp": "2025-10-01T00:00:00+02:00"},
            {"price": 0.0795, "timestamp": "2025-10-01T00:15:00+02:00"},
            {"price": 0.0779, "timestamp": "2025-10-01T00:30:00+02:00"},
            {"price": -0.0031, "timestamp": "2025-10-01T00:45:00+02:00"},
        ]
    }
}
