"""Property-based tests of the pricing core against brute-force minute-by-minute models.

The curves are minute-aligned, so a brute force over every minute sees everything there is to
see; the time zones and base instants are chosen to straddle clock changes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.pricing import (
    Consumption,
    ContractType,
    Level,
    PriceEntry,
    Segment,
    build_curve,
    cheapest_slots,
    cheapest_window,
    cost,
    levels,
    override,
    resample,
    tile,
)

MINUTE = timedelta(minutes=1)
ZONES = [
    "Europe/Vienna",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
]
# A few hours before a clock change of each zone in 2024, and an ordinary day.
BASE_INSTANTS = [
    datetime(2024, 3, 30, 23, tzinfo=UTC),  # Vienna/London spring forward at 01:00Z
    datetime(2024, 10, 26, 22, tzinfo=UTC),  # Vienna/London fall back at 01:00Z
    datetime(2024, 3, 10, 5, tzinfo=UTC),  # New York spring forward at 07:00Z
    datetime(2024, 11, 3, 4, tzinfo=UTC),  # New York fall back at 06:00Z
    datetime(2024, 4, 6, 13, tzinfo=UTC),  # Lord Howe fall back at 15:00Z
    datetime(2024, 10, 5, 13, 30, tzinfo=UTC),  # Lord Howe spring forward at 15:30Z
    datetime(2024, 1, 15, 0, tzinfo=UTC),
]

CurveSpec = list[tuple[int, int, int, str]]

zones = st.sampled_from(ZONES).map(ZoneInfo)
base_instants = st.sampled_from(BASE_INSTANTS)
# Half the time a zone with one of its own clock changes ahead, so that every change (Lord
# Howe's half hour included) is hit often; otherwise any zone with any base instant.
CLOCK_CHANGES = [
    ("Europe/Vienna", BASE_INSTANTS[0]),
    ("Europe/Vienna", BASE_INSTANTS[1]),
    ("Europe/London", BASE_INSTANTS[0]),
    ("Europe/London", BASE_INSTANTS[1]),
    ("America/New_York", BASE_INSTANTS[2]),
    ("America/New_York", BASE_INSTANTS[3]),
    ("Australia/Lord_Howe", BASE_INSTANTS[4]),
    ("Australia/Lord_Howe", BASE_INSTANTS[5]),
]
zones_and_bases = st.one_of(
    st.sampled_from(CLOCK_CHANGES).map(lambda pair: (ZoneInfo(pair[0]), pair[1])),
    st.tuples(zones, base_instants),
)
origins = st.sampled_from(["building", "user"])
# Cent prices from -5.00 to 5.00: negative and zero prices are part of the game.
cent_prices = st.integers(min_value=-500, max_value=500).map(lambda cents: Decimal(cents) / 100)


def curve_specs(
    max_segments: int = 8, max_gap: int = 90, max_length: int = 120
) -> st.SearchStrategy[CurveSpec]:
    """(gap before, length, price in cents, origin) per segment, in minutes."""
    return st.lists(
        st.tuples(
            # Touching segments are the common case of real curves; gaps come in between.
            st.one_of(st.just(0), st.integers(min_value=0, max_value=max_gap)),
            st.integers(min_value=1, max_value=max_length),
            st.integers(min_value=-500, max_value=500),
            origins,
        ),
        max_size=max_segments,
    )


def make_curve(
    base: datetime, spec: CurveSpec, unit: timedelta = MINUTE, price_unit: Decimal = Decimal("0.01")
) -> list[Segment[str]]:
    """Back-to-back segments after their gaps; a gap of 0 makes two segments touch."""
    curve: list[Segment[str]] = []
    at = base
    for gap, length, price, origin in spec:
        start = at + gap * unit
        at = start + length * unit
        curve.append(Segment(start, at, price * price_unit, origin))
    return curve


def segment_at(curve: list[Segment[str]], instant: datetime) -> Segment[str] | None:
    for segment in curve:
        if segment.start <= instant < segment.end:
            return segment
    return None


def minutes_between(start: datetime, end: datetime) -> list[datetime]:
    count = (end - start) // MINUTE
    return [start + index * MINUTE for index in range(count)]


def documented_mean(prices: list[Decimal], weights: list[int]) -> Decimal:
    """The package's rule: one price stays as it is; a mix is rounded half-even to 1e-10."""
    if all(price == prices[0] for price in prices):
        return prices[0]
    exact = sum(
        (Fraction(price) * weight for price, weight in zip(prices, weights, strict=True)),
        Fraction(0),
    ) / sum(weights)
    return Decimal(round(exact * 10**10)).scaleb(-10)


