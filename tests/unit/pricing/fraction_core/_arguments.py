"""Argument checks that raise ``PricingInputError`` naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

from energy_contracts.pricing.errors import PricingInputError


def utc_instant(value: datetime, parameter: str) -> datetime:
    """``value`` as an aware UTC datetime; a naive datetime is an input error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PricingInputError(parameter, "must carry a UTC offset")
    return value.astimezone(UTC)


def utc_range(
    start: datetime, end: datetime, *, start_name: str = "start", end_name: str = "end"
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC; it must not be empty."""
    start_utc = utc_instant(start, start_name)
    end_utc = utc_instant(end, end_name)
    if end_utc <= start_utc:
        raise PricingInputError(end_name, f"must be after {start_name}")
    return start_utc, end_utc


def positive_minutes(value: int, parameter: str) -> int:
    if value <= 0:
        raise PricingInputError(parameter, "must be a positive number of minutes")
    return value


def grid_minutes(value: int, parameter: str) -> int:
    """A grid step of the local clock: it must divide the hour (15, 30, 60, ...)."""
    if value <= 0 or 60 % value != 0:
        raise PricingInputError(parameter, "must divide 60 minutes (for example 15, 30 or 60)")
    return value
