"""Price days for the console tests: every quarter hour of a local day, distinct prices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from energy_contracts.pricing import local_day_bounds

VIENNA = ZoneInfo("Europe/Vienna")
SHORT_DAY = date(2025, 3, 30)  # clocks go forward: 23 hours, 92 quarter hours
LONG_DAY = date(2025, 10, 26)  # clocks go back: 25 hours, 100 quarter hours


def quarter_hours(day: date, tz: ZoneInfo = VIENNA) -> Iterator[datetime]:
    start, end = local_day_bounds(day, tz)
    while start < end:
        yield start
        start += timedelta(minutes=15)


def day_shape(instant: datetime, tz: ZoneInfo = VIENNA) -> Decimal:
    """A plausible all-in price per kWh: a morning and an evening peak, a solar dip at noon,
    and a per-quarter step so that no two quarter hours of a day are equal."""
    local = instant.astimezone(tz)
    hour = local.hour + local.minute / 60
    cents = 18 + 2 * (hour % 24) / 24
    if 6.5 <= hour < 9:
        cents += 6
    if 11 <= hour < 15:
        cents -= 9
    if 17 <= hour < 20.5:
        cents += 11
    # the UTC minute keeps the two passes of a repeated hour apart
    step = (instant.hour * 60 + instant.minute) / 15
    return (Decimal(str(round(cents, 2))) + Decimal(step) / 10_000) / 100


def prices(instants: Iterator[datetime] | list[datetime]) -> list[dict[str, Any]]:
    return [
        {"price": float(day_shape(instant)), "timestamp": instant.isoformat()}
        for instant in instants
    ]
