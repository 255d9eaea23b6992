"""Exact arithmetic in scaled integers: Decimals in, integers inside, Decimals out.

Inside, a set of prices becomes integer counts of one common unit (``common_units``: ``1 /
denominator``, the least common multiple of the prices' own denominators), durations are whole
microseconds (the resolution of ``datetime``), so a price integral (price × time) is an exact
integer, and so is every sum of them. Nothing is approximated: a quotient is only ever formed
at the output, where ``round_ratio_half_even`` rounds the exact ratio of two integers once.
Integers beat ``Fraction`` by an order of magnitude here, as they need no normalising gcd
after every operation.

Rounding happens in one place, here, so that the scheme described in the package docstring is
the scheme the code follows.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from fractions import Fraction
from itertools import filterfalse

MEAN_DECIMAL_PLACES = 10
"""Decimal places of a time-weighted mean that mixes several prices."""

COST_DECIMAL_PLACES = 10
"""Decimal places of costs."""

KWH_MIN_DECIMAL_PLACES = 10
"""Decimal places of kWh amounts, raised to the inputs' own places if they have more."""

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""A decimal context that never rounds: sums and products of finite Decimals in it are exact
(the default context keeps 28 digits)."""

_MEAN_SCALE = 10**MEAN_DECIMAL_PLACES
_ZERO = Decimal(0)
_ONE = Decimal(1)
_ONE_MICROSECOND = timedelta(microseconds=1)
# Remainders of different denominators are ranked as integers over their least common
# multiple while that stays this small; beyond it (thousands of unrelated consumption lengths)
# the integers would outgrow what they save, and ``Fraction`` ranks them.
_MAX_COMMON_DENOMINATOR_BITS = 1024


def microseconds(span: timedelta) -> int:
    """The exact length of a span in microseconds, the resolution of ``datetime``."""
    return span // _ONE_MICROSECOND


def decimal_places(value: Decimal) -> int:
    """How many digits a finite Decimal has after the point (0 for ``12`` and ``1E+3``)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "only finite Decimals have decimal places"
    return max(0, -exponent)


def most_decimal_places(values: Iterable[Decimal]) -> int:
    """``max(map(decimal_places, values), default=0)``, in a pass per distinct exponent.

    Places follow the spelling (``0.250`` has 3), so they are read off the exponent, which
    ``as_tuple`` gives only with a tuple of every digit; ``same_quantum`` compares exponents
    without one. A year of meter readings has a handful of distinct exponents.
    """
    remaining = list(values)
    places = 0
    while remaining:
        first = remaining[0]
        places = max(places, decimal_places(first))
        remaining = list(filterfalse(first.same_quantum, remaining))
    return places


def decimal_from_units(units: int, places: int) -> Decimal:
    """``units × 10^-places`` as an exact Decimal without trailing fractional zeros."""
    while places > 0 and units % 10 == 0:
        units //= 10
        places -= 1
    # Built from a string, so no Decimal context can round it.
    return Decimal(f"{units}E-{places}")


def canonical(value: Decimal) -> Decimal:
    """``value`` exactly, written without trailing fractional zeros and without a positive
    exponent (``0.2127``, not ``0.212700``; ``100``, not ``1E+2``; ``0``, never ``-0``)."""
    if not value:
        return _ZERO
    normalized = EXACT.normalize(value)
    # Only a multiple of 10 can have a positive exponent once normalized.
    if normalized.adjusted() < 1 or EXACT.remainder(normalized, 10):
        return normalized
    return EXACT.quantize(normalized, _ONE)


def canonical_all(values: Iterable[Decimal]) -> list[Decimal]:
    """``canonical`` of each value, in whole-list passes where normalising is enough (no
    zero, no value of 10 or more in magnitude, where an exponent could stay positive)."""
    normalized = list(map(EXACT.normalize, values))
    if all(normalized) and max(map(Decimal.adjusted, normalized), default=0) < 1:
        return normalized
    return list(map(canonical, normalized))


