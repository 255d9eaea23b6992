"""From a wholesale spot price to what an end customer pays per kWh."""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation

from energy_contracts.feeds.model import FeedError, ParsedPrices, PricePoint

# Sums and products of finite decimals are exact when precision is unbounded; trapping Inexact
# makes any silent rounding impossible rather than merely unlikely.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, InvalidOperation])


def end_customer_price(
    spot: Decimal, *, charges: Decimal = Decimal(0), tax: Decimal = Decimal(0)
) -> Decimal:
    """The end-customer price per kWh: ``(spot + charges) * (1 + tax)``.

    - ``spot``: the wholesale price per kWh (may be negative or zero).
    - ``charges``: everything added per kWh before tax — grid fees, levies, the supplier's
      margin — in the same currency; default 0. It may be negative (a rebate).
    - ``tax``: the tax rate applied to that sum, as a fraction (``Decimal("0.20")`` for 20 %
      VAT); default 0; must not be negative.

    The result is exact (no rounding): round it where the product's rules say to. Tax applies to
    negative sums too, as the formula states: a spot price of -0.05 with no charges and 20 % tax
    gives -0.06.
    """
    _check(spot, "spot")
    _check(charges, "charges")
    check_tax(tax)
    return _EXACT.multiply(_EXACT.add(spot, charges), _EXACT.add(Decimal(1), tax))


def end_customer_prices(
    spot_prices: ParsedPrices, *, charges: Decimal = Decimal(0), tax: Decimal = Decimal(0)
) -> ParsedPrices:
    """Every price of ``spot_prices`` through :func:`end_customer_price`; the rest unchanged."""
    return ParsedPrices(
        currency=spot_prices.currency,
        prices=[
            PricePoint(point.timestamp, end_customer_price(point.price, charges=charges, tax=tax))
            for point in spot_prices.prices
        ],
        interval_minutes=spot_prices.interval_minutes,
    )


def check_tax(tax: Decimal) -> None:
    """FeedError unless ``tax`` is a rate :func:`end_customer_price` takes: finite, not negative."""
    _check(tax, "tax")
    if tax < 0:
        raise FeedError(f"tax {tax} is negative; give it as a fraction such as 0.20", "tax")


def _check(value: Decimal, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise FeedError(f"{name} must be a finite number, not {value}", name)
