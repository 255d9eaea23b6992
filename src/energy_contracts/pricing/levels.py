"""Ranking prices within one answer, from very cheap to very expensive."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from energy_contracts.pricing.errors import PricingInputError


class Level(StrEnum):
    VERY_CHEAP = "VERY_CHEAP"
    CHEAP = "CHEAP"
    NORMAL = "NORMAL"
    EXPENSIVE = "EXPENSIVE"
    VERY_EXPENSIVE = "VERY_EXPENSIVE"


_MAGNITUDE_FLOOR = Fraction(1, 5)
_VERY_CHEAP_AT_MOST = Fraction(-3, 10)
_CHEAP_AT_MOST = Fraction(-1, 10)
_NORMAL_BELOW = Fraction(1, 10)
_EXPENSIVE_BELOW = Fraction(3, 10)


def levels(prices: Sequence[Decimal | None]) -> list[Level | None]:
    """The level of each price relative to the other known prices; ``None`` stays ``None``.

    Over the known prices let ``med`` be the median, ``lo`` the minimum, ``hi`` the maximum and
    ``scale = max(hi - lo, 0.2 × mean(|p|))``. If ``scale`` is 0 (every known price is zero)
    every known price is NORMAL. Otherwise each price gets ``r = (p - med) / scale`` and is

    - VERY_CHEAP if r ≤ -0.30,
    - CHEAP if r ≤ -0.10,
    - NORMAL if r < 0.10,
    - EXPENSIVE if r < 0.30,
    - VERY_EXPENSIVE otherwise.

    The rule rests on differences, so negative and zero prices rank like any other, and the
    magnitude floor keeps a nearly flat day NORMAL instead of blowing tiny differences up.
    Computed exactly; each price counts once, whatever span it covers.
    """
    known: list[Fraction] = []
    for index, price in enumerate(prices):
        if price is None:
            continue
        if not price.is_finite():
            raise PricingInputError(f"prices[{index}]", "must be a finite number")
        known.append(Fraction(price))
    if not known:
        return [None for _ in prices]

    ordered = sorted(known)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    mean_magnitude = sum((abs(price) for price in ordered), Fraction(0)) / len(ordered)
    scale = max(ordered[-1] - ordered[0], _MAGNITUDE_FLOOR * mean_magnitude)

    def level_of(price: Decimal | None) -> Level | None:
        if price is None:
            return None
        if scale == 0:
            return Level.NORMAL
        relative = (Fraction(price) - median) / scale
        if relative <= _VERY_CHEAP_AT_MOST:
            return Level.VERY_CHEAP
        if relative <= _CHEAP_AT_MOST:
            return Level.CHEAP
        if relative < _NORMAL_BELOW:
            return Level.NORMAL
        if relative < _EXPENSIVE_BELOW:
            return Level.EXPENSIVE
        return Level.VERY_EXPENSIVE

    return [level_of(price) for price in prices]
