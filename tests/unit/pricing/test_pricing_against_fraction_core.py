"""The scaled-integer core gives what the Fraction core gave, Decimal for Decimal.

``fraction_core`` is the pricing core as it was before the rewrite, frozen. Every public
function is run through both on random curves — negative, zero and many-place prices in
several spellings (``0.10``, ``1E-3``, ``-0``), gaps, overrides, microsecond boundaries —
around clock changes of zones with whole-hour, half-hour and no daylight saving, and across
leap days; results are compared digit for digit (``str`` of each Decimal, each instant with
its ``tzinfo``), and so are the ``PricingInputError``s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from energy_contracts import pricing
from energy_contracts.pricing import Consumption, ContractType, PricingInputError, Segment
from tests.unit.pricing import fraction_core

ZONES = [
    "Europe/Vienna",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
# Around each zone's clock changes, leap days (2024-02-29, 2000 but not 2100) and years' ends.
BASES = [
    datetime(2024, 3, 30, 20, tzinfo=UTC),  # Europe: summer time begins 03-31 01:00Z
    datetime(2024, 10, 26, 20, tzinfo=UTC),  # Europe: summer time ends 10-27 01:00Z
    datetime(2024, 3, 10, 2, tzinfo=UTC),  # New York: begins 07:00Z
    datetime(2024, 11, 3, 1, tzinfo=UTC),  # New York: ends 06:00Z
    datetime(2024, 4, 6, 10, tzinfo=UTC),  # Lord Howe: ends 15:00Z (30 minutes)
    datetime(2024, 10, 5, 10, tzinfo=UTC),  # Lord Howe: begins 15:30Z
    datetime(2024, 2, 28, 12, tzinfo=UTC),
    datetime(2000, 2, 28, 12, tzinfo=UTC),
    datetime(2100, 2, 28, 12, tzinfo=UTC),
    datetime(2023, 12, 31, 12, tzinfo=UTC),
]
MICROSECOND = timedelta(microseconds=1)

zones = st.sampled_from(ZONES).map(ZoneInfo)
bases = st.sampled_from(BASES)
# Prices as partners send them and as they come back from a database: any sign, zero, up to
# 22 places, trailing zeros kept (0.10 is not spelled 0.1), exponents, negative zero; and
# prices of 11 places, whose means often fall exactly halfway at the 10th.
prices = st.one_of(
    st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(-(10**12), 10**12),
        st.integers(0, 22),
    ),
    st.integers(-9, 9).map(lambda units: Decimal(units).scaleb(-11)),
    st.sampled_from(["0", "-0", "0.000", "0.10", "0.1", "1E-3", "1E+2", "-12.50", "0.2"]).map(
        Decimal
    ),
)


@dataclasses.dataclass(frozen=True)
class Source:
    """An origin as the service has one: equal origins are equal, not the same object."""

    name: str


origins = st.sampled_from(["building", "user", "other"]).map(Source)


def respelled(price: Decimal) -> Decimal:
    """The same value with one more trailing zero (``0.1`` → ``0.10``)."""
    sign, digits, exponent = price.as_tuple()
    assert isinstance(exponent, int)
    return Decimal((sign, (*digits, 0), exponent - 1))


# Lengths in seconds, mostly whole minutes and quarter hours, sometimes any microsecond.
spans = st.one_of(
    st.integers(1, 8).map(lambda quarters: timedelta(minutes=15 * quarters)),
    st.integers(1, 240).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(1, 4 * 3600 * 10**6).map(lambda microseconds: microseconds * MICROSECOND),
)
gaps = st.one_of(st.just(timedelta(0)), spans)


@st.composite
def curves(draw: st.DrawFn, base: datetime, max_segments: int = 10) -> list[Segment[Source]]:
    """A curve: sorted, non-overlapping segments, touching or with gaps between them; equal
    neighbours (which tiling merges), also spelled differently, come up often."""
    segments: list[Segment[Source]] = []
    at = base + draw(st.sampled_from([timedelta(0), timedelta(minutes=-30), timedelta(hours=1)]))
    for _ in range(draw(st.integers(0, max_segments))):
        start = at + draw(gaps)
        at = start + draw(spans)
        previous = segments[-1].price if segments and segments[-1].price else Decimal(1)
        price = draw(st.one_of(prices, st.just(previous), st.just(respelled(previous))))
        segments.append(Segment(start, at, price, draw(origins)))
    return segments


@st.composite
def ranges(draw: st.DrawFn, base: datetime) -> tuple[datetime, datetime]:
    start = base + draw(st.integers(-2 * 3600, 16 * 3600)) * timedelta(seconds=1)
    start += draw(st.sampled_from([timedelta(0), timedelta(0), 17 * MICROSECOND]))
    return start, start + draw(spans) + draw(st.sampled_from([timedelta(0), timedelta(hours=6)]))


@st.composite
def effective_curves(draw: st.DrawFn, base: datetime) -> list[Segment[Source]]:
    """A curve alone, or a building's curve over a user-level one."""
    building = draw(curves(base))
    if draw(st.booleans()):
        return building
    user = draw(curves(base, max_segments=6))
    return fraction_core.override(building, user)  # type: ignore[no-any-return]


