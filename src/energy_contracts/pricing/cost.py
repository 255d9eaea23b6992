"""What a consumption profile costs on a curve."""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from itertools import repeat

from energy_contracts.pricing._arguments import consumption_ranges
from energy_contracts.pricing._exact import (
    COST_DECIMAL_PLACES,
    KWH_MIN_DECIMAL_PLACES,
    apportion,
    common_units,
    decimal_from_units,
    microseconds,
    most_decimal_places,
)
from energy_contracts.pricing.curve import tile_utc
from energy_contracts.pricing.model import (
    Consumption,
    CostPiece,
    CostResult,
    Segment,
    T,
)


def cost(curve: Sequence[Segment[T]], consumption: Sequence[Consumption]) -> CostResult[T]:
    """The cost of ``consumption`` on ``curve``, piece by piece.

    Each consumption's kWh is spread evenly over its interval (constant kWh per second); each
    piece is its intersection with one segment of the tiled curve, listed per consumption in
    the given order and then in time. Energy in unknown stretches is uncovered: its piece has
    ``price`` and ``cost`` ``None`` and it adds to ``uncovered_kwh``, never to the cost.
    Consumptions may overlap; each is counted on its own.

    Computed exactly and rounded once at the output (see the package docstring): the piece kWh
    of one consumption add up exactly to its kWh, so ``covered_kwh + uncovered_kwh`` is exactly
    the total consumption; the piece costs add up exactly to ``total_cost``, which is the exact
    total cost rounded half-to-even.
    """
    starts, ends = consumption_ranges(consumption)
    kwhs = list(map(_KWH_OF, consumption))
    kwh_places = max(KWH_MIN_DECIMAL_PLACES, most_decimal_places(kwhs))
    kwh_scale = 10**kwh_places

    # Exact in integers (see ``_exact``): kWh in units of 10^-kwh_places (exact, as no input
    # has more places), durations in microseconds, prices in units of 1 / price_denominator.
    curve_ends = list(map(_END_OF, curve))
    pieces: list[Segment[T]] = []
    kwh_units: list[int] = []
    share_numerators: list[int] = []  # a piece's exact kWh units × its consumption's length
    lengths_us: list[int] = []  # per piece, the length of its consumption
    units_of: dict[Decimal, int] = {}  # meter readings repeat their values
    for start, end, kwh in zip(starts, ends, kwhs, strict=True):
        tiled = tile_utc(curve, start, end, bisect_right(curve_ends, start))
        units = units_of.get(kwh)
        if units is None:
            numerator, denominator = kwh.as_integer_ratio()
            units = units_of[kwh] = numerator * (kwh_scale // denominator)
        length_us = (end - start) // _ONE_MICROSECOND
        if len(tiled) == 1:
            pieces.append(tiled[0])
            lengths_us.append(length_us)
            kwh_units.append(units)
            share_numerators.append(units * length_us)
            continue
        pieces.extend(tiled)
        lengths_us.extend(repeat(length_us, len(tiled)))
        numerators = [units * microseconds(piece.end - piece.start) for piece in tiled]
        share_numerators.extend(numerators)
        # Rounded per consumption, so that its pieces add up to exactly its kWh.
        kwh_units.extend(apportion(numerators, [length_us] * len(tiled)))

    priced = [index for index, piece in enumerate(pieces) if piece.price is not None]
    price_units, price_denominator = common_units(
        [piece.price for piece in pieces if piece.price is not None]
    )
    # cost × 10^COST_DECIMAL_PLACES = share / (length × kwh_scale) × units / price_denominator
    # × 10^COST_DECIMAL_PLACES, as one integer ratio per piece.
    cost_scale = 10**COST_DECIMAL_PLACES
    cost_numerators = [
        share_numerators[index] * units * cost_scale
        for index, units in zip(priced, price_units, strict=True)
    ]
    cost_denominators = [lengths_us[index] * kwh_scale * price_denominator for index in priced]
    priced_cost_units = iter(apportion(cost_numerators, cost_denominators))

    breakdown: list[CostPiece[T]] = []
    kwh_of: dict[int, Decimal] = {}
    covered_units = uncovered_units = total_cost_units = 0
    for piece, units in zip(pieces, kwh_units, strict=True):
        price = piece.price
        if price is None:
            uncovered_units += units
            piece_cost = None
        else:
            covered_units += units
            cost_units = next(priced_cost_units)
            total_cost_units += cost_units
            piece_cost = decimal_from_units(cost_units, COST_DECIMAL_PLACES)
        piece_kwh = kwh_of.get(units)
        if piece_kwh is None:
            piece_kwh = kwh_of[units] = decimal_from_units(units, kwh_places)
        breakdown.append(
            CostPiece(piece.start, piece.end, piece_kwh, price, piece_cost, piece.origin)
        )
    return CostResult(
        total_cost=decimal_from_units(total_cost_units, COST_DECIMAL_PLACES),
        covered_kwh=decimal_from_units(covered_units, kwh_places),
        uncovered_kwh=decimal_from_units(uncovered_units, kwh_places),
        breakdown=breakdown,
    )


_END_OF = operator.attrgetter("end")
_KWH_OF = operator.attrgetter("kwh")
_ONE_MICROSECOND = timedelta(microseconds=1)
