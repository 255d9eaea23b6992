"""Ranking prices within one answer, from very cheap to very expensive."""

from __future__ import annotations

import math
import operator
from bisect import bisect_left
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from itertools import repeat

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

    # Exactly, in integers: every price as units of 1/denominator (a common denominator of
    # the decimals), and the four thresholds on r as the largest unit count of each level.
    # Whole-list passes (map, sorted, bisect) do the per-price work: a day has 96 prices.
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
        ranked = [Level.NORMAL] * count
    else:
        # r = (2u - 2med) × scale_den / (2 × scale_num) ⋚ a/10 ⇔ u ⋚ (10 × scale_den × 2med
        # + 2a × scale_num) / (20 × scale_den): the last unit count of each level.
        base, step, over = 10 * scale_den * twice_median, 2 * scale_num, 20 * scale_den
        cuts = (
            (base - 3 * step) // over,  # VERY_CHEAP: r ≤ -0.3
            (base - step) // over,  # CHEAP: r ≤ -0.1
            -((-base - step) // over) - 1,  # NORMAL: r < 0.1
            -((-base - 3 * step) // over) - 1,  # EXPENSIVE: r < 0.3
        )
        ranked = list(map(_BY_RANK.__getitem__, map(bisect_left, repeat(cuts), units)))
    if count == len(prices):
        return list(ranked)
    known_levels = iter(ranked)
    return [None if price is None else next(known_levels) for price in prices]


_BY_RANK = (Level.VERY_CHEAP, Level.CHEAP, Level.NORMAL, Level.EXPENSIVE, Level.VERY_EXPENSIVE)