def canonical(value: Any) -> Any:
    """``value`` with every Decimal as its text and every datetime with its tzinfo, so that
    equal results are equal digit for digit, not merely in value."""
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if isinstance(value, datetime):
        return ("datetime", value, value.tzinfo)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [canonical(getattr(value, field.name)) for field in dataclasses.fields(value)]
        return (type(value).__name__, *fields)
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("result", canonical(call()))
    except PricingInputError as error:
        return ("PricingInputError", error.parameter, error.message)


def same(new: Callable[[], Any], old: Callable[[], Any]) -> None:
    assert outcome(new) == outcome(old)


@settings(deadline=None, max_examples=300)
@given(base=bases, data=st.data())
def test_tile_and_override(base: datetime, data: st.DataObject) -> None:
    building, user = data.draw(curves(base)), data.draw(curves(base, max_segments=6))
    start, end = data.draw(ranges(base))

    same(lambda: pricing.override(building, user), lambda: fraction_core.override(building, user))
    curve = fraction_core.override(building, user)
    same(lambda: pricing.tile(curve, start, end), lambda: fraction_core.tile(curve, start, end))
    # Bounds in another zone, or backwards: converted or refused alike.
    local = ZoneInfo(data.draw(st.sampled_from(ZONES)))
    same(
        lambda: pricing.tile(curve, start.astimezone(local), end),
        lambda: fraction_core.tile(curve, start.astimezone(local), end),
    )
    same(lambda: pricing.tile(curve, end, start), lambda: fraction_core.tile(curve, end, start))


@settings(deadline=None, max_examples=300)
@given(tz=zones, base=bases, data=st.data())
def test_resample_and_local_grid(tz: ZoneInfo, base: datetime, data: st.DataObject) -> None:
    curve = data.draw(effective_curves(base))
    start, end = data.draw(ranges(base))
    minutes = data.draw(st.sampled_from([15, 30, 60, 60, 1, 5, 20, 45]))

    same(
        lambda: pricing.resample(curve, start, end, minutes, tz),
        lambda: fraction_core.resample(curve, start, end, minutes, tz),
    )
    if 60 % minutes == 0:
        same(
            lambda: pricing.local_grid(start, end, minutes, tz),
            lambda: fraction_core.local_grid(start, end, minutes, tz),
        )


@settings(deadline=None, max_examples=300)
@given(base=bases, data=st.data())
def test_cheapest_window(base: datetime, data: st.DataObject) -> None:
    curve = data.draw(effective_curves(base))
    start, end = data.draw(ranges(base))
    minutes = data.draw(st.one_of(st.integers(1, 240), st.sampled_from([60, 120, 180])))

    same(
        lambda: pricing.cheapest_window(curve, start, end, minutes),
        lambda: fraction_core.cheapest_window(curve, start, end, minutes),
    )


@settings(deadline=None, max_examples=300)
@given(tz=zones, base=bases, data=st.data())
def test_cheapest_slots(tz: ZoneInfo, base: datetime, data: st.DataObject) -> None:
    curve = data.draw(effective_curves(base))
    start, end = data.draw(ranges(base))
    minutes = data.draw(st.one_of(st.integers(1, 240), st.sampled_from([60, 120, 180])))
    slot_minutes = data.draw(st.sampled_from([15, 30, 60, 7]))

    same(
        lambda: pricing.cheapest_slots(curve, start, end, minutes, slot_minutes, tz),
        lambda: fraction_core.cheapest_slots(curve, start, end, minutes, slot_minutes, tz),
    )