@st.composite
def ranges(
    draw: st.DrawFn, base: datetime, max_offset: int = 600, max_length: int = 600
) -> tuple[datetime, datetime]:
    start = base + draw(st.integers(min_value=0, max_value=max_offset)) * MINUTE
    return start, start + draw(st.integers(min_value=1, max_value=max_length)) * MINUTE


@settings(deadline=None, max_examples=150)
@given(base=base_instants, spec=curve_specs(), data=st.data())
def test_tile_covers_the_range_exactly_with_maximal_stretches(
    base: datetime, spec: CurveSpec, data: st.DataObject
) -> None:
    curve = make_curve(base, spec)
    start, end = data.draw(ranges(base))

    tiled = tile(curve, start, end)

    assert tiled[0].start == start
    assert tiled[-1].end == end
    for previous, following in itertools.pairwise(tiled):
        assert previous.end == following.start
        assert (previous.price, previous.origin) != (following.price, following.origin)
    for piece in tiled:
        assert piece.start < piece.end
        assert piece.start.tzinfo is UTC
        for minute in minutes_between(piece.start, piece.end):
            expected = segment_at(curve, minute)
            if expected is None:
                assert (piece.price, piece.origin) == (None, None)
            else:
                assert (piece.price, piece.origin) == (expected.price, expected.origin)


@settings(deadline=None, max_examples=150)
@given(
    base=base_instants,
    building_spec=curve_specs(),
    user_spec=curve_specs(max_gap=30, max_length=240),
)
def test_override_takes_the_building_price_wherever_it_is_known(
    base: datetime, building_spec: CurveSpec, user_spec: CurveSpec
) -> None:
    building = [
        Segment(s.start, s.end, s.price, "building") for s in make_curve(base, building_spec)
    ]
    user = [Segment(s.start, s.end, s.price, "user") for s in make_curve(base, user_spec)]

    effective = override(building, user)

    for previous, following in itertools.pairwise(effective):
        assert previous.end <= following.start
    horizon = base + timedelta(hours=20)
    for minute in minutes_between(base, horizon):
        expected = segment_at(building, minute) or segment_at(user, minute)
        found = segment_at(effective, minute)
        if expected is None:
            assert found is None
        else:
            assert found is not None
            assert (found.price, found.origin) == (expected.price, expected.origin)


@settings(deadline=None, max_examples=100)
@given(
    zone_and_base=zones_and_bases,
    spec=curve_specs(max_gap=20),
    minutes=st.sampled_from([15, 30, 60]),
    data=st.data(),
)
def test_resample_slots_sit_on_the_local_grid_and_carry_the_exact_mean(
    zone_and_base: tuple[ZoneInfo, datetime], spec: CurveSpec, minutes: int, data: st.DataObject
) -> None:
    tz, base = zone_and_base
    curve = make_curve(base, spec)
    start, end = data.draw(ranges(base, max_offset=240, max_length=360))

    slots = resample(curve, start, end, minutes, tz)

    grid_minutes = {
        minute
        for minute in minutes_between(start, end)
        if minute.astimezone(tz).minute % minutes == 0
    }
    assert {slot.start for slot in slots[1:]} == grid_minutes - {start}
    assert slots[0].start == start
    assert slots[-1].end == end
    for previous, following in itertools.pairwise(slots):
        assert previous.end == following.start
    for slot in slots:
        assert slot.start < slot.end
        covering = [segment_at(curve, minute) for minute in minutes_between(slot.start, slot.end)]
        if any(segment is None for segment in covering):
            assert (slot.price, slot.origin) == (None, None)
        else:
            prices = [segment.price for segment in covering if segment is not None]
            assert slot.price == documented_mean(
                [price for price in prices if price is not None], [1] * len(prices)
            )


