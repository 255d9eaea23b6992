"""Argument checks that raise ``PricingInputError`` naming the parameter."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.model import Consumption


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


def consumption_ranges(
    consumption: Sequence[Consumption],
) -> tuple[list[datetime], list[datetime]]:
    """The starts and ends of ``consumption`` in UTC; the first error among them and the kWh
    (in order, named as the API names them) is a ``PricingInputError``."""
    starts = list(map(_START_OF, consumption))
    ends = list(map(_END_OF, consumption))
    if (
        set(map(_TZINFO_OF, starts)) | set(map(_TZINFO_OF, ends)) <= _UTC_ONLY
        and all(map(operator.lt, starts, ends))
        and all(map(Decimal.is_finite, map(_KWH_OF, consumption)))
    ):
        return starts, ends  # what a decoded request holds: nothing to convert or to refuse
    starts, ends = [], []
    for index, used in enumerate(consumption):
        start, end = utc_range(
            used.start,
            used.end,
            start_name=f"consumption[{index}].start",
            end_name=f"consumption[{index}].end",
        )
        if not used.kwh.is_finite():
            raise PricingInputError(f"consumption[{index}].kwh", "must be a finite number")
        starts.append(start)
        ends.append(end)
    return starts, ends


_START_OF = operator.attrgetter("start")
_END_OF = operator.attrgetter("end")
_KWH_OF = operator.attrgetter("kwh")
_TZINFO_OF = operator.attrgetter("tzinfo")
_UTC_ONLY = {UTC}
