"""Index-linked prices (SPEC §4a): a series' price times a factor plus a markup, exactly."""

from __future__ import annotations

from decimal import Decimal

from energy_contracts.pricing._exact import EXACT, canonical


def indexed_price(series_price: Decimal, factor: Decimal, markup: Decimal) -> Decimal:
    """``series_price × factor + markup``, exact, without trailing fractional zeros
    (``0.15 × 2 + 0`` is ``0.3``), as stored prices are."""
    return canonical(EXACT.add(EXACT.multiply(series_price, factor), markup))
