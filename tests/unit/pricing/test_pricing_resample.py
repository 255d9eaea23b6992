"""resample on the local grid: means, partial slots, clock changes, origins."""

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
    resample,
)

VIENNA = ZoneInfo("Europe/Vienna")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
UTC_ZONE = ZoneInfo("UTC")
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def spot_curve(
    start: datetime, prices: list[str], interval_minutes: int = 60
) -> list[Segment[str]]:
    step = timedelta(minutes=interval_minutes)
    entries = [PriceEntry(start + i * step, Decimal(price)) for i, price in enumerate(prices)]
    return build_curve(
        entries,
        ContractType.SPOT_HOURLY,
        interval_minutes=interval_minutes,
        tz=VIENNA,
        origin="c1",
    )


def test_quarter_hours_resampled_to_hours_average_by_time() -> None:
    curve = spot_curve(
        utc(2025, 10, 1, 0), ["0.10", "0.20", "0.30", "0.45", "0.10", "0.10", "0.10", "0.20"], 15
    )

    slots = resample(curve, utc(2025, 10, 1, 0), utc(2025, 10, 1, 2), 60, UTC_ZONE)

    assert slots == [
        # (0.10 + 0.20 + 0.30 + 0.45) / 4 = 1.05 / 4
        Segment(utc(2025, 10, 1, 0), utc(2025, 10, 1, 1), Decimal("0.2625"), "c1"),
        # (3 × 0.10 + 0.20) / 4 = 0.50 / 4
        Segment(utc(2025, 10, 1, 1), utc(2025, 10, 1, 2), Decimal("0.125"), "c1"),
    ]


def test_hourly_prices_on_a_quarter_hour_grid_keep_their_exact_value() -> None:
    curve = spot_curve(utc(2024, 5, 1, 0), ["0.1234567890123"])

    slots = resample(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), 15, VIENNA)

    assert slots == [
        Segment(utc(2024, 5, 1, 0) + i * QUARTER, utc(2024, 5, 1, 0) + (i + 1) * QUARTER,
                Decimal("0.1234567890123"), "c1")
        for i in range(4)
    ]  # fmt: skip


def test_a_mixed_mean_is_rounded_half_even_to_ten_places() -> None:
    # (0.1 × 20 min + 0.2 × 40 min) / 60 min = 10 / 60 = 0.1666…
    curve = [
        Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 0, 20), Decimal("0.1"), "c1"),
        Segment(utc(2024, 5, 1, 0, 20), utc(2024, 5, 1, 1), Decimal("0.2"), "c1"),
    ]

    slots = resample(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), 60, UTC_ZONE)

    assert [slot.price for slot in slots] == [Decimal("0.1666666667")]


def test_kolkata_hours_start_at_half_past_utc_and_mix_two_utc_hours() -> None:
    # IST is +05:30: local 06:00 and 07:00 are 00:30Z and 01:30Z; each local hour takes half
    # of two UTC-hour prices.
    curve = spot_curve(utc(2024, 6, 1, 0), ["0.10", "0.20", "0.40"])

    slots = resample(curve, utc(2024, 6, 1, 0), utc(2024, 6, 1, 3), 60, KOLKATA)

    assert slots == [
        Segment(utc(2024, 6, 1, 0), utc(2024, 6, 1, 0, 30), Decimal("0.10"), "c1"),
        # (0.10 + 0.20) / 2
        Segment(utc(2024, 6, 1, 0, 30), utc(2024, 6, 1, 1, 30), Decimal("0.15"), "c1"),
        # (0.20 + 0.40) / 2
        Segment(utc(2024, 6, 1, 1, 30), utc(2024, 6, 1, 2, 30), Decimal("0.3"), "c1"),
        Segment(utc(2024, 6, 1, 2, 30), utc(2024, 6, 1, 3), Decimal("0.40"), "c1"),
    ]


