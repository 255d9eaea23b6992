"""Answers to SPEC §6, from the contracts that apply to a building (or a user).

Which contract a price comes from is carried through the pure pricing functions as an
``Origin``; the building's contract overrides the user-level one instant by instant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts import pricing
from energy_contracts.buildings.models import Building
from energy_contracts.codes import zone
from energy_contracts.contracts.models import EnergyContract
from energy_contracts.contracts.repository import load_prices
from energy_contracts.errors import Unprocessable
from energy_contracts.orgs.models import Organisation
from energy_contracts.pricing import ContractType, PriceEntry, PricingInputError, Segment
from energy_contracts.tenancy import scoped
from energy_contracts.users.models import User

MAX_RANGE = timedelta(days=366)
DEFAULT_SLOT_MINUTES = 60
Source = Literal["building", "user"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a price comes from: carried through the pricing functions untouched."""

    contract_id: uuid.UUID
    source: Source
    includes_external_components: bool | None


@dataclass(frozen=True, slots=True)
class ApplicableContract:
    contract: EnergyContract
    source: Source
    timezone: ZoneInfo

    @property
    def slot_minutes(self) -> int:
        if self.contract.contract_type == ContractType.SPOT_HOURLY:
            return self.contract.price_interval_minutes or DEFAULT_SLOT_MINUTES
        return DEFAULT_SLOT_MINUTES