@settings(deadline=None, max_examples=200)
@given(
    tz=zones,
    base=bases,
    units=st.lists(st.integers(-9, 9), min_size=1, max_size=24),
    minutes=st.sampled_from([30, 60]),
)
# 0.5e-10 rounds to 0 and 1.5e-10 to 2e-10; 2.5e-10 over an hour rounds to 2e-10.
@example(tz=ZoneInfo("Europe/Vienna"), base=BASES[6], units=[4, 6, 9, 6], minutes=30)
@example(tz=ZoneInfo("Europe/Vienna"), base=BASES[6], units=[9, 9, 9, 3], minutes=60)
def test_means_that_fall_halfway(
    tz: ZoneInfo, base: datetime, units: list[int], minutes: int
) -> None:
    """Quarter hours priced in 1e-11 steps: the mean of two or four of them often falls
    exactly halfway between two 10th places, where only half-to-even decides."""
    quarter = timedelta(minutes=15)
    curve = [
        Segment(base + index * quarter, base + (index + 1) * quarter, Decimal(unit) / 10**11, "c")
        for index, unit in enumerate(units)
    ]
    start, end = base, base + len(units) * quarter

    same(
        lambda: pricing.resample(curve, start, end, minutes, tz),
        lambda: fraction_core.resample(curve, start, end, minutes, tz),
    )
    same(
        lambda: pricing.cheapest_window(curve, start, end, minutes),
        lambda: fraction_core.cheapest_window(curve, start, end, minutes),
    )
    same(
        lambda: pricing.cheapest_slots(curve, start, end, minutes, 15, tz),
        lambda: fraction_core.cheapest_slots(curve, start, end, minutes, 15, tz),
    )


kwh_amounts = st.one_of(
    st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(-(10**9), 10**9),
        st.integers(0, 14),
    ),
    st.sampled_from(["0", "0.250", "1", "1E+1", "-0.5"]).map(Decimal),
)


@st.composite
def consumptions(draw: st.DrawFn, base: datetime) -> list[Consumption]:
    """Meter readings: back to back quarter hours, or any intervals, overlapping or not, some
    with offsets other than UTC."""
    used: list[Consumption] = []
    regular = draw(st.booleans())
    at = base + draw(st.integers(-3600, 3600)) * timedelta(seconds=1)
    for _ in range(draw(st.integers(0, 8))):
        if regular:
            start, end = at, at + timedelta(minutes=15)
            at = end
        else:
            start, end = draw(ranges(base))
        if draw(st.integers(0, 5)) == 0:
            start = start.astimezone(timezone(timedelta(hours=5, minutes=30)))
        used.append(Consumption(start, end, draw(kwh_amounts)))
    return used


@settings(deadline=None, max_examples=300)
@given(base=bases, data=st.data())
def test_cost(base: datetime, data: st.DataObject) -> None:
    curve = data.draw(effective_curves(base))
    used = data.draw(consumptions(base))

    same(lambda: pricing.cost(curve, used), lambda: fraction_core.cost(curve, used))


@settings(deadline=None, max_examples=500)
@given(
    listed=st.lists(st.one_of(st.none(), prices), max_size=40),
    flat=st.one_of(st.none(), prices),
    spread_out=st.booleans(),
)
@example(listed=[Decimal("0.2")] * 5 + [Decimal("0.21")], flat=None, spread_out=False)
@example(listed=[Decimal(0)] * 4, flat=None, spread_out=False)
def test_levels(listed: list[Decimal | None], flat: Decimal | None, spread_out: bool) -> None:
    # Nearly flat lists (where the magnitude sets the scale) as well as spread-out ones.
    if flat is not None:
        listed = [None if p is None else flat + p.scaleb(-6) for p in listed]
    if spread_out:
        listed = [*listed, Decimal(-1000), Decimal(1000)]

    same(lambda: pricing.levels(listed), lambda: fraction_core.levels(listed))