def test_a_25_hour_day_has_25_hourly_slots() -> None:
    start, end = local_day_bounds(date(2024, 10, 27), VIENNA)
    curve = spot_curve(start, [f"0.{hour:02d}" for hour in range(25)])

    slots = resample(curve, start, end, 60, VIENNA)

    assert len(slots) == 25
    assert all(slot.end - slot.start == HOUR for slot in slots)
    assert [slot.price for slot in slots] == [Decimal(f"0.{hour:02d}") for hour in range(25)]


def test_a_23_hour_day_has_23_hourly_slots() -> None:
    start, end = local_day_bounds(date(2024, 3, 31), VIENNA)
    curve = spot_curve(start, [f"0.{hour:02d}" for hour in range(23)])

    slots = resample(curve, start, end, 60, VIENNA)

    assert len(slots) == 23
    assert [slot.start.astimezone(VIENNA).hour for slot in slots[:4]] == [0, 1, 3, 4]


@pytest.mark.parametrize(
    ("day", "half_hours", "hours"),
    [
        # 24.5 h: 02:00 LHDT falls back to 01:30 LHST.
        (date(2024, 4, 7), 49, 24),
        # 23.5 h: 02:00 LHST springs to 02:30 LHDT.
        (date(2024, 10, 6), 47, 23),
    ],
)
def test_lord_howe_half_hour_shift_on_a_half_hour_and_an_hour_grid(
    day: date, half_hours: int, hours: int
) -> None:
    start, end = local_day_bounds(day, LORD_HOWE)
    curve = [Segment(start, end, Decimal("0.2"), "c1")]

    by_half_hour = resample(curve, start, end, 30, LORD_HOWE)
    by_hour = resample(curve, start, end, 60, LORD_HOWE)

    assert len(by_half_hour) == half_hours
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in by_half_hour)
    # One hourly slot absorbs the half-hour shift: 90 minutes (both days, 01:00 to the next
    # on-grid wall time), every other slot is an hour.
    assert len(by_hour) == hours
    lengths = sorted({slot.end - slot.start for slot in by_hour})
    assert lengths == [HOUR, timedelta(minutes=90)]
    assert [slot.end - slot.start for slot in by_hour].count(timedelta(minutes=90)) == 1


def test_off_grid_range_gives_partial_first_and_last_slots() -> None:
    curve = spot_curve(utc(2024, 5, 1, 0), ["0.10", "0.20"])

    slots = resample(curve, utc(2024, 5, 1, 0, 40), utc(2024, 5, 1, 1, 10), 15, UTC_ZONE)

    assert [(slot.start.minute, slot.end.minute, slot.price) for slot in slots] == [
        (40, 45, Decimal("0.10")),
        (45, 0, Decimal("0.10")),
        (0, 10, Decimal("0.20")),
    ]


def test_a_slot_with_any_unknown_part_is_unknown_never_zero() -> None:
    # 00:00-00:50 known, then nothing: the second quarter of 00:45 is unknown.
    curve = [Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 0, 50), Decimal("0.10"), "c1")]

    slots = resample(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 1, 15), 15, UTC_ZONE)

    assert [slot.price for slot in slots] == [Decimal("0.10")] * 3 + [None, None]
    assert [slot.origin for slot in slots] == ["c1"] * 3 + [None, None]


def test_a_slot_shared_by_two_origins_takes_the_one_covering_more_time() -> None:
    curve = [
        Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 0, 20), Decimal("0.3"), "building"),
        Segment(utc(2024, 5, 1, 0, 20), utc(2024, 5, 1, 1, 30), Decimal("0.3"), "user"),
        Segment(utc(2024, 5, 1, 1, 30), utc(2024, 5, 1, 2), Decimal("0.5"), "building"),
    ]

    slots = resample(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 2), 60, UTC_ZONE)

    # 40 of 60 minutes are the user's; in the second hour 30/30 is a tie: the first wins.
    assert [(slot.price, slot.origin) for slot in slots] == [
        (Decimal("0.3"), "user"),
        (Decimal("0.4"), "user"),
    ]


def test_grid_steps_must_divide_the_hour() -> None:
    with pytest.raises(PricingInputError) as error:
        resample([], utc(2024, 5, 1), utc(2024, 5, 2), 7, UTC_ZONE)

    assert error.value.parameter == "minutes"
