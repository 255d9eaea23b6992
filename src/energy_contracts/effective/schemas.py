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


class EffectiveInterval(msgspec.Struct):
    start: Instant
    end: Instant
    price: Number | None
    contract_id: uuid.UUID | None
    source: Literal["building", "user"] | None
    includes_external_components: bool | None
    level: Level | None


class EffectivePrices(msgspec.Struct):
    currency: str
    from_: Instant = msgspec.field(name="from")
    to: Instant
    timezone: str
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


class CostAnswer(msgspec.Struct):
    currency: str
    total_cost: Number
    covered_kwh: Number
    uncovered_kwh: Number
    breakdown: list[CostPieceOut]
