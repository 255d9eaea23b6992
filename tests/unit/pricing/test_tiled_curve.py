"""``tiled_curve_from_pairs`` is ``tile(build_curve_from_pairs(…))``, whichever way it goes.

Its short way (stretches made straight from the columns) applies only where the entries that
meet the range follow each other without a gap and no two neighbours share a price; the
strategies below make such days often, and break them often (gaps, repeated prices,
entries out of order, ranges that start or end inside an entry, before or after all of
them), in zones and at instants around clock changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.pricing import (
    ContractType,
    Segment,
    build_curve_from_pairs,
    local_day_bounds,
    tile,
    tiled_curve_from_pairs,
)

# Zones and instants around their clock changes, leap days and years' ends.
from tests.unit.pricing.test_pricing_against_fraction_core import BASES, ZONES

Pairs = list[tuple[datetime, Decimal]]


@st.composite
def spot_days(draw: st.DrawFn) -> tuple[Pairs, int, datetime]:
    """Spot prices of one grid, mostly back to back, sometimes with gaps, repeated prices
    (a small set of them) or shuffled."""
    minutes = draw(st.sampled_from([15, 30, 60]))
    base = draw(st.sampled_from(BASES))
    count = draw(st.integers(min_value=0, max_value=40))
    gappy = draw(st.booleans())
    few_prices = draw(st.booleans())
    price = (
        st.sampled_from([Decimal("0.1"), Decimal("-0.05"), Decimal(0)])
        if few_prices
        else st.integers(min_value=-50_000, max_value=50_000).map(
            lambda units: Decimal(units).scaleb(-5)
        )
    )
    offset = 0
    pairs: Pairs = []
    for _ in range(count):
        if gappy and draw(st.integers(min_value=0, max_value=4)) == 0:
            offset += minutes * draw(st.integers(min_value=1, max_value=3))
        pairs.append((base + timedelta(minutes=offset), draw(price)))
        offset += minutes
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    return pairs, minutes, base


ranges = st.tuples(
    st.integers(min_value=-120, max_value=900), st.integers(min_value=1, max_value=1_000)
)


@settings(max_examples=400, deadline=None)
@given(day=spot_days(), zone=st.sampled_from(ZONES).map(ZoneInfo), bounds=ranges)
def test_spot_prices_tile_as_their_curve_does(
    day: tuple[Pairs, int, datetime], zone: ZoneInfo, bounds: tuple[int, int]
) -> None:
    pairs, minutes, base = day
    start = base + timedelta(minutes=bounds[0])
    end = start + timedelta(minutes=bounds[1])
    curve = build_curve_from_pairs(
        pairs, ContractType.SPOT_HOURLY, interval_minutes=minutes, tz=zone, origin="c"
    )
    tiled = tiled_curve_from_pairs(
        pairs,
        ContractType.SPOT_HOURLY,
        interval_minutes=minutes,
        tz=zone,
        origin="c",
        start=start,
        end=end,
    )
    assert tiled == tile(curve, start, end)


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from([ContractType.MONTHLY, ContractType.YEARLY]),
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    months=st.lists(st.integers(min_value=0, max_value=30), max_size=8, unique=True),
    prices=st.lists(
        st.sampled_from([Decimal("0.2"), Decimal("0.25"), Decimal("-0.01")]), min_size=8, max_size=8
    ),
    bounds=st.tuples(
        st.integers(min_value=-40, max_value=900), st.integers(min_value=1, max_value=800)
    ),
)
def test_monthly_and_yearly_prices_tile_as_their_curve_does(
    kind: ContractType,
    zone: ZoneInfo,
    months: list[int],
    prices: list[Decimal],
    bounds: tuple[int, int],
) -> None:
    first = datetime(2023, 1, 1, tzinfo=zone)
    pairs = [
        (
            first.replace(year=2023 + month // 12, month=month % 12 + 1).astimezone(UTC),
            price,
        )
        for month, price in zip(months, prices, strict=False)
    ]
    start = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=bounds[0])
    end = start + timedelta(days=bounds[1])
    curve = build_curve_from_pairs(pairs, kind, tz=zone, origin="c")
    tiled = tiled_curve_from_pairs(pairs, kind, tz=zone, origin="c", start=start, end=end)
    assert tiled == tile(curve, start, end)


def test_a_25_hour_day_of_quarter_hours_with_the_entry_before_it() -> None:
    vienna = ZoneInfo("Europe/Vienna")
    start, end = local_day_bounds(date(2024, 10, 27), vienna)
    quarter = timedelta(minutes=15)
    pairs = [(start - quarter + i * quarter, Decimal(i) / 100) for i in range(101)]
    tiled = tiled_curve_from_pairs(
        pairs,
        ContractType.SPOT_HOURLY,
        interval_minutes=15,
        tz=vienna,
        origin="c",
        start=start,
        end=end,
    )
    assert len(tiled) == 100
    assert tiled[0] == Segment(start, start + quarter, Decimal("0.01"), "c")
    assert tiled[-1] == Segment(end - quarter, end, Decimal("1"), "c")
    assert tiled == tile(
        build_curve_from_pairs(
            pairs, ContractType.SPOT_HOURLY, interval_minutes=15, tz=vienna, origin="c"
        ),
        start,
        end,
    )


def test_no_entries_is_one_unknown_stretch() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=1)
    assert tiled_curve_from_pairs(
        [], ContractType.SPOT_HOURLY, tz=ZoneInfo("UTC"), origin="c", start=start, end=end
    ) == [Segment(start, end, None, None)]
