"""Answers to SPEC §6, from the contracts that apply to a building (or a user).

Which contract a price comes from is carried through the pure pricing functions as an
``Origin``; the building's contract overrides the user-level one instant by instant. A
contract that names a tariff (SPEC §11) contributes totals: its energy curve with the
tariff's curve added (``pricing.with_tariff``), each stretch's origin ``Itemised`` with its
breakdown; a contract without one contributes its prices as they are (no breakdown). Levels,
windows and costs work on those prices, which are the totals where a tariff applies.

``price_basis`` is read off the known stretches an answer compares: ``all_in`` when every
one includes external components, ``energy_only`` when none does, ``mixed`` when they differ
(a contract that does not say counts as its own kind), null when nothing is known or none
says. The standing charge of a cost is the building contract's tariff's, else the
user-level contract's (one building pays one).
"""

from __future__ import annotations

import operator
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from anyio import CapacityLimiter, to_thread
from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncConnection

from energy_contracts import pricing
from energy_contracts.api.instants import bounded_range
from energy_contracts.codes import zone
from energy_contracts.contracts.models import PriceRow
from energy_contracts.effective import repository
from energy_contracts.effective.repository import ContractTerms, Place
from energy_contracts.effective.schemas import (
    CheapestWindow,
    CostAnswer,
    CostPieceOut,
    EffectiveInterval,
    EffectivePrices,
    PriceBreakdown,
    PricedSlot,
    StandingChargeOut,
)
from energy_contracts.errors import FieldError, NotFound, Unprocessable
from energy_contracts.pricing import ContractType, Itemised, PricingInputError, Segment, Window

MAX_RANGE = timedelta(days=366)
T = TypeVar("T")
DEFAULT_SLOT_MINUTES = 60
Source = Literal["building", "user"]
PriceBasis = Literal["all_in", "energy_only", "mixed"]