@settings(deadline=None, max_examples=100)
@given(
    zone_and_base=zones_and_bases,
    lengths=st.lists(
        st.tuples(st.integers(min_value=1, max_value=8), st.integers(-30, 30), origins),
        min_size=1,
        max_size=30,
    ),
    minutes=st.sampled_from([15, 30, 60]),
    data=st.data(),
)
def test_resample_preserves_the_time_weighted_mean_over_known_ranges(
    zone_and_base: tuple[ZoneInfo, datetime],
    lengths: list[tuple[int, int, str]],
    minutes: int,
    data: st.DataObject,
) -> None:
    tz, base = zone_and_base
    # Quarter-hour segments and slots (every zone drawn has offsets in whole quarter hours), so
    # a slot spans k <= 8 quarter hours; prices in multiples of 0.21 = 0.01 × 3 × 7 make every
    # slot mean a short exact decimal, so nothing is rounded and the sums must match exactly.
    quarter = timedelta(minutes=15)
    curve = make_curve(
        base,
        [(0, length, price, origin) for length, price, origin in lengths],
        unit=quarter,
        price_unit=Decimal("0.21"),
    )
    known_quarters = sum(length for length, _, _ in lengths)
    first = data.draw(st.integers(min_value=0, max_value=known_quarters - 1))
    last = data.draw(st.integers(min_value=first + 1, max_value=known_quarters))
    start, end = base + first * quarter, base + last * quarter

    slots = resample(curve, start, end, minutes, tz)

    def seconds(segment: Segment[str]) -> int:
        return int((segment.end - segment.start).total_seconds())

    resampled_integral = sum(
        (slot.price * seconds(slot) for slot in slots if slot.price is not None), Decimal(0)
    )
    tiled_integral = sum(
        (
            piece.price * seconds(piece)
            for piece in tile(curve, start, end)
            if piece.price is not None
        ),
        Decimal(0),
    )
    assert all(slot.price is not None for slot in slots)
    assert resampled_integral == tiled_integral


@settings(deadline=None, max_examples=150)
@given(
    base=base_instants,
    spec=curve_specs(max_segments=6, max_gap=20, max_length=60),
    length=st.integers(min_value=0, max_value=240),
    minutes=st.integers(min_value=1, max_value=90),
    offset=st.integers(min_value=0, max_value=30),
)
def test_cheapest_window_is_never_beaten_by_any_minute_start(
    base: datetime, spec: CurveSpec, length: int, minutes: int, offset: int
) -> None:
    curve = make_curve(base, spec)
    start = base + offset * MINUTE
    end = start + (minutes + length) * MINUTE

    window = cheapest_window(curve, start, end, minutes)

    best: tuple[Fraction, datetime, list[Decimal]] | None = None
    for window_start in minutes_between(start, end - minutes * MINUTE + MINUTE):
        covering = [
            segment_at(curve, minute)
            for minute in minutes_between(window_start, window_start + minutes * MINUTE)
        ]
        if any(segment is None for segment in covering):
            continue
        prices = [segment.price for segment in covering if segment and segment.price is not None]
        mean = sum((Fraction(price) for price in prices), Fraction(0)) / minutes
        if best is None or mean < best[0]:
            best = (mean, window_start, prices)
    if best is None:
        assert window is None
        return
    assert window is not None
    assert window.start == best[1]
    assert window.end == best[1] + minutes * MINUTE
    assert window.average_price == documented_mean(best[2], [1] * minutes)
    assert window.slots == tile(curve, window.start, window.end)


