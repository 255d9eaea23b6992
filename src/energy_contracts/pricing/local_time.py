"""Local calendars and clocks: days, calendar months and years, the local minute grid, and the
instants at which a zone's UTC offset changes.

Local wall times are turned into instants with ``fold=0`` (PEP 495): an ambiguous wall time (a
fall-back hour) means its first occurrence, and a wall time skipped by a spring-forward gap is
read with the offset in force before the gap, so it lands the gap's length later on the clock
(02:30 on a day Vienna skips 02:00-03:00 becomes 03:30 CEST).

Between two changes of its UTC offset a zone's wall clock runs with UTC, so everything that
depends on the wall clock (the grid, tariff windows) is plain arithmetic within each run of one
offset (``utc_offset_runs``); ``utc_offset_changes`` is the one place that finds where the
runs begin.
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from energy_contracts.pricing._arguments import grid_minutes

OFFSET_CHANGES_APART = timedelta(days=1)
"""Less than the time between any two changes of a zone's UTC offset in tzdata (the closest
two: Africa/Freetown in 1939, 96 hours apart), so one day holds at most one change;
tests/unit/pricing checks this against the installed tzdata."""

_ONE_SECOND = timedelta(seconds=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # midnight: on every grid that divides the hour
# One day short of datetime's ends: a zone's wall time there would overflow ``datetime``.
_FIRST_SCANNED = datetime(MINYEAR, 1, 2, tzinfo=UTC)
_LAST_SCANNED = datetime(MAXYEAR, 12, 31, tzinfo=UTC)


# A day read asks for its bounds twice (the range read with the building, then the answer's),
# and the same few days are asked for again and again: a few KB of memo against ~1.8 µs a
# call (two zone conversions).
@lru_cache(maxsize=4096)
def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day ``day`` in ``tz`` as a UTC range: its start to the next day's start.

    Such a day is 23, 24 or 25 hours long across daylight-saving changes.
    """
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def add_calendar_months(instant: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The instant ``months`` calendar months after ``instant`` on the local calendar of ``tz``.

    Same local wall time and day of month, clamped to the last day of a shorter month (Jan 31
    -> Feb 29 in a leap year, Feb 29 + 12 months -> Feb 28). Returned in UTC.
    """
    wall = instant.astimezone(tz).replace(tzinfo=None)
    month_index = wall.year * 12 + (wall.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(wall.day, calendar.monthrange(year, month)[1])
    later_wall = wall.replace(year=year, month=month, day=day)
    return later_wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def utc_offset_at(instant: datetime, tz: ZoneInfo) -> timedelta:
    """The UTC offset of ``tz`` at ``instant`` (aware)."""
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None  # a ZoneInfo has an offset at every instant
    return offset


def utc_offset_changes(
    tz: ZoneInfo, after: datetime, until: datetime
) -> list[tuple[datetime, timedelta]]:
    """Each change of ``tz``'s UTC offset in ``(after, until]``: ``(instant, new offset)``.

    Ascending, in UTC, exact to the microsecond (tzdata changes offsets on whole seconds). Only
    changes of the offset count, not of the zone's abbreviation or daylight-saving flag alone.
    ``after`` and ``until`` must be aware. The changes of each UTC year are found once per zone
    and year (see ``_offset_changes_in_year``) and kept, so this costs a few comparisons.
    """
    changes: list[tuple[datetime, timedelta]] = []
    for year in range(after.astimezone(UTC).year, until.astimezone(UTC).year + 1):
        for change, offset in _offset_changes_in_year(tz, year):
            if after < change <= until:
                changes.append((change, offset))
    return changes


def utc_offset_runs(
    tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """``[start, end)`` (aware, not empty) cut where ``tz``'s UTC offset changes: ``(run
    start, run end, offset)``, in UTC. Within a run the zone's wall clock runs with UTC,
    ``offset`` ahead of it."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    changes = utc_offset_changes(tz, start, end)
    run_starts = [start, *(change for change, _ in changes)]
    run_ends = [*run_starts[1:], end]
    offsets = [utc_offset_at(start, tz), *(offset for _, offset in changes)]
    return [
        (run_start, run_end, offset)
        for run_start, run_end, offset in zip(run_starts, run_ends, offsets, strict=True)
        if run_start < run_end
    ]


@lru_cache(maxsize=1024)
def _offset_changes_in_year(tz: ZoneInfo, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """``(instant, new UTC offset)`` of each change in ``(Jan 1, next Jan 1]`` of the UTC ``year``.

    One conversion per day: a day whose ends have the same offset holds no change (see
    ``OFFSET_CHANGES_APART``); where they differ it holds exactly one, found by bisection to
    the second, the resolution of tzdata. Cached: a service sees few zones and years.
    """
    changes: list[tuple[datetime, timedelta]] = []
    day = datetime(year, 1, 1, tzinfo=UTC) if year > MINYEAR else _FIRST_SCANNED
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if year < MAXYEAR else _LAST_SCANNED
    offset = utc_offset_at(day, tz)
    while day < end:
        next_day = min(day + OFFSET_CHANGES_APART, end)
        next_offset = utc_offset_at(next_day, tz)
        if next_offset != offset:
            before, after = day, next_day
            while after - before > _ONE_SECOND:
                middle = before + (after - before) // 2 // _ONE_SECOND * _ONE_SECOND
                if utc_offset_at(middle, tz) == offset:
                    before = middle
                else:
                    after = middle
            changes.append((after, next_offset))
        day, offset = next_day, next_offset
    return tuple(changes)


def local_grid(start: datetime, end: datetime, minutes: int, tz: ZoneInfo) -> list[datetime]:
    """The instants in ``[start, end)`` whose local wall time in ``tz`` is on the grid.

    On the grid means the wall clock shows a minute divisible by ``minutes`` and zero seconds.
    The instants are strictly increasing: in a fall-back hour the wall times repeat but the
    instants do not, and a spring-forward gap simply has no grid instants in it. Returned in
    UTC. ``start`` and ``end`` must be aware.
    """
    grid_minutes(minutes, "minutes")
    start = start.astimezone(UTC)
    if not start < end:
        return []
    step = timedelta(minutes=minutes)
    step_us = minutes * 60_000_000
    instants: list[datetime] = []
    for run_start, run_end, offset in utc_offset_runs(tz, start, end):
        # Within one offset the wall clock is UTC shifted by it: the wall time is on the grid
        # exactly when the shifted instant is a whole number of steps after midnight.
        behind_grid = (run_start + offset - _EPOCH) // _ONE_MICROSECOND % step_us
        instant = run_start + (step_us - behind_grid) % step_us * _ONE_MICROSECOND
        while instant < run_end:
            instants.append(instant)
            instant += step
    return instants
