"""Exact arithmetic: prices become Fractions inside, Decimals again only at the output.

Rounding happens in one place, here, so that the scheme described in the package docstring is
the scheme the code follows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

MEAN_DECIMAL_PLACES = 10
"""Decimal places of a time-weighted mean that mixes several prices."""

COST_DECIMAL_PLACES = 10
"""Decimal places of costs."""

KWH_MIN_DECIMAL_PLACES = 10
"""Decimal places of kWh amounts, raised to the inputs' own places if they have more."""

_ONE_MICROSECOND = timedelta(microseconds=1)


def microseconds(span: timedelta) -> int:
    """The exact length of a span in microseconds, the resolution of ``datetime``."""
    return span // _ONE_MICROSECOND


def decimal_places(value: Decimal) -> int:
    """How many digits a finite Decimal has after the point (0 for ``12`` and ``1E+3``)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "only finite Decimals have decimal places"
    return max(0, -exponent)


def decimal_from_units(units: int, places: int) -> Decimal:
    """``units × 10^-places`` as an exact Decimal without trailing fractional zeros."""
    while places > 0 and units % 10 == 0:
        units //= 10
        places -= 1
    # Built from a string, so no Decimal context can round it.
    return Decimal(f"{units}E-{places}")


def round_half_even(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-to-even to ``places`` decimal places, exactly (no double rounding)."""
    return decimal_from_units(round(value * 10**places), places)


def time_weighted_mean(
    integral: Fraction, duration_us: int, uniform_price: Decimal | None
) -> Decimal:
    """The mean price of a stretch from its exact integral (price × microseconds).

    A stretch with one price throughout has that price as its mean, returned exactly as it was
    given; a stretch mixing prices gets its exact mean rounded half-to-even to
    ``MEAN_DECIMAL_PLACES``.
    """
    if uniform_price is not None:
        return uniform_price
    return round_half_even(integral / duration_us, MEAN_DECIMAL_PLACES)


def uniform_price(prices: Sequence[Decimal | None]) -> Decimal | None:
    """The one price all of ``prices`` share, or ``None`` if they differ or one is unknown."""
    if not prices or prices[0] is None:
        return None
    first = prices[0]
    return first if all(price == first for price in prices) else None


def apportion(values: Sequence[Fraction], places: int) -> list[int]:
    """Round each value to ``places`` decimal places so the rounded values keep the exact sum.

    Returns integer units of ``10^-places``. Their sum is the exact sum of ``values`` rounded
    half-to-even; each value first rounds down, and the units still missing go, one each, to the
    values with the largest remainders (ties: earlier first). So every rounded value is within
    one unit of its exact value, and a sum of rounded parts always equals the rounded total.
    """
    scaled = [value * 10**places for value in values]
    floors = [math.floor(value) for value in scaled]
    # floor(x) <= x < floor(x) + 1 for each value, so 0 <= missing <= len(values).
    missing = round(sum(scaled, Fraction(0))) - sum(floors)
    by_largest_remainder = sorted(
        range(len(values)), key=lambda index: (floors[index] - scaled[index], index)
    )
    for index in by_largest_remainder[:missing]:
        floors[index] += 1
    return floors
