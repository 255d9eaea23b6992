"""Local days, calendar months and the local minute grid across clock changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones
from zoneinfo import _zoneinfo as pure_zoneinfo  # type: ignore[attr-defined]

import pytest

from energy_contracts.pricing import add_calendar_months, local_day_bounds, local_grid
from energy_contracts.pricing.local_time import OFFSET_CHANGES_APART, utc_offset_changes

VIENNA = ZoneInfo("Europe/Vienna")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "expected_start", "expected_end", "hours"),
    [
        # 00:00 CET (+01) = 23:00Z the day before; next midnight is CEST (+02) = 22:00Z.
        (VIENNA, date(2024, 3, 31), utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), 23),
        (VIENNA, date(2024, 1, 15), utc(2024, 1, 14, 23), utc(2024, 1, 15, 23), 24),
        # 00:00 CEST (+02) = 22:00Z; next midnight is CET (+01) = 23:00Z.
        (VIENNA, date(2024, 10, 27), utc(2024, 10, 26, 22), utc(2024, 10, 27, 23), 25),
        # 00:00 GMT = 00:00Z; next midnight BST (+01) = 23:00Z.
        (LONDON, date(2024, 3, 31), utc(2024, 3, 31, 0), utc(2024, 3, 31, 23), 23),
        # 00:00 BST = 23:00Z the day before; next midnight GMT = 00:00Z.
        (LONDON, date(2024, 10, 27), utc(2024, 10, 26, 23), utc(2024, 10, 28, 0), 25),
        # 00:00 EST (-05) = 05:00Z; next midnight EDT (-04) = 04:00Z.
        (NEW_YORK, date(2024, 3, 10), utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), 23),
        # 00:00 EDT = 04:00Z; next midnight EST = 05:00Z.
        (NEW_YORK, date(2024, 11, 3), utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), 25),
    ],
)
def test_local_days_are_23_24_or_25_hours(
    tz: ZoneInfo, day: date, expected_start: datetime, expected_end: datetime, hours: int
) -> None:
    start, end = local_day_bounds(day, tz)

    assert (start, end) == (expected_start, expected_end)
    assert end - start == timedelta(hours=hours)
    assert start.tzinfo is UTC


def test_kolkata_hourly_grid_sits_on_half_past_utc() -> None:
    # IST is +05:30, so local 00:00, 01:00, 02:00 are 18:30Z, 19:30Z, 20:30Z.
    grid = local_grid(utc(2024, 6, 1, 18), utc(2024, 6, 1, 21), 60, KOLKATA)

    assert grid == [utc(2024, 6, 1, 18, 30), utc(2024, 6, 1, 19, 30), utc(2024, 6, 1, 20, 30)]


def test_lord_howe_fall_back_repeats_half_past_one_as_two_instants() -> None:
    # 2024-04-07 02:00 LHDT (+11) becomes 01:30 LHST (+10:30) at 15:00Z: the wall clock
    # shows 01:30 at 14:30Z and again at 15:00Z; every half hour is still a real half hour.
    start, end = local_day_bounds(date(2024, 4, 7), LORD_HOWE)
    grid = local_grid(start, end, 30, LORD_HOWE)

    assert (start, end) == (utc(2024, 4, 6, 13), utc(2024, 4, 7, 13, 30))  # 24.5 hours
    assert len(grid) == 49
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(grid))
    walls = [instant.astimezone(LORD_HOWE).strftime("%H:%M") for instant in grid[:6]]
    assert walls == ["00:00", "00:30", "01:00", "01:30", "01:30", "02:00"]


def test_lord_howe_spring_forward_skips_two_oclock() -> None:
    # 2024-10-06 02:00 LHST (+10:30) becomes 02:30 LHDT (+11) at 15:30Z.
    start, end = local_day_bounds(date(2024, 10, 6), LORD_HOWE)
    half_hours = local_grid(start, end, 30, LORD_HOWE)
    hours = local_grid(start, end, 60, LORD_HOWE)

    assert (start, end) == (utc(2024, 10, 5, 13, 30), utc(2024, 10, 6, 13))  # 23.5 hours
    assert len(half_hours) == 47
    walls = [instant.astimezone(LORD_HOWE).strftime("%H:%M") for instant in half_hours[:6]]
    assert walls == ["00:00", "00:30", "01:00", "01:30", "02:30", "03:00"]
    # On the hourly grid, 01:00 (+10:30) = 14:30Z is followed by 03:00 (+11) = 16:00Z.
    assert len(hours) == 23
    assert hours[1:3] == [utc(2024, 10, 5, 14, 30), utc(2024, 10, 5, 16)]


def test_vienna_grid_on_a_25_hour_day_has_25_hours() -> None:
    start, end = local_day_bounds(date(2024, 10, 27), VIENNA)

    grid = local_grid(start, end, 60, VIENNA)

    assert grid == [start + timedelta(hours=hour) for hour in range(25)]
    walls = [instant.astimezone(VIENNA).hour for instant in grid]
    assert walls == [0, 1, 2, 2, *range(3, 24)]


@pytest.mark.parametrize(
    ("instant", "months", "expected"),
    [
        # 2024-01-31 00:00 CET -> 2024-02-29 00:00 CET (leap year, clamped).
        (utc(2024, 1, 30, 23), 1, utc(2024, 2, 28, 23)),
        # 2023-01-31 00:00 CET -> 2023-02-28 00:00 CET.
        (utc(2023, 1, 30, 23), 1, utc(2023, 2, 27, 23)),
        # 2024-03-15 00:00 CET -> 2024-04-15 00:00 CEST: same wall time, one hour less UTC.
        (utc(2024, 3, 14, 23), 1, utc(2024, 4, 14, 22)),
        # 2024-02-29 12:00 CET + 12 months -> 2025-02-28 12:00 CET.
        (utc(2024, 2, 29, 11), 12, utc(2025, 2, 28, 11)),
        # 2023-03-31 02:30 CEST + 12 months -> 2024-03-31 02:30, which Vienna skips; fold=0
        # reads it with the offset before the gap (+01) -> 01:30Z (= 03:30 CEST).
        (utc(2023, 3, 31, 0, 30), 12, utc(2024, 3, 31, 1, 30)),
        # 2024-09-27 02:30 CEST + 1 month -> 2024-10-27 02:30, which Vienna shows twice; fold=0
        # means the first, still CEST (+02) -> 00:30Z.
        (utc(2024, 9, 27, 0, 30), 1, utc(2024, 10, 27, 0, 30)),
    ],
)
def test_calendar_months_keep_the_local_wall_time(
    instant: datetime, months: int, expected: datetime
) -> None:
    assert add_calendar_months(instant, months, VIENNA) == expected


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Vienna",
        "Europe/London",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",  # summer time is 30 minutes
        "America/St_Johns",  # -03:30 / -02:30
        "UTC",
    ],
)
@pytest.mark.parametrize("year", [2023, 2024, 2100])
def test_offset_changes_are_found_to_the_second(zone: str, year: int) -> None:
    tz = ZoneInfo(zone)
    first, last = utc(year, 1, 1), utc(year + 1, 1, 1)
    changes = utc_offset_changes(tz, first, last)
    for change, offset in changes:
        assert change.astimezone(tz).utcoffset() == offset
        assert (change - timedelta(seconds=1)).astimezone(tz).utcoffset() != offset
    # Every quarter hour of the year has the offset the changes say.
    expected = first.astimezone(tz).utcoffset()
    pending = list(changes)
    instant = first
    while instant < last:
        while pending and pending[0][0] <= instant:
            expected = pending.pop(0)[1]
        assert instant.astimezone(tz).utcoffset() == expected
        instant += timedelta(minutes=15)


def test_offset_changes_are_those_after_the_first_instant_up_to_the_last() -> None:
    spring, autumn = utc(2024, 3, 31, 1), utc(2024, 10, 27, 1)
    summer, winter = timedelta(hours=2), timedelta(hours=1)

    assert utc_offset_changes(VIENNA, utc(2023, 6, 1), utc(2025, 6, 1)) == [
        (utc(2023, 10, 29, 1), winter),
        (spring, summer),
        (autumn, winter),
        (utc(2025, 3, 30, 1), summer),
    ]
    assert utc_offset_changes(VIENNA, spring, autumn) == [(autumn, winter)]
    assert utc_offset_changes(VIENNA, spring - timedelta(microseconds=1), spring) == [
        (spring, summer)
    ]
    assert utc_offset_changes(VIENNA, spring, autumn - timedelta(microseconds=1)) == []
    # Kolkata has kept +05:30 since 1945.
    assert utc_offset_changes(KOLKATA, utc(1946, 1, 1), utc(2100, 1, 1)) == []


def test_offset_changes_of_tzdata_lie_further_apart_than_assumed() -> None:
    """The installed tzdata keeps the promise ``utc_offset_changes`` builds on. Its transition
    lists are only readable through the pure-Python zoneinfo (CPython's fallback of the C
    module the service uses; both read the same files); after them come POSIX rules, whose
    two changes a year lie months apart."""
    closest = timedelta.max
    for key in available_timezones():
        zone = pure_zoneinfo.ZoneInfo.no_cache(key)
        offset = zone._tti_before.utcoff if zone._tti_before else None
        changes = []
        for instant, kind in zip(zone._trans_utc, zone._ttinfos, strict=True):
            if kind.utcoff != offset:
                changes.append(instant)
            offset = kind.utcoff
        gaps = [later - earlier for earlier, later in itertools.pairwise(changes)]
        closest = min([closest, *(timedelta(seconds=gap) for gap in gaps)])
    assert closest > OFFSET_CHANGES_APART
