"""Request and response shapes of SPEC §6 (msgspec: exact decimals, documented once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from energy_contracts.api.bodies import RequestBody
from energy_contracts.pricing import Level

Instant = Annotated[
    datetime,
    msgspec.Meta(extra_json_schema={"format": "date-time", "example": "2024-01-15T00:00:00Z"}),
]
# Written as exact JSON numbers (see api.openapi: documented as "number").
Number = Decimal


PriceBasis = Annotated[
    Literal["all_in", "energy_only", "mixed"] | None,
    msgspec.Meta(
        description="What the known prices of the answer are: `all_in` (grid fees, levies and "
        "taxes included, by the contract or by its tariff), `energy_only` (they are not), "
        "`mixed` (some are and some are not, or do not say: levels, windows and costs then "
        "compare unlike prices), null when no known price says (or nothing is known)."
    ),
]


class PriceBreakdown(msgspec.Struct):
    """A total price per kWh in its parts, each per kWh (``energy + grid + levy + other +
    vat``; resampled, each part's time-weighted mean). Parts with nothing added are 0."""

    energy: Number
    grid: Number
    levy: Number
    other: Number
    vat: Number


class EffectiveInterval(msgspec.Struct):
    start: Instant
    end: Instant
    price: Annotated[
        Number | None, msgspec.Meta(description="Per kWh: the total where a tariff applies.")
    ]
    breakdown: Annotated[
        PriceBreakdown | None,
        msgspec.Meta(description="The parts of `price` where a tariff applies; else null."),
    ]
    contract_id: uuid.UUID | None
    source: Literal["building", "user"] | None
    includes_external_components: bool | None
    level: Level | None


class EffectivePrices(msgspec.Struct):
    currency: str
    from_: Instant = msgspec.field(name="from")
    to: Instant
    timezone: str
    price_basis: PriceBasis
    intervals: list[EffectiveInterval]


class BuildingEffectivePrices(msgspec.Struct):
    """One line of the organisation-wide answer: the building, then exactly the members of
    its ``effective-prices?day=`` answer."""

    user_id: uuid.UUID
    building_id: uuid.UUID
    currency: str
    from_: Instant = msgspec.field(name="from")
    to: Instant
    timezone: str
    price_basis: PriceBasis
    intervals: list[EffectiveInterval]


class PricedSlot(msgspec.Struct):
    start: Instant
    end: Instant
    price: Number


class CheapestWindow(msgspec.Struct):
    start: Instant
    end: Instant
    average_price: Number
    currency: str
    price_basis: Annotated[
        PriceBasis, msgspec.Meta(description="Over the known prices of the range searched.")
    ]
    slots: list[PricedSlot]


# Read by the one instant rule of the API (``api.instants.utc_instant``): an offset, at
# most six fractional digits, within 1900 to 2200.
TimestampText = Annotated[
    str,
    msgspec.Meta(
        description="ISO 8601 instant with an offset (`Z` or `+01:00`).",
        examples=["2024-01-15T00:00:00Z"],
        extra_json_schema={"format": "date-time"},
    ),
]


class ConsumptionIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    start: TimestampText
    end: TimestampText
    kwh: Annotated[
        msgspec.Raw,
        msgspec.Meta(
            extra_json_schema={
                "type": "number",
                "minimum": 0,
                "exclusiveMaximum": 1e9,
                "description": "kWh over [start, end): 0 ≤ kWh < 1e9, at most 19 decimal places.",
            }
        ),
    ]


class CostRequest(RequestBody, kw_only=True):
    consumption: Annotated[list[ConsumptionIn], msgspec.Meta(max_length=100_000)]


class CostPieceOut(msgspec.Struct):
    start: Instant
    end: Instant
    kwh: Number
    price: Number | None
    cost: Number | None
    contract_id: uuid.UUID | None
    source: Literal["building", "user"] | None
    includes_external_components: bool | None


class StandingChargeOut(msgspec.Struct):
    """The tariff's standing charge over the consumption's span: each local day of the
    tariff's clock it touches counts with the covered share of its real length (a whole
    23-hour day is one day); ``net = per_day × days``, VAT on it, ``total = net + vat``."""

    per_day: Number
    days: Number
    net: Number
    vat: Number
    total: Number


class CostAnswer(msgspec.Struct):
    currency: str
    total_cost: Annotated[
        Number, msgspec.Meta(description="The energy's cost plus the standing charge's total.")
    ]
    covered_kwh: Number
    uncovered_kwh: Number
    price_basis: PriceBasis
    standing_charge: Annotated[
        StandingChargeOut | None,
        msgspec.Meta(
            description="Of the building contract's tariff, else the user-level contract's; "
            "null without a tariff."
        ),
    ]
    breakdown: list[CostPieceOut]
