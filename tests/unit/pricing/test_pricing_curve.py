"""build_curve, override and tile on hand-made examples."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from energy_contracts.pricing import (
    ContractType,
    PriceEntry,
    PricingInputError,
    Segment,
    build_curve,
    local_day_bounds,
    override,
    tile,
)

VIENNA = ZoneInfo("Europe/Vienna")
HOUR = timedelta(hours=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def vienna(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VIENNA)


def entry(timestamp: datetime, price: str) -> PriceEntry:
    return PriceEntry(timestamp, Decimal(price))


def test_spot_entries_hold_one_interval_and_gaps_stay_unknown() -> None:
    # 00:00, 01:00 and 03:00 hourly: 02:00-03:00 and after 04:00 have no price at all.
    entries = [
        entry(utc(2024, 5, 1, 3), "0.30"),
        entry(utc(2024, 5, 1, 0), "0.10"),
        entry(utc(2024, 5, 1, 1), "0.20"),
    ]

    curve = build_curve(
        entries, ContractType.SPOT_HOURLY, interval_minutes=60, tz=VIENNA, origin="c1"
    )

    assert tile(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 5)) == [
        Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), Decimal("0.10"), "c1"),
        Segment(utc(2024, 5, 1, 1), utc(2024, 5, 1, 2), Decimal("0.20"), "c1"),
        Segment(utc(2024, 5, 1, 2), utc(2024, 5, 1, 3), None, None),
        Segment(utc(2024, 5, 1, 3), utc(2024, 5, 1, 4), Decimal("0.30"), "c1"),
        Segment(utc(2024, 5, 1, 4), utc(2024, 5, 1, 5), None, None),
    ]


def test_quarter_hour_spot_entries_hold_fifteen_minutes() -> None:
    entries = [entry(utc(2025, 10, 1, 0, 0), "0.10"), entry(utc(2025, 10, 1, 0, 30), "0.20")]

    curve = build_curve(
        entries, ContractType.SPOT_HOURLY, interval_minutes=15, tz=VIENNA, origin="c1"
    )

    assert [(s.start, s.end) for s in curve] == [
        (utc(2025, 10, 1, 0, 0), utc(2025, 10, 1, 0, 15)),
        (utc(2025, 10, 1, 0, 30), utc(2025, 10, 1, 0, 45)),
    ]


def test_hourly_spot_prices_fill_a_25_hour_day_without_dropping_the_repeated_hour() -> None:
    # 2024-10-27 in Vienna runs 22:00Z to 23:00Z next day: 25 hourly prices, one per hour,
    # two of them at wall time 02:00 (CEST, then CET).
    start, end = local_day_bounds(date(2024, 10, 27), VIENNA)
    entries = [entry(start + hour * HOUR, f"0.{hour:02d}") for hour in range(25)]

    curve = build_curve(entries, ContractType.SPOT_HOURLY, tz=VIENNA, origin="c1")
    tiled = tile(curve, start, end)

    assert len(tiled) == 25
    assert [piece.price for piece in tiled] == [Decimal(f"0.{hour:02d}") for hour in range(25)]
    assert [piece.start.astimezone(VIENNA).hour for piece in tiled[:5]] == [0, 1, 2, 2, 3]


def test_monthly_entry_across_a_leap_february() -> None:
    # 2024-02-01 00:00 CET = 01-31T23:00Z holds to 2024-03-01 00:00 CET = 02-29T23:00Z:
    # 29 days. The entry of 2024-04-01 does not reach back: March is a gap.
    entries = [entry(vienna(2024, 2, 1), "0.25"), entry(vienna(2024, 4, 1), "0.27")]

    curve = build_curve(entries, ContractType.MONTHLY, tz=VIENNA, origin="c1")

    assert curve[0] == Segment(utc(2024, 1, 31, 23), utc(2024, 2, 29, 23), Decimal("0.25"), "c1")
    assert curve[0].end - curve[0].start == timedelta(days=29)
    # 2024-04-01 00:00 CEST = 03-31T22:00Z to 2024-05-01 00:00 CEST = 04-30T22:00Z.
    assert curve[1] == Segment(utc(2024, 3, 31, 22), utc(2024, 4, 30, 22), Decimal("0.27"), "c1")
    assert tile(curve, utc(2024, 3, 1), utc(2024, 3, 2)) == [
        Segment(utc(2024, 3, 1), utc(2024, 3, 2), None, None)
    ]


def test_monthly_entry_across_a_plain_february() -> None:
    # 2023-02-01 00:00 CET = 01-31T23:00Z to 2023-03-01 00:00 CET = 02-28T23:00Z: 28 days.
    curve = build_curve(
        [entry(vienna(2023, 2, 1), "0.25")], ContractType.MONTHLY, tz=VIENNA, origin="c1"
    )

    assert (curve[0].start, curve[0].end) == (utc(2023, 1, 31, 23), utc(2023, 2, 28, 23))


@pytest.mark.parametrize(
    ("year", "expected_end"),
    [
        # 2024-01-31 00:00 CET -> 2024-02-29 00:00 CET = 02-28T23:00Z.
        (2024, utc(2024, 2, 28, 23)),
        # 2023-01-31 00:00 CET -> 2023-02-28 00:00 CET = 02-27T23:00Z.
        (2023, utc(2023, 2, 27, 23)),
    ],
)
def test_monthly_entry_on_the_31st_is_clamped_to_the_end_of_february(
    year: int, expected_end: datetime
) -> None:
    curve = build_curve(
        [entry(vienna(year, 1, 31), "0.25")], ContractType.MONTHLY, tz=VIENNA, origin="c1"
    )

    assert curve[0].end == expected_end


def test_monthly_entry_is_cut_short_by_the_next_entry() -> None:
    entries = [entry(vienna(2024, 1, 1), "0.25"), entry(vienna(2024, 1, 15), "0.26")]

    curve = build_curve(entries, ContractType.MONTHLY, tz=VIENNA, origin="c1")

    assert curve[0].end == curve[1].start == utc(2024, 1, 14, 23)


def test_yearly_entry_holds_one_local_calendar_year() -> None:
    # 2024-01-01 00:00 Vienna = 2023-12-31T23:00Z holds until 2025-01-01 00:00 Vienna
    # = 2024-12-31T23:00Z, after which the price is unknown.
    curve = build_curve(
        [entry(vienna(2024, 1, 1), "0.31")], ContractType.YEARLY, tz=VIENNA, origin="c1"
    )

    assert curve == [Segment(utc(2023, 12, 31, 23), utc(2024, 12, 31, 23), Decimal("0.31"), "c1")]
    assert tile(curve, utc(2024, 12, 31, 22), utc(2025, 1, 1)) == [
        Segment(utc(2024, 12, 31, 22), utc(2024, 12, 31, 23), Decimal("0.31"), "c1"),
        Segment(utc(2024, 12, 31, 23), utc(2025, 1, 1), None, None),
    ]


def test_yearly_entry_on_february_29_ends_on_february_28() -> None:
    curve = build_curve(
        [entry(utc(2024, 2, 29, 12), "0.31")], ContractType.YEARLY, tz=ZoneInfo("UTC"), origin=1
    )

    assert curve[0].end == utc(2025, 2, 28, 12)


def test_override_lets_the_building_win_and_the_user_fill_in() -> None:
    building = [
        Segment(utc(2024, 5, 1, 10), utc(2024, 5, 1, 11), Decimal("0.30"), "building"),
        Segment(utc(2024, 5, 1, 11, 30), utc(2024, 5, 1, 12), Decimal("0.35"), "building"),
    ]
    user = [Segment(utc(2024, 5, 1, 8), utc(2024, 5, 1, 14), Decimal("0.20"), "user")]

    effective = override(building, user)

    assert tile(effective, utc(2024, 5, 1, 7), utc(2024, 5, 1, 14)) == [
        Segment(utc(2024, 5, 1, 7), utc(2024, 5, 1, 8), None, None),
        Segment(utc(2024, 5, 1, 8), utc(2024, 5, 1, 10), Decimal("0.20"), "user"),
        Segment(utc(2024, 5, 1, 10), utc(2024, 5, 1, 11), Decimal("0.30"), "building"),
        Segment(utc(2024, 5, 1, 11), utc(2024, 5, 1, 11, 30), Decimal("0.20"), "user"),
        Segment(utc(2024, 5, 1, 11, 30), utc(2024, 5, 1, 12), Decimal("0.35"), "building"),
        Segment(utc(2024, 5, 1, 12), utc(2024, 5, 1, 14), Decimal("0.20"), "user"),
    ]


def test_tile_merges_equal_prices_only_from_the_same_origin() -> None:
    curve = [
        Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), Decimal("0.20"), "user"),
        Segment(utc(2024, 5, 1, 1), utc(2024, 5, 1, 2), Decimal("0.200"), "user"),
        Segment(utc(2024, 5, 1, 2), utc(2024, 5, 1, 3), Decimal("0.20"), "building"),
    ]

    assert tile(curve, utc(2024, 5, 1, 0, 30), utc(2024, 5, 1, 2, 30)) == [
        Segment(utc(2024, 5, 1, 0, 30), utc(2024, 5, 1, 2), Decimal("0.20"), "user"),
        Segment(utc(2024, 5, 1, 2), utc(2024, 5, 1, 2, 30), Decimal("0.20"), "building"),
    ]


def test_tile_of_an_empty_curve_is_one_unknown_stretch() -> None:
    assert tile([], vienna(2024, 5, 1), vienna(2024, 5, 2)) == [
        Segment(utc(2024, 4, 30, 22), utc(2024, 5, 1, 22), None, None)
    ]


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(PricingInputError) as empty_range:
        tile([], utc(2024, 5, 1), utc(2024, 5, 1))
    with pytest.raises(PricingInputError) as naive:
        tile([], datetime(2024, 5, 1), utc(2024, 5, 2))
    with pytest.raises(PricingInputError) as duplicate:
        build_curve(
            [entry(utc(2024, 5, 1), "0.1"), entry(vienna(2024, 5, 1, 2), "0.2")],
            ContractType.SPOT_HOURLY,
            tz=VIENNA,
            origin="c1",
        )
    with pytest.raises(PricingInputError) as no_interval:
        build_curve([], ContractType.SPOT_HOURLY, interval_minutes=0, tz=VIENNA, origin="c1")
    with pytest.raises(PricingInputError) as not_finite:
        build_curve([entry(utc(2024, 5, 1), "NaN")], ContractType.YEARLY, tz=VIENNA, origin=1)

    assert empty_range.value.parameter == "end"
    assert naive.value.parameter == "start"
    assert duplicate.value.parameter == "entries"
    assert no_interval.value.parameter == "interval_minutes"
    assert not_finite.value.parameter == "entries[0].price"
    assert not isinstance(empty_range.value, ValueError)