@dataclass(frozen=True, slots=True)
class Pricing:
    """The contracts that price one building (building first), its clock and currency."""

    contracts: list[ApplicableContract]
    timezone: ZoneInfo
    currency: str

    async def curve(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> list[Segment[Origin]]:
        """The effective curve over ``[start, end)``: each contract's curve, overridden in
        order. Loads exactly the rows needed: the range plus the last entry before it."""
        effective: list[Segment[Origin]] = []
        for applicable in reversed(self.contracts):  # user-level first, building on top
            contract = applicable.contract
            rows = await load_prices(session, contract.org_id, contract.id, start, end)
            curve = pricing.build_curve(
                [PriceEntry(timestamp, price) for timestamp, price in rows],
                ContractType(contract.contract_type),
                interval_minutes=contract.price_interval_minutes or DEFAULT_SLOT_MINUTES,
                tz=applicable.timezone,
                origin=Origin(
                    contract.id, applicable.source, contract.includes_external_components
                ),
            )
            effective = pricing.override(curve, effective)
        return effective

    @property
    def slot_minutes(self) -> int:
        """The grid of ``contiguous=false`` windows: the finest contract's interval."""
        return min((c.slot_minutes for c in self.contracts), default=DEFAULT_SLOT_MINUTES)


async def building_pricing(session: AsyncSession, building: Building) -> Pricing:
    """The building's own contract and the user-level contract, in one indexed query.
    A user-level contract keeps the organisation's calendar; the building's clock rules
    days and grids."""
    organisation = await _organisation(session, building.org_id)
    statement = scoped(EnergyContract, building.org_id, user_id=building.user_id).where(
        or_(EnergyContract.building_id == building.id, EnergyContract.building_id.is_(None))
    )
    found = (await session.scalars(statement)).all()
    contracts = [
        ApplicableContract(contract, "building", zone(building.timezone))
        for contract in found
        if contract.building_id is not None
    ] + [
        ApplicableContract(contract, "user", zone(organisation.timezone))
        for contract in found
        if contract.building_id is None
    ]
    return Pricing(contracts, zone(building.timezone), organisation.billing_currency)


async def user_pricing(session: AsyncSession, user: User) -> Pricing:
    """The user-level contract alone, on the organisation's clock."""
    organisation = await _organisation(session, user.org_id)
    statement = scoped(EnergyContract, user.org_id, user_id=user.id).where(
        EnergyContract.building_id.is_(None)
    )
    contract = await session.scalar(statement)
    tz = zone(organisation.timezone)
    contracts = [] if contract is None else [ApplicableContract(contract, "user", tz)]
    return Pricing(contracts, tz, organisation.billing_currency)


async def _organisation(session: AsyncSession, org_id: uuid.UUID) -> Organisation:
    organisation = await session.get(Organisation, org_id)
    assert organisation is not None  # the caller's own organisation (ScopedOrgId) exists
    return organisation


def requested_range(
    start: datetime | None, end: datetime | None, day: date | None, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """``from``/``to``, or ``day`` as the local day in ``tz`` (23, 24 or 25 hours)."""
    if day is not None:
        if start is not None or end is not None:
            raise Unprocessable.field("day", "send either day or from/to, not both")
        return pricing.local_day_bounds(day, tz)
    if start is None:
        raise Unprocessable.field("from", "is required (or send day=YYYY-MM-DD)")
    if end is None:
        raise Unprocessable.field("to", "is required (or send day=YYYY-MM-DD)")
    return checked_range(start, end)


def checked_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    for name, value in (("from", start), ("to", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise Unprocessable.field(name, "must carry a UTC offset, e.g. 2024-01-15T00:00:00Z")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        raise Unprocessable.field("to", "must be after from")
    if end - start > MAX_RANGE:
        raise Unprocessable.field("to", "the range may span at most 366 days")
    return start, end


@contextmanager
def pricing_errors_as_422() -> Iterator[None]:
    """The pure core names its own parameters; say them as the API does."""
    http_names = {"start": "from", "end": "to"}
    try:
        yield
    except PricingInputError as error:
        raise Unprocessable.field(
            http_names.get(error.parameter, error.parameter), error.message
        ) from None


def intervals_json(segments: Sequence[Segment[Origin]]) -> list[dict[str, Any]]:
    levels = pricing.levels([segment.price for segment in segments])
    return [
        {
            "start": segment.start,
            "end": segment.end,
            "price": segment.price,
            "contract_id": segment.origin.contract_id if segment.origin else None,
            "source": segment.origin.source if segment.origin else None,
            "includes_external_components": (
                segment.origin.includes_external_components if segment.origin else None
            ),
            "level": level,
        }
        for segment, level in zip(segments, levels, strict=True)
    ]


async def effective_prices(
    session: AsyncSession,
    subject: Pricing,
    *,
    start: datetime,
    end: datetime,
    interval: int | None,
) -> dict[str, Any]:
    curve = await subject.curve(session, start, end)
    with pricing_errors_as_422():
        segments = (
            pricing.resample(curve, start, end, interval, subject.timezone)
            if interval
            else pricing.tile(curve, start, end)
        )
    return {
        "currency": subject.currency,
        "from": start,
        "to": end,
        "timezone": subject.timezone.key,
        "intervals": intervals_json(segments),
    }


async def current_interval(
    session: AsyncSession, subject: Pricing, *, now: datetime, interval: int | None
) -> dict[str, Any]:
    """The interval containing ``now``, seen within today and tomorrow (local days): a
    stretch is cut at those edges, which day-ahead prices never cross anyway."""
    today = now.astimezone(subject.timezone).date()
    start, _ = pricing.local_day_bounds(today, subject.timezone)
    _, end = pricing.local_day_bounds(today + timedelta(days=1), subject.timezone)
    curve = await subject.curve(session, start, end)
    segments = (
        pricing.resample(curve, start, end, interval, subject.timezone)
        if interval
        else pricing.tile(curve, start, end)
    )
    levels = intervals_json(segments)
    return next(item for item in levels if item["start"] <= now < item["end"])


async def cheapest_window(
    session: AsyncSession,
    subject: Pricing,
    *,
    start: datetime,
    end: datetime,
    minutes: int,
    contiguous: bool,
) -> dict[str, Any]:
    if minutes <= 0:
        raise Unprocessable.field("minutes", "must be a positive number of minutes")
    if timedelta(minutes=minutes) > end - start:
        raise Unprocessable.field("minutes", "is longer than the range from `from` to `to`")
    curve = await subject.curve(session, start, end)
    with pricing_errors_as_422():
        window = (
            pricing.cheapest_window(curve, start, end, minutes)
            if contiguous
            else pricing.cheapest_slots(
                curve, start, end, minutes, subject.slot_minutes, subject.timezone
            )
        )
    if window is None:
        raise Unprocessable.field(
            "minutes", "no window of that length has known prices in the range"
        )
    return {
        "start": window.start,
        "end": window.end,
        "average_price": window.average_price,
        "currency": subject.currency,
        "slots": [
            {"start": slot.start, "end": slot.end, "price": slot.price} for slot in window.slots
        ],
    }


async def consumption_cost(
    session: AsyncSession, subject: Pricing, consumption: Sequence[pricing.Consumption]
) -> dict[str, Any]:
    currency = subject.currency
    if not consumption:
        return _cost_json(currency, Decimal(0), Decimal(0), Decimal(0), [])
    start = min(used.start for used in consumption)
    end = max(used.end for used in consumption)
    if end - start > MAX_RANGE:
        raise Unprocessable.field("consumption", "may span at most 366 days")
    curve = await subject.curve(session, start, end)
    with pricing_errors_as_422():
        result = pricing.cost(curve, consumption)
    return _cost_json(
        currency,
        result.total_cost,
        result.covered_kwh,
        result.uncovered_kwh,
        [
            {
                "start": piece.start,
                "end": piece.end,
                "kwh": piece.kwh,
                "price": piece.price,
                "cost": piece.cost,
            }
            for piece in result.breakdown
        ],
    )


def _cost_json(
    currency: str,
    total_cost: Decimal,
    covered_kwh: Decimal,
    uncovered_kwh: Decimal,
    breakdown: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "currency": currency,
        "total_cost": total_cost,
        "covered_kwh": covered_kwh,
        "uncovered_kwh": uncovered_kwh,
        "breakdown": breakdown,
    }