@settings(deadline=None, max_examples=300)
@given(
    center=st.sampled_from([-2, -1, 1, 2, 3]),
    cents=st.lists(st.one_of(st.none(), st.integers(-40, 40)), min_size=1, max_size=30),
)
def test_levels_where_spread_and_magnitude_are_close(center: int, cents: list[int | None]) -> None:
    """Prices a few cents around one level: the spread is near a fifth of the mean magnitude,
    where the scale switches from one to the other."""
    listed = [None if cent is None else center + Decimal(cent) / 100 for cent in cents]

    same(lambda: pricing.levels(listed), lambda: fraction_core.levels(listed))


@settings(deadline=None, max_examples=300)
@given(
    tz=zones,
    base=bases,
    contract_type=st.sampled_from(list(ContractType)),
    interval_minutes=st.sampled_from([15, 30, 60]),
    data=st.data(),
)
def test_build_curve(
    tz: ZoneInfo,
    base: datetime,
    contract_type: ContractType,
    interval_minutes: int,
    data: st.DataObject,
) -> None:
    """As a repository hands the rows over (ascending UTC instants), and otherwise: unsorted,
    duplicated, in other offsets, naive, not finite."""
    step = data.draw(st.sampled_from([timedelta(minutes=interval_minutes), timedelta(days=20)]))
    count = data.draw(st.integers(0, 30))
    instants = [base + index * step for index in range(count)]
    if count and data.draw(st.booleans()):
        instants = data.draw(st.permutations(instants))
        instants[0] = data.draw(st.sampled_from(instants))
    if count and data.draw(st.integers(0, 4)) == 0:
        instants[-1] = data.draw(
            st.sampled_from(
                [
                    instants[-1].astimezone(tz),
                    instants[-1].replace(tzinfo=None),
                    instants[-1].astimezone(timezone(timedelta(hours=-3))),
                ]
            )
        )
    rows = [(instant, data.draw(prices)) for instant in instants]
    if rows and data.draw(st.integers(0, 9)) == 0:
        rows[0] = (rows[0][0], Decimal("NaN"))

    same(
        lambda: pricing.build_curve_from_pairs(
            rows, contract_type, interval_minutes=interval_minutes, tz=tz, origin="c"
        ),
        lambda: fraction_core.build_curve_from_pairs(
            rows, contract_type, interval_minutes=interval_minutes, tz=tz, origin="c"
        ),
    )


def test_a_year_of_quarter_hours_resampled_and_costed() -> None:
    """A leap year of quarter hours in Vienna, both clock changes in it, priced, resampled to
    hours and costed, with prices of five places as the day-ahead market sends them."""
    vienna = ZoneInfo("Europe/Vienna")
    start, _ = pricing.local_day_bounds(datetime(2024, 1, 1).date(), vienna)
    _, end = pricing.local_day_bounds(datetime(2024, 12, 31).date(), vienna)
    quarter = timedelta(minutes=15)
    rows = [
        (start + index * quarter, Decimal((index * 7919) % 40000 - 5000).scaleb(-5))
        for index in range((end - start) // quarter)
    ]
    curve = pricing.build_curve_from_pairs(
        rows, ContractType.SPOT_HOURLY, interval_minutes=15, tz=vienna, origin="c"
    )
    used = [
        Consumption(instant, instant + quarter, Decimal((index * 37) % 900 + 100).scaleb(-3))
        for index, (instant, _) in enumerate(rows)
    ]

    assert len(rows) == 35_136
    same(
        lambda: pricing.resample(curve, start, end, 60, vienna),
        lambda: fraction_core.resample(curve, start, end, 60, vienna),
    )
    same(lambda: pricing.cost(curve, used), lambda: fraction_core.cost(curve, used))


def test_cost_over_consumptions_of_many_unrelated_lengths() -> None:
    """Lengths whose least common multiple is too large to rank remainders as integers: the
    apportioning falls back to Fractions, with the same result."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    curve = [Segment(start, start + timedelta(days=2), Decimal("0.1234567"), "c")]
    primes = [p for p in range(1_000_003, 1_010_000, 2) if all(p % d for d in range(3, 1006, 2))]
    kwh = Decimal("0.3333333")
    used = [Consumption(start, start + prime * MICROSECOND, kwh) for prime in primes[:80]]

    same(lambda: pricing.cost(curve, used), lambda: fraction_core.cost(curve, used))
