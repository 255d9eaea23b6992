"""Index-linked prices (SPEC §4a): a series' price times a factor plus a markup, exactly."""

from __future__ import annotations

from decimal import Context, Decimal, Inexact, Rounded

# Each operand has at most a few dozen significant digits (API prices: 28), so a product and
# a sum need at most about twice that: 200 digits hold any of them exactly, and a result
# that would not be exact raises instead of being rounded.
_EXACT = Context(prec=200, Emax=999_999, Emin=-999_999, traps=[Inexact, Rounded])


def indexed_price(series_price: Decimal, factor: Decimal, markup: Decimal) -> Decimal:
    """``series_price × factor + markup``, exact, without trailing fractional zeros
    (``0.15 × 2 + 0`` is ``0.3``), as stored prices are."""
    value = _EXACT.add(_EXACT.multiply(series_price, factor), markup)
    if value.is_zero():
        return Decimal(0)
    # normalize() drops trailing zeros; quantize back to an integer exponent where it left
    # a positive one (1E+2 → 100), as canonical stored text has no exponent.
    normal = _EXACT.normalize(value)
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    return _EXACT.quantize(normal, Decimal(1)) if exponent > 0 else normal
