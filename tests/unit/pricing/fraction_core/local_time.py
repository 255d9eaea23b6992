"""Local calendars and clocks: days, calendar months and years, and the local minute grid.

Local wall times are turned into instants with ``fold=0`` (PEP 495): an ambiguous wall time (a
fall-back hour) means its first occurrence, and a wall time skipped by a spring-forward gap is
read with the offset in force before the gap, so it lands the gap's length later on the clock
(02:30 on a day Vienna skips 02:00-03:00 becomes 03:30 CEST).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.unit.pricing.fraction_core._arguments import grid_minutes

_ONE_MICROSECOND = timedelta(microseconds=1)


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


def local_grid(start: datetime, end: datetime, minutes: int, tz: ZoneInfo) -> list[datetime]:
    """The instants in ``[start, end)`` whose local wall time in ``tz`` is on the grid.

    On the grid means the wall clock shows a minute divisible by ``minutes`` and zero seconds.
    The instants are strictly increasing: in a fall-back hour the wall times repeat but the
    instants do not, and a spring-forward gap simply has no grid instants in it. Returned in
    UTC. ``start`` and ``end`` must be aware.
    """
    grid_minutes(minutes, "minutes")
    step = timedelta(minutes=minutes)
    instants: list[datetime] = []
    instant = _grid_instant_at_or_after(start.astimezone(UTC), step, tz)
    while instant < end:
        instants.append(instant)
        instant = _grid_instant_at_or_after(instant + _ONE_MICROSECOND, step, tz)
    return instants


def _grid_instant_at_or_after(instant: datetime, step: timedelta, tz: ZoneInfo) -> datetime:
    while True:
        wall = instant.astimezone(tz)
        behind_grid = timedelta(
            minutes=wall.minute % (step // timedelta(minutes=1)),
            seconds=wall.second,
            microseconds=wall.microsecond,
        )
        if not behind_grid:
            return instant
        # While the UTC offset stays the same, the wall clock runs with UTC, so the next grid
        # instant is exactly as far ahead as the wall clock is short of its next grid time.
        candidate = instant + (step - behind_grid)
        if candidate.astimezone(tz).utcoffset() == wall.utcoffset():
            return candidate
        # The offset changes on the way: look again from the moment it changes.
        instant = _first_instant_with_other_offset(instant, candidate, tz)


def _first_instant_with_other_offset(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The earliest instant in ``(before, after]`` whose UTC offset differs from ``before``'s."""
    offset = before.astimezone(tz).utcoffset()
    while after - before > _ONE_MICROSECOND:
        middle = before + (after - before) // 2
        if middle.astimezone(tz).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after
