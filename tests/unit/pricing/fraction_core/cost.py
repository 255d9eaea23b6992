"""What a consumption profile costs on a curve."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.model import Consumption, CostPiece, CostResult, Segment, T
from tests.unit.pricing.fraction_core._arguments import utc_range
from tests.unit.pricing.fraction_core._exact import (
    COST_DECIMAL_PLACES,
    KWH_MIN_DECIMAL_PLACES,
    apportion,
    decimal_from_units,
    decimal_places,
    microseconds,
)
from tests.unit.pricing.fraction_core.curve import tile


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
    for index, used in enumerate(consumption):
        utc_range(
            used.start,
            used.end,
            start_name=f"consumption[{index}].start",
            end_name=f"consumption[{index}].end",
        )
        if not used.kwh.is_finite():
            raise PricingInputError(f"consumption[{index}].kwh", "must be a finite number")
    kwh_places = max([KWH_MIN_DECIMAL_PLACES, *(decimal_places(used.kwh) for used in consumption)])

    pieces: list[Segment[T]] = []
    exact_kwh: list[Fraction] = []
    kwh_units: list[int] = []
    for used in consumption:
        tiled = tile(curve, used.start, used.end)
        kwh_per_us = Fraction(used.kwh) / microseconds(used.end - used.start)
        shares = [kwh_per_us * microseconds(piece.end - piece.start) for piece in tiled]
        pieces.extend(tiled)
        exact_kwh.extend(shares)
        # Rounded per consumption, so that its pieces add up to exactly its kWh.
        kwh_units.extend(apportion(shares, kwh_places))

    exact_costs = [
        kwh * Fraction(piece.price)
        for piece, kwh in zip(pieces, exact_kwh, strict=True)
        if piece.price is not None
    ]
    priced_cost_units = iter(apportion(exact_costs, COST_DECIMAL_PLACES))

    breakdown: list[CostPiece[T]] = []
    covered_units = uncovered_units = total_cost_units = 0
    for piece, units in zip(pieces, kwh_units, strict=True):
        if piece.price is None:
            uncovered_units += units
            piece_cost = None
        else:
            covered_units += units
            cost_units = next(priced_cost_units)
            total_cost_units += cost_units
            piece_cost = decimal_from_units(cost_units, COST_DECIMAL_PLACES)
        breakdown.append(
            CostPiece(
                start=piece.start,
                end=piece.end,
                kwh=decimal_from_units(units, kwh_places),
                price=piece.price,
                cost=piece_cost,
                origin=piece.origin,
            )
        )
    return CostResult(
        total_cost=decimal_from_units(total_cost_units, COST_DECIMAL_PLACES),
        covered_kwh=decimal_from_units(covered_units, kwh_places),
        uncovered_kwh=decimal_from_units(uncovered_units, kwh_places),
        breakdown=breakdown,
    )