class NoCurrentPrice(NotFound):
    """``/current`` when no price is known now: a 404, not an invented interval."""

    slug = "no-current-price"

    def __init__(self) -> None:
        super().__init__("No price is known now.")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a price comes from: carried through the pricing functions untouched."""

    contract_id: uuid.UUID
    source: Source
    includes_external_components: bool | None

    def fields(self) -> tuple[uuid.UUID, Source, bool | None]:
        """``contract_id``, ``source``, ``includes_external_components`` of an interval."""
        return self.contract_id, self.source, self.includes_external_components


@dataclass(frozen=True, slots=True)
class ApplicableContract:
    contract: ContractTerms
    source: Source
    timezone: ZoneInfo

    @property
    def origin(self) -> Origin:
        contract = self.contract
        return Origin(contract.id, self.source, contract.includes_external)

    @property
    def kind(self) -> ContractType:
        return ContractType(self.contract.contract_type)

    @property
    def interval_minutes(self) -> int:
        """The grid of its prices (``price_interval_minutes``; a spot contract's default)."""
        return self.contract.price_interval_minutes or DEFAULT_SLOT_MINUTES

    def entries(self, rows: dict[uuid.UUID, list[PriceRow]]) -> list[PriceRow]:
        """Its ``(instant, price)`` rows as ``Pricing.prices`` read them, its series' prices
        through its index where it is index-linked."""
        contract = self.contract
        index = contract.index
        return rows[contract.id] if index is None else index.apply(rows[contract.id])

    @property
    def slot_minutes(self) -> int:
        return (
            self.interval_minutes if self.kind is ContractType.SPOT_HOURLY else DEFAULT_SLOT_MINUTES
        )


Priced = Itemised[Origin]
"""A price's origin and, where a tariff applies, its breakdown."""
# What a tariff adds over a range is the same for every building that names it on that day,
# and a day is asked for again and again: each is made once per process (a few stretches).
TARIFF_CURVES = 4096
_tariff_curves: LRUCache[
    tuple[pricing.Tariff, datetime, datetime], list[Segment[pricing.Surcharge]]
] = LRUCache(maxsize=TARIFF_CURVES)
# Answers are computed on the event loop and on the worker thread (``computed``), and an
# LRUCache reorders itself on every read: one lock keeps it whole.
_tariff_curves_lock = threading.Lock()


def tariff_curve(
    tariff: pricing.Tariff, start: datetime, end: datetime
) -> list[Segment[pricing.Surcharge]]:
    """``pricing.tariff_curve``, kept per (tariff, range); a changed tariff is another key
    (its parsed form is per version, ``tariffs.terms``)."""
    key = (tariff, start, end)
    with _tariff_curves_lock:
        curve = _tariff_curves.get(key)
    if curve is None:
        curve = pricing.tariff_curve(tariff, start, end)
        with _tariff_curves_lock:
            _tariff_curves[key] = curve
    return curve


@dataclass(frozen=True, slots=True)
class Pricing:
    """The contracts that price one building (building first), its clock and currency."""

    org_id: uuid.UUID
    contracts: list[ApplicableContract]
    timezone: ZoneInfo
    currency: str
    prefetched: dict[uuid.UUID, list[PriceRow]] | None = None
    """The contracts' prices over ``prefetched_span``, if read along with the contracts."""
    prefetched_span: tuple[datetime, datetime] | None = None

    async def prices(
        self, connection: AsyncConnection, start: datetime, end: datetime
    ) -> dict[uuid.UUID, list[PriceRow]]:
        """Exactly the rows the curve over ``[start, end)`` needs: per contract the range and
        the last entry before it, for every contract in one read (none if they were read
        with the contracts)."""
        if self.prefetched is not None and self.prefetched_span == (start, end):
            return self.prefetched
        contracts = [applicable.contract for applicable in self.contracts]
        return await repository.prices_of(connection, self.org_id, contracts, start, end)

    def curve_of(
        self, rows: dict[uuid.UUID, list[PriceRow]], start: datetime, end: datetime
    ) -> list[Segment[Priced]]:
        """Each contract's curve of ``rows`` over ``[start, end)``, with its tariff added if it
        names one, overridden in order (building over user)."""
        effective: list[Segment[Priced]] = []
        for applicable in reversed(self.contracts):  # user-level first, building on top
            pairs = applicable.entries(rows)
            origin = applicable.origin
            kind = applicable.kind
            minutes = applicable.interval_minutes
            tariff = applicable.contract.tariff
            curve: list[Segment[Priced]]
            if tariff is None:
                # What ``pricing.without_tariff`` of the energy curve gives, built in one
                # pass: every segment shares the one origin without a breakdown.
                curve = pricing.build_curve_from_pairs(
                    pairs,
                    kind,
                    interval_minutes=minutes,
                    tz=applicable.timezone,
                    origin=pricing.Itemised(origin, None),
                )
            else:
                energy = pricing.build_curve_from_pairs(
                    pairs, kind, interval_minutes=minutes, tz=applicable.timezone, origin=origin
                )
                curve = pricing.with_tariff(energy, tariff_curve(tariff, start, end), tariff)
            effective = pricing.override(curve, effective) if effective else curve
        return effective

    def tiled(
        self,
        rows: dict[uuid.UUID, list[PriceRow]],
        start: datetime,
        end: datetime,
        interval: int | None,
    ) -> list[Segment[Priced]]:
        """``[start, end)`` of the effective curve of ``rows`` in maximal stretches, or in
        slots of ``interval`` minutes."""
        if (
            interval is None
            and len(self.contracts) == 1
            and self.contracts[0].contract.tariff is None
        ):
            # One contract without a tariff, as most buildings have: its stretches straight
            # from its rows (``pricing.tiled_curve_from_pairs``), the same as tiling its curve.
            (applicable,) = self.contracts
            return pricing.tiled_curve_from_pairs(
                applicable.entries(rows),
                applicable.kind,
                interval_minutes=applicable.interval_minutes,
                tz=applicable.timezone,
                origin=pricing.Itemised(applicable.origin, None),
                start=start,
                end=end,
            )
        curve = self.curve_of(rows, start, end)
        if interval:
            return pricing.resample_itemised(curve, start, end, interval, self.timezone)
        return pricing.tile(curve, start, end)

    @property
    def tariff(self) -> pricing.Tariff | None:
        """Whose standing charge the building pays: its own contract's tariff, else the
        user-level contract's."""
        return next((a.contract.tariff for a in self.contracts if a.contract.tariff), None)

    @property
    def slot_minutes(self) -> int:
        """The grid of ``contiguous=false`` windows: the finest contract's interval."""
        return min((c.slot_minutes for c in self.contracts), default=DEFAULT_SLOT_MINUTES)


async def building_pricing(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    building_id: uuid.UUID,
    *,
    prices_in: tuple[datetime, datetime] | None = None,
) -> Pricing:
    """The building's own contract and the user-level contract, in one scoped read, with
    their prices over ``prices_in`` if given (see ``likely_range``). A user-level contract
    keeps the organisation's calendar; the building's clock rules days and grids."""
    place = await repository.building_place(
        connection, org_id, user_id, building_id, prices_in=prices_in
    )
    if place is None:
        if not await repository.user_exists(connection, org_id, user_id):
            raise NotFound("No such user.")
        raise NotFound("No such building.")
    _remember_zone(org_id, building_id, place.timezone)
    return pricing_of_place(org_id, place)


# building -> its time zone as last read by this process: lets ``likely_range`` tell the
# range of a ``day`` before the building is read, so that one statement reads both. A hint,
# never the truth: a building whose zone changed meanwhile just costs a second read.
ZONE_HINTS_SIZE = 100_000
_zone_hints: LRUCache[tuple[uuid.UUID, uuid.UUID], str] = LRUCache(maxsize=ZONE_HINTS_SIZE)


def _remember_zone(org_id: uuid.UUID, building_id: uuid.UUID, timezone: str) -> None:
    _zone_hints[(org_id, building_id)] = timezone


def likely_range(
    org_id: uuid.UUID,
    building_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    day: date | None,
) -> tuple[datetime, datetime] | None:
    """The range ``requested_range`` will give for these parameters, if it can be told
    before the building is read; None if not (or if they are invalid: that is reported
    after the building is found, so a wrong id is a 404 whatever the parameters)."""
    try:
        if day is None:
            if start is None or end is None:
                return None
            return checked_range(start, end)
        timezone = _zone_hints.get((org_id, building_id))
        if timezone is None or start is not None or end is not None:
            return None
        return pricing.local_day_bounds(day, zone(timezone))
    except (Unprocessable, ValueError, OverflowError):
        return None


async def user_pricing(
    connection: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID
) -> Pricing:
    """The user-level contract alone, on the organisation's clock."""
    place = await repository.user_place(connection, org_id, user_id)
    if place is None:
        raise NotFound("No such user.")
    return pricing_of_place(org_id, place)


def pricing_of_place(org_id: uuid.UUID, place: Place) -> Pricing:
    building_zone = zone(place.timezone)
    organisation_zone = zone(place.organisation_timezone)
    contracts = [
        ApplicableContract(contract, "building", building_zone)
        for contract in place.contracts
        if contract.building_id is not None
    ] + [
        ApplicableContract(contract, "user", organisation_zone)
        for contract in place.contracts
        if contract.building_id is None
    ]
    return Pricing(
        org_id, contracts, building_zone, place.currency, place.prices, place.prices_span
    )


def requested_range(
    start: datetime | None, end: datetime | None, day: date | None, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """``from``/``to``, or ``day`` as the local day in ``tz`` (23, 24 or 25 hours)."""
    if day is not None:
        if start is not None or end is not None:
            raise Unprocessable.field("day", "may not be sent together with from or to")
        return pricing.local_day_bounds(day, tz)
    if start is None:
        raise Unprocessable.field("from", "is required (or send day=YYYY-MM-DD)")
    if end is None:
        raise Unprocessable.field("to", "is required (or send day=YYYY-MM-DD)")
    return checked_range(start, end)


def checked_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return bounded_range(start, end, longest=MAX_RANGE)


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


def intervals(segments: Sequence[Segment[Priced]]) -> list[EffectiveInterval]:
    levels = pricing.levels(list(map(_PRICE_OF, segments)))
    answer: list[EffectiveInterval] = []
    append = answer.append  # a year at 15 minutes is 35,136 of these
    # A contract without a tariff gives all its stretches one origin object: its fields are
    # read once per run of it, not once per interval.
    last: object = _UNSEEN
    breakdown: PriceBreakdown | None = None
    contract_id, source, includes = _NO_ORIGIN
    for segment, level in zip(segments, levels, strict=True):
        priced = segment.origin
        if priced is not last:
            last = priced
            contract_id, source, includes = origin_fields(priced)
            parts = None if priced is None or contract_id is None else priced.breakdown
            breakdown = None if parts is None else PriceBreakdown(*parts)
        append(
            EffectiveInterval(
                segment.start,
                segment.end,
                segment.price,
                breakdown,
                contract_id,
                source,
                includes,
                level,
            )
        )
    return answer


def origin_fields(priced: Priced | None) -> tuple[uuid.UUID | None, Source | None, bool | None]:
    """``contract_id``, ``source``, ``includes_external_components`` of a stretch."""
    if priced is None or priced.origin is None:
        return _NO_ORIGIN
    return priced.origin.fields()


def price_basis(origins: Iterable[Priced | None]) -> PriceBasis | None:
    """What the known stretches with these origins compare (see the module docstring)."""
    return basis_of(
        {
            priced.origin.includes_external_components
            for priced in origins
            if priced is not None and priced.origin is not None
        }
    )


def basis_of(kinds: set[bool | None]) -> PriceBasis | None:
    """The basis of known stretches that say these of their external components."""
    if len(kinds) > 1:
        return "mixed"
    if kinds == {True}:
        return "all_in"
    if kinds == {False}:
        return "energy_only"
    return None


_NO_ORIGIN: tuple[None, None, None] = (None, None, None)
_PRICE_OF = operator.attrgetter("price")
_UNSEEN = object()


# Work on more rows or items than this leaves the event loop for a worker thread (see
# ``computed``): a year of quarter hours is ~35,000 and takes seconds of exact arithmetic,
# a day's 96 take well under a millisecond and stay.
HEAVY_WORK = 2_000
_COMPUTING_THREADS = 1
_computing: CapacityLimiter | None = None


async def computed(work: Callable[[], T], *, size: int) -> T:
    """``work()``, on a worker thread when ``size`` says it is heavy, so that the event loop
    keeps answering others (SPEC §8: ``/healthz`` within 50 ms); one such thread at a time,
    so heavy requests queue for it instead of crowding out the loop's share of the GIL."""
    if size < HEAVY_WORK:
        return work()
    global _computing
    if _computing is None:
        _computing = CapacityLimiter(_COMPUTING_THREADS)
    return await to_thread.run_sync(work, limiter=_computing)


def rows_in(rows: dict[uuid.UUID, list[PriceRow]]) -> int:
    return sum(map(len, rows.values()))


async def effective_prices(
    connection: AsyncConnection,
    subject: Pricing,
    *,
    start: datetime,
    end: datetime,
    interval: int | None,
) -> EffectivePrices:
    rows = await subject.prices(connection, start, end)
    return await computed_answer(subject, rows, start=start, end=end, interval=interval)


async def computed_answer(
    subject: Pricing,
    rows: dict[uuid.UUID, list[PriceRow]],
    *,
    start: datetime,
    end: datetime,
    interval: int | None,
) -> EffectivePrices:
    """``effective_answer``, off the event loop when it is heavy (``computed``)."""
    return await computed(
        lambda: effective_answer(subject, rows, start=start, end=end, interval=interval),
        size=rows_in(rows) + slots_in(start, end, interval),
    )


def slots_in(start: datetime, end: datetime, interval: int | None) -> int:
    """How many slots a resampled answer has (about): work that grows with the range."""
    return 0 if interval is None else (end - start) // timedelta(minutes=interval)


def effective_answer(
    subject: Pricing,
    rows: dict[uuid.UUID, list[PriceRow]],
    *,
    start: datetime,
    end: datetime,
    interval: int | None,
) -> EffectivePrices:
    """The answer from ``rows`` as ``Pricing.prices`` read them: no I/O, so that the
    connection can go back to the pool before this work."""
    with pricing_errors_as_422():
        segments = subject.tiled(rows, start, end, interval)
    items = intervals(segments)
    kinds = {item.includes_external_components for item in items if item.price is not None}
    return EffectivePrices(
        currency=subject.currency,
        from_=start,
        to=end,
        timezone=subject.timezone.key,
        price_basis=basis_of(kinds),
        intervals=items,
    )


async def current_interval(
    connection: AsyncConnection, subject: Pricing, *, now: datetime, interval: int | None
) -> EffectiveInterval:
    """The interval containing ``now``, seen within today and tomorrow (local days): a
    stretch is cut at those edges, which day-ahead prices never cross anyway."""
    today = now.astimezone(subject.timezone).date()
    start, _ = pricing.local_day_bounds(today, subject.timezone)
    _, end = pricing.local_day_bounds(today + timedelta(days=1), subject.timezone)
    rows = await subject.prices(connection, start, end)
    segments = subject.tiled(rows, start, end, interval)
    current = next(item for item in intervals(segments) if item.start <= now < item.end)
    if current.price is None:
        raise NoCurrentPrice()
    return current


async def cheapest_window(
    connection: AsyncConnection,
    subject: Pricing,
    *,
    start: datetime,
    end: datetime,
    minutes: int,
    contiguous: bool,
    range_fields: tuple[str, ...] = ("from", "to"),
) -> CheapestWindow:
    """``range_fields``: the parameters that gave the range, named when no window is known."""
    if minutes <= 0:
        raise Unprocessable.field("minutes", "must be a positive number of minutes")
    if timedelta(minutes=minutes) > end - start:
        raise Unprocessable.field("minutes", "is longer than the range from `from` to `to`")
    rows = await subject.prices(connection, start, end)

    def cheapest() -> tuple[Window[Priced] | None, PriceBasis | None]:
        curve = subject.curve_of(rows, start, end)
        with pricing_errors_as_422():
            if contiguous:
                window = pricing.cheapest_window(curve, start, end, minutes)
            else:
                window = pricing.cheapest_slots(
                    curve, start, end, minutes, subject.slot_minutes, subject.timezone
                )
        return window, price_basis(segment.origin for segment in pricing.tile(curve, start, end))

    window, basis = await computed(cheapest, size=rows_in(rows))
    if window is None:
        span = f"from {_utc_text(start)} to {_utc_text(end)}"
        message = (
            f"has no {minutes} minutes of known prices in a row {span}"
            if contiguous
            else f"has fewer than {minutes} minutes of known prices {span}"
        )
        raise Unprocessable(errors=[FieldError(field, message) for field in range_fields])
    return CheapestWindow(
        start=window.start,
        end=window.end,
        average_price=window.average_price,
        currency=subject.currency,
        price_basis=basis,
        slots=[_priced(slot) for slot in window.slots],
    )


def _standing_out(standing: pricing.StandingCharge | None) -> StandingChargeOut | None:
    if standing is None:
        return None
    return StandingChargeOut(
        standing.per_day, standing.days, standing.net, standing.vat, standing.total
    )


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _priced(slot: Segment[Priced]) -> PricedSlot:
    assert slot.price is not None, "a window's slots are wholly known"
    return PricedSlot(slot.start, slot.end, slot.price)


async def consumption_cost(
    connection: AsyncConnection, subject: Pricing, consumption: Sequence[pricing.Consumption]
) -> CostAnswer:
    tariff = subject.tariff
    standing = None if tariff is None else pricing.standing_charge(tariff, consumption)
    if not consumption:
        zero = Decimal(0)
        return CostAnswer(subject.currency, zero, zero, zero, None, _standing_out(standing), [])
    start = min(used.start for used in consumption)
    end = max(used.end for used in consumption)
    if end - start > MAX_RANGE:
        raise Unprocessable.field("consumption", "may span at most 366 days")
    rows = await subject.prices(connection, start, end)
    return await computed(
        lambda: cost_answer(subject, rows, consumption, (start, end), standing),
        size=rows_in(rows) + len(consumption),
    )


def cost_answer(
    subject: Pricing,
    rows: dict[uuid.UUID, list[PriceRow]],
    consumption: Sequence[pricing.Consumption],
    span: tuple[datetime, datetime],
    standing: pricing.StandingCharge | None,
) -> CostAnswer:
    """The cost of ``consumption`` from ``rows`` as ``Pricing.prices`` read them over
    ``span`` (its first start to its last end): no I/O."""
    curve = subject.curve_of(rows, *span)
    with pricing_errors_as_422():
        result = pricing.cost(curve, consumption)
    total = result.total_cost
    if standing is not None:
        total = pricing.canonical(pricing.EXACT.add(total, standing.total))
    return CostAnswer(
        currency=subject.currency,
        total_cost=total,
        covered_kwh=result.covered_kwh,
        uncovered_kwh=result.uncovered_kwh,
        price_basis=price_basis(
            piece.origin for piece in result.breakdown if piece.price is not None
        ),
        standing_charge=_standing_out(standing),
        breakdown=[
            CostPieceOut(
                piece.start,
                piece.end,
                piece.kwh,
                piece.price,
                piece.cost,
                *origin_fields(piece.origin),
            )
            for piece in result.breakdown
        ],
    )