def common_units(prices: Sequence[Decimal]) -> tuple[list[int], int]:
    """Each (finite) price as an integer count of ``1 / denominator``, one denominator for all.

    The denominator is the least common multiple of the prices' own (a divisor of
    ``10^places`` of the price with the most places), so the counts are exact and equal counts
    mean equal prices.
    """
    if not prices:
        return [], 1
    numerators, denominators = zip(*map(Decimal.as_integer_ratio, prices), strict=True)
    distinct = set(denominators)
    if len(distinct) == 1:
        return list(numerators), denominators[0]
    denominator = math.lcm(*distinct)
    scales = map(denominator.__floordiv__, denominators)
    return list(map(operator.mul, numerators, scales)), denominator


def round_ratio_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` (``denominator > 0``) rounded half-to-even to an integer."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2):
        quotient += 1
    return quotient


def time_weighted_mean(
    integral: int, duration_us: int, denominator: int, uniform_price: Decimal | None
) -> Decimal:
    """The mean price of a stretch from its exact integral (price units × microseconds).

    ``integral`` counts ``1 / denominator`` price units times microseconds. A stretch with one
    price throughout has that price as its mean, returned exactly as it was given; a stretch
    mixing prices gets its exact mean rounded half-to-even to ``MEAN_DECIMAL_PLACES``.
    """
    if uniform_price is not None:
        return uniform_price
    units = round_ratio_half_even(integral * _MEAN_SCALE, duration_us * denominator)
    return decimal_from_units(units, MEAN_DECIMAL_PLACES)


def uniform_price(prices: Sequence[Decimal | None]) -> Decimal | None:
    """The one price all of ``prices`` share, or ``None`` if they differ or one is unknown."""
    if not prices or prices[0] is None:
        return None
    first = prices[0]
    return first if all(price == first for price in prices) else None


def apportion(numerators: Sequence[int], denominators: Sequence[int]) -> list[int]:
    """Round each ``numerators[i] / denominators[i]`` to an integer so the sum stays exact.

    Denominators are positive. The rounded values add up to the exact sum rounded
    half-to-even; each value first rounds down, and the units still missing go, one each, to
    the values with the largest remainders (ties: earlier first). So every rounded value is
    within one of its exact value, and a sum of rounded parts always equals the rounded total.
    """
    if not numerators:
        return []
    quotients = map(divmod, numerators, denominators)
    floors, remainders = (list(column) for column in zip(*quotients, strict=True))
    floor_sum = sum(floors)
    distinct = set(denominators)
    # The remainders are ranked as integers over one common denominator where that stays
    # small, else as Fractions; the sum's rounding is decided by the whole sum, as
    # half-to-even depends on the parity of its integer part.
    if len(distinct) == 1:
        common, ranks = denominators[0], remainders
    else:
        common = math.lcm(*distinct)
        if common.bit_length() > _MAX_COMMON_DENOMINATOR_BITS:
            fractions = list(map(Fraction, remainders, denominators))
            missing = round(floor_sum + sum(fractions, Fraction(0))) - floor_sum
            return _round_up_largest(floors, missing, fractions)
        ranks = list(map(operator.mul, remainders, map(common.__floordiv__, denominators)))
    missing = round_ratio_half_even(floor_sum * common + sum(ranks), common) - floor_sum
    return _round_up_largest(floors, missing, ranks)


def _round_up_largest(
    floors: list[int], missing: int, remainders: Sequence[int] | Sequence[Fraction]
) -> list[int]:
    # floor(x) <= x < floor(x) + 1 for each value, so 0 <= missing <= len(values).
    if missing:
        # nlargest ranks the earlier of equal remainders first, as a stable sort would.
        for index in heapq.nlargest(missing, range(len(floors)), key=remainders.__getitem__):
            floors[index] += 1
    return floors
