"""Ranking prices within one answer, from very cheap to very expensive."""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from itertools import repeat

from energy_contracts.pricing._exact import EXACT
from energy_contracts.pricing.errors import PricingInputError


class Level(StrEnum):
    VERY_CHEAP = "VERY_CHEAP"
    CHEAP = "CHEAP"
    NORMAL = "NORMAL"
    EXPENSIVE = "EXPENSIVE"
    VERY_EXPENSIVE = "VERY_EXPENSIVE"


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
    known = [price for price in prices if price is not None]
    if not all(map(Decimal.is_finite, known)):
        index = next(i for i, p in enumerate(prices) if p is not None and not p.is_finite())
        raise PricingInputError(f"prices[{index}]", "must be a finite number")
    if not known:
        return [None for _ in prices]

    # The known prices' indexes in price order, so that each level is a run of them.
    order = sorted(range(len(known)), key=known.__getitem__)
    ordered = list(map(known.__getitem__, order))
    level_ends = _level_ends_by_spread(ordered)
    ranked = _ranked_in_integers(known) if level_ends is None else _scattered(order, level_ends)
    if len(known) == len(prices):
        return list(ranked)
    known_levels = iter(ranked)
    return [None if price is None else next(known_levels) for price in prices]


def _level_ends_by_spread(ordered: list[Decimal]) -> tuple[int, int, int, int] | None:
    """Where each level ends in ``ordered`` (the known prices, sorted) when ``scale`` is the
    spread and the spread alone says so (``None`` if not).

    That is the common case (a day whose prices vary by more than a fifth of the largest
    magnitude: ``5 × spread ≥ max |p| ≥ mean |p|``), and then each threshold ``med + a × scale
    / 10`` is itself an exact decimal: the prices are compared with it as they are, by
    bisection of ``ordered``.
    """
    low, high = ordered[0], ordered[-1]
    spread = EXACT.subtract(high, low)
    if not spread or EXACT.multiply(5, spread) < max(EXACT.abs(low), EXACT.abs(high)):
        return None
    count = len(ordered)
    middle = count // 2
    twice_median = (
        EXACT.multiply(2, ordered[middle])
        if count % 2
        else EXACT.add(ordered[middle - 1], ordered[middle])
    )
    five_medians = EXACT.multiply(5, twice_median)

    def threshold(tenths: int) -> Decimal:  # med + tenths / 10 × spread
        return EXACT.multiply(EXACT.add(five_medians, EXACT.multiply(tenths, spread)), _TENTH)

    return (
        bisect_right(ordered, threshold(-3)),  # VERY_CHEAP: r ≤ -0.3
        bisect_right(ordered, threshold(-1)),  # CHEAP: r ≤ -0.1
        bisect_left(ordered, threshold(1)),  # NORMAL: r < 0.1
        bisect_left(ordered, threshold(3)),  # EXPENSIVE: r < 0.3
    )


def _scattered(order: list[int], level_ends: tuple[int, int, int, int]) -> list[Level]:
    """The level of each price, in its own place, from the ends of the levels' runs in price
    order (``order[i]`` is the index of the i-th cheapest)."""
    ranked: list[Level] = [Level.NORMAL] * len(order)
    begin = 0
    for level, end in zip(_BY_RANK, (*level_ends, len(order)), strict=True):
        for index in order[begin:end]:
            ranked[index] = level
        begin = end
    return ranked


def _ranked_in_integers(known: list[Decimal]) -> list[Level]:
    """The levels, for any known prices: in integers, every price as units of 1 / denominator
    (a common denominator of the decimals), and the four thresholds on r as the largest unit
    count of each level. Whole-list passes (map, sorted, bisect) do the per-price work."""
    numerators, denominators = zip(*map(Decimal.as_integer_ratio, known), strict=True)
    denominator = math.lcm(*set(denominators))
    units = list(map(operator.mul, numerators, map(denominator.__floordiv__, denominators)))
    ordered = sorted(units)
    count = len(ordered)
    middle = count // 2
    twice_median = 2 * ordered[middle] if count % 2 else ordered[middle - 1] + ordered[middle]
    spread = ordered[-1] - ordered[0]
    magnitude = sum(map(abs, ordered))  # 0.2 × mean |p| = magnitude / (5 × count)
    # scale = scale_num / scale_den (in units), > 0 unless every price is zero.
    if spread * 5 * count >= magnitude:
        scale_num, scale_den = spread, 1
    else:
        scale_num, scale_den = magnitude, 5 * count
    if scale_num == 0:
        return [Level.NORMAL] * count
    # r = (2u - 2med) × scale_den / (2 × scale_num) ⋚ a/10 ⇔ u ⋚ (10 × scale_den × 2med
    # + 2a × scale_num) / (20 × scale_den): the last unit count of each level.
    base, step, over = 10 * scale_den * twice_median, 2 * scale_num, 20 * scale_den
    cuts = (
        (base - 3 * step) // over,  # VERY_CHEAP: r ≤ -0.3
        (base - step) // over,  # CHEAP: r ≤ -0.1
        -((-base - step) // over) - 1,  # NORMAL: r < 0.1
        -((-base - 3 * step) // over) - 1,  # EXPENSIVE: r < 0.3
    )
    return list(map(_BY_RANK.__getitem__, map(bisect_left, repeat(cuts), units)))


_BY_RANK = (Level.VERY_CHEAP, Level.CHEAP, Level.NORMAL, Level.EXPENSIVE, Level.VERY_EXPENSIVE)
_TENTH = Decimal("0.1")
