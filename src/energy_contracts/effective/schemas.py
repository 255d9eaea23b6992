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
ExactNumber = Annotated[msgspec.Raw, msgspec.Meta(extra_json_schema={"type": "number"})]


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


class ConsumptionIn(msgspec.Struct, forbid_unknown_fields=True):
    start: Instant
    end: Instant
    kwh: ExactNumber


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
