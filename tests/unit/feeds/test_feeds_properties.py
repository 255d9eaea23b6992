"""Properties of the feed parsers, checked over generated inputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from energy_contracts.feeds import (
    CsvUnit,
    FeedError,
    PricePoint,
    parse_awattar,
    parse_csv,
    parse_entsoe,
)

EUR_PER_MWH = st.decimals(
    min_value=Decimal("-500"), max_value=Decimal("4000"), places=2, allow_nan=False
)


def a44(
    start: datetime, minutes: int, slot_count: int, points: list[tuple[int, Decimal]], curve: str
) -> str:
    end = start + slot_count * timedelta(minutes=minutes)
    return (
        '<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:'
        'publicationdocument:7:3">'
        "<type>A44</type><TimeSeries><currency_Unit.name>EUR</currency_Unit.name>"
        f"<price_Measure_Unit.name>MWH</price_Measure_Unit.name><curveType>{curve}</curveType>"
        f"<Period><timeInterval><start>{start:%Y-%m-%dT%H:%MZ}</start>"
        f"<end>{end:%Y-%m-%dT%H:%MZ}</end></timeInterval><resolution>PT{minutes}M</resolution>"
        + "".join(
            f"<Point><position>{position}</position><price.amount>{price}</price.amount></Point>"
            for position, price in points
        )
        + "</Period></TimeSeries></Publication_MarketDocument>"
    )


@given(
    start=st.datetimes(
        min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).map(lambda instant: instant.replace(minute=0, second=0, microsecond=0)),
    minutes=st.sampled_from([15, 30, 60]),
    # Few distinct values, so that runs of repeated prices are common.
    prices=st.lists(
        st.sampled_from(["-5.01", "0", "0.00", "42.5", "97.41"]), min_size=1, max_size=120
    ),
)
def test_a03_omitting_repeats_reads_like_a01_listing_everything(
    start: datetime, minutes: int, prices: list[str]
) -> None:
    every_point = [(index, Decimal(price)) for index, price in enumerate(prices, start=1)]
    # A03 leaves out every position whose price equals the one before, the last one included.
    changes_only = [
        (position, price)
        for position, price in every_point
        if position == 1 or price != every_point[position - 2][1]
    ]

    listed = parse_entsoe(a44(start, minutes, len(prices), every_point, "A01"))
    compressed = parse_entsoe(a44(start, minutes, len(prices), changes_only, "A03"))

    assert compressed == listed
    assert listed.prices == [
        PricePoint(start + index * timedelta(minutes=minutes), price / 1000)
        for index, (_, price) in enumerate(every_point)
    ]


ZONES = ["Europe/Vienna", "America/New_York", "Australia/Lord_Howe"]


def _offset_changes(zone_name: str, year: int) -> list[tuple[str, datetime]]:
    """The instants of ``year`` at which the zone's UTC offset changes (found every 30 minutes)."""
    zone = ZoneInfo(zone_name)
    step = timedelta(minutes=30)
    instant = datetime(year, 1, 1, tzinfo=UTC)
    changes = []
    while instant.year == year:
        if instant.astimezone(zone).utcoffset() != (instant - step).astimezone(zone).utcoffset():
            changes.append((zone_name, instant))
        instant += step
    return changes


OFFSET_CHANGES = [change for zone in ZONES for change in _offset_changes(zone, 2024)]


@given(
    change=st.sampled_from(OFFSET_CHANGES),
    # Start up to a day and a half before the change, or a little after it.
    quarters_before=st.integers(min_value=-8, max_value=150),
    count=st.integers(min_value=1, max_value=200),
)
def test_increasing_naive_local_times_round_trip_through_daylight_saving(
    change: tuple[str, datetime], quarters_before: int, count: int
) -> None:
    zone_name, changes_at = change
    zone = ZoneInfo(zone_name)
    start = changes_at - quarters_before * timedelta(minutes=15)
    # By file order, the first occurrence of a repeated wall time is its earlier instant: a file
    # that begins inside the second pass of the repeated hour cannot be told apart from one that
    # begins in the first, so it is outside what the option promises.
    assume(start.astimezone(zone).fold == 0)
    instants = [start + index * timedelta(minutes=15) for index in range(count)]
    lines = ["timestamp,price\n"] + [
        f"{instant.astimezone(zone).replace(tzinfo=None):%Y-%m-%d %H:%M},{index}\n"
        for index, instant in enumerate(instants)
    ]

    by_order = parse_csv(lines, unit="kwh", timezone=zone_name, resolve_ambiguous_by_order=True)

    assert by_order.prices == [
        PricePoint(instant, Decimal(i)) for i, instant in enumerate(instants)
    ]
    walls = [instant.astimezone(zone).replace(tzinfo=None) for instant in instants]
    # A wall time formatted from a real instant is never skipped, so differing offsets for its
    # two folds mean it is repeated.
    if any(
        wall.replace(tzinfo=zone, fold=0).utcoffset()
        != wall.replace(tzinfo=zone, fold=1).utcoffset()
        for wall in walls
    ):
        with pytest.raises(FeedError, match="is ambiguous"):
            parse_csv(lines, unit="kwh", timezone=zone_name)
    else:
        assert parse_csv(lines, unit="kwh", timezone=zone_name) == by_order


@given(
    price=st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**6), max_value=10**6
    )
)
def test_csv_units_scale_exactly(price: Decimal) -> None:
    def read(unit: CsvUnit, written: str) -> Decimal:
        text = f"timestamp;price\n2024-01-15T00:00:00Z;{written}\n"
        parsed = parse_csv(text, unit=unit, delimiter=";", decimal_comma=True)
        return parsed.prices[0].price

    assert read("mwh", str(price).replace(".", ",")) * 1000 == price
    assert read("ct_kwh", str(price).replace(".", ",")) * 100 == price
    assert read("kwh", str(price).replace(".", ",")) == price


@given(
    entries=st.dictionaries(
        keys=st.integers(min_value=0, max_value=10_000),
        values=st.tuples(st.sampled_from([15, 30, 60]), EUR_PER_MWH),
        max_size=30,
    )
)
def test_awattar_entries_at_distinct_hours_come_back_sorted_and_exact(
    entries: dict[int, tuple[int, Decimal]],
) -> None:
    epoch_hour = 1_700_000_000_000 // 3_600_000 * 3_600_000
    data = [
        {
            "start_timestamp": epoch_hour + hour * 3_600_000,
            "end_timestamp": epoch_hour + hour * 3_600_000 + minutes * 60_000,
            "marketprice": float(price),  # aWATTar writes plain JSON numbers
            "unit": "Eur/MWh",
        }
        for hour, (minutes, price) in entries.items()
    ]
    text = json.dumps({"object": "list", "data": data})

    parsed = parse_awattar(text)

    expected_hours = sorted(entries)
    assert [point.timestamp for point in parsed.prices] == [
        datetime.fromtimestamp((epoch_hour + hour * 3_600_000) / 1000, tz=UTC)
        for hour in expected_hours
    ]
    assert [point.price for point in parsed.prices] == [
        entries[hour][1] / 1000 for hour in expected_hours
    ]