@settings(deadline=None, max_examples=100)
@given(
    zone_and_base=zones_and_bases,
    spec=curve_specs(max_segments=6, max_gap=60),
    minutes=st.integers(min_value=1, max_value=180),
    slot_minutes=st.sampled_from([15, 30, 60]),
    data=st.data(),
)
def test_cheapest_slots_are_no_dearer_than_any_slot_left_out(
    zone_and_base: tuple[ZoneInfo, datetime],
    spec: CurveSpec,
    minutes: int,
    slot_minutes: int,
    data: st.DataObject,
) -> None:
    tz, base = zone_and_base
    curve = make_curve(base, spec)
    start, end = data.draw(ranges(base, max_offset=60, max_length=600))
    if end - start < minutes * MINUTE:
        end = start + minutes * MINUTE

    chosen = cheapest_slots(curve, start, end, minutes, slot_minutes, tz)

    known = [
        slot for slot in resample(curve, start, end, slot_minutes, tz) if slot.price is not None
    ]
    known_minutes = sum((slot.end - slot.start) // MINUTE for slot in known)
    if known_minutes < minutes:
        assert chosen is None
        return
    assert chosen is not None
    chosen_minutes = [(slot.end - slot.start) // MINUTE for slot in chosen.slots]
    assert sum(chosen_minutes) >= minutes
    assert chosen.slots == sorted(chosen.slots, key=lambda slot: slot.start)
    assert (chosen.start, chosen.end) == (chosen.slots[0].start, chosen.slots[-1].end)

    # Taken cheapest first, ties earlier first, until there are enough minutes: the last one
    # taken was needed, and every slot left out ranks after it.
    def rank(slot: Segment[str]) -> tuple[Decimal, datetime]:
        assert slot.price is not None
        return slot.price, slot.start

    last_taken = max(chosen.slots, key=rank)
    assert sum(chosen_minutes) - (last_taken.end - last_taken.start) // MINUTE < minutes
    for slot in known:
        if slot not in chosen.slots:
            assert rank(slot) > rank(last_taken)


@settings(deadline=None, max_examples=150)
@given(
    base=base_instants,
    spec=curve_specs(max_segments=6, max_gap=30, max_length=90),
    usage=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=300),
            st.integers(min_value=1, max_value=200),
            st.integers(min_value=-50, max_value=500),
        ),
        max_size=5,
    ),
)
def test_cost_equals_a_minute_by_minute_sum(
    base: datetime, spec: CurveSpec, usage: list[tuple[int, int, int]]
) -> None:
    curve = make_curve(base, spec)
    # kWh per minute in hundredths, so every piece's energy is an exact decimal.
    consumption = [
        Consumption(
            base + offset * MINUTE,
            base + (offset + length) * MINUTE,
            Decimal(per_minute * length) / 100,
        )
        for offset, length, per_minute in usage
    ]

    result = cost(curve, consumption)

    expected_cost = expected_covered = expected_uncovered = Decimal(0)
    for used in consumption:
        per_minute = used.kwh / ((used.end - used.start) // MINUTE)
        for minute in minutes_between(used.start, used.end):
            segment = segment_at(curve, minute)
            if segment is None or segment.price is None:
                expected_uncovered += per_minute
            else:
                expected_covered += per_minute
                expected_cost += per_minute * segment.price
    assert result.total_cost == expected_cost
    assert result.covered_kwh == expected_covered
    assert result.uncovered_kwh == expected_uncovered
    assert sum(
        (piece.cost for piece in result.breakdown if piece.cost is not None), Decimal(0)
    ) == (result.total_cost)
    for piece in result.breakdown:
        assert (piece.price is None) == (piece.cost is None)


@settings(deadline=None, max_examples=150)
@given(
    base=base_instants,
    spec=curve_specs(max_segments=6, max_gap=30, max_length=90),
    usage=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=300 * 60),
            st.integers(min_value=1, max_value=200 * 60),
            st.decimals(min_value=-10, max_value=1000, places=3, allow_nan=False),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_cost_keeps_its_sums_exact_whatever_the_rounding(
    base: datetime, spec: CurveSpec, usage: list[tuple[int, int, Decimal]]
) -> None:
    curve = make_curve(base, spec)
    second = timedelta(seconds=1)
    consumption = [
        Consumption(base + offset * second, base + (offset + length) * second, kwh)
        for offset, length, kwh in usage
    ]

    result = cost(curve, consumption)

    assert result.covered_kwh + result.uncovered_kwh == sum(
        (used.kwh for used in consumption), Decimal(0)
    )
    assert sum(
        (piece.cost for piece in result.breakdown if piece.cost is not None), Decimal(0)
    ) == (result.total_cost)
    # The breakdown lists each consumption's pieces in turn, tiling its interval.
    pieces = iter(result.breakdown)
    exact_total = Fraction(0)
    for used in consumption:
        kwh_per_second = Fraction(used.kwh) / ((used.end - used.start) // second)
        covered_until = used.start
        while covered_until < used.end:
            piece = next(pieces)
            assert piece.start == covered_until
            covered_until = piece.end
            if piece.price is None:
                continue
            exact = kwh_per_second * ((piece.end - piece.start) // second) * Fraction(piece.price)
            assert piece.cost is not None
            assert abs(Fraction(piece.cost) - exact) < Fraction(1, 10**10)
            exact_total += exact
    assert next(pieces, None) is None
    assert result.total_cost == Decimal(round(exact_total * 10**10)).scaleb(-10)


@settings(deadline=None, max_examples=100)
@given(
    tz=zones,
    contract_type=st.sampled_from(list(ContractType)),
    offsets=st.lists(st.integers(min_value=0, max_value=40_000), unique=True, max_size=12),
)
def test_build_curve_never_overlaps_and_never_outlasts_a_period(
    tz: ZoneInfo, contract_type: ContractType, offsets: list[int]
) -> None:
    # Offsets in hours from a day before a clock change; for spot prices, whole hours are on
    # every zone's 60-minute grid except Kolkata's and Lord Howe's, which is fine here: the
    # core does not police the grid, the API does.
    base = datetime(2024, 1, 30, 23, tzinfo=UTC)
    entries = [
        PriceEntry(base + timedelta(hours=offset), Decimal(offset % 7) - 3) for offset in offsets
    ]

    curve = build_curve(entries, contract_type, interval_minutes=60, tz=tz, origin="c1")

    assert [segment.start for segment in curve] == sorted(entry.timestamp for entry in entries)
    for previous, following in itertools.pairwise(curve):
        assert previous.end <= following.start
        assert (
            previous.end == following.start
            or {
                ContractType.SPOT_HOURLY: previous.end - previous.start == timedelta(hours=1),
                ContractType.MONTHLY: previous.end - previous.start >= timedelta(days=27),
                ContractType.YEARLY: previous.end - previous.start >= timedelta(days=364),
            }[contract_type]
        )
    for segment in curve:
        assert segment.start < segment.end
        assert (
            segment.end - segment.start
            <= {
                ContractType.SPOT_HOURLY: timedelta(hours=1),
                ContractType.MONTHLY: timedelta(days=31, hours=1),
                ContractType.YEARLY: timedelta(days=366, hours=1),
            }[contract_type]
        )


@settings(deadline=None, max_examples=200)
@given(
    prices=st.lists(
        st.one_of(st.none(), st.decimals(min_value=-5, max_value=5, places=4)), max_size=30
    )
)
def test_levels_never_rank_a_dearer_price_lower(prices: list[Decimal | None]) -> None:
    ranked = levels(prices)

    order = list(Level)
    assert len(ranked) == len(prices)
    pairs = [(p, level) for p, level in zip(prices, ranked, strict=True) if p is not None]
    assert all(level is not None for _, level in pairs)
    assert all(level is None for p, level in zip(prices, ranked, strict=True) if p is None)
    for price, level in pairs:
        for other_price, other_level in pairs:
            if price < other_price:
                assert level is not None
                assert other_level is not None
                assert order.index(level) <= order.index(other_level)
