"""End-customer prices: (spot + charges) * (1 + tax)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from energy_contracts.feeds import (
    FeedError,
    ParsedPrices,
    PricePoint,
    end_customer_price,
    end_customer_prices,
)


@pytest.mark.parametrize(
    ("spot", "charges", "tax", "expected"),
    [
        ("0.08215", "0", "0", "0.08215"),
        ("0.08215", "0.1234", "0", "0.20555"),
        ("0.08215", "0", "0.20", "0.098580"),
        ("0.08215", "0.1234", "0.20", "0.246660"),
        ("-0.05", "0", "0.20", "-0.060"),
        ("-0.05", "0.05", "0.20", "0"),
        ("0.1", "0.2", "0.19", "0.357"),
    ],
)
def test_formula(spot: str, charges: str, tax: str, expected: str) -> None:
    price = end_customer_price(Decimal(spot), charges=Decimal(charges), tax=Decimal(tax))

    assert price == Decimal(expected)


def test_defaults_leave_the_spot_price_unchanged() -> None:
    assert end_customer_price(Decimal("0.123456789")) == Decimal("0.123456789")


def test_result_is_exact_beyond_the_default_decimal_precision() -> None:
    spot = Decimal("0.1234567890123456789012345678901")  # 31 significant digits

    price = end_customer_price(
        spot, charges=Decimal("0.0000000000000000000000000000001"), tax=Decimal("0.2")
    )

    assert price == Decimal("0.14814814681481481468148148146824")


def test_applies_to_every_price_and_keeps_currency_and_interval() -> None:
    first = datetime(2024, 1, 15, 0, tzinfo=UTC)
    second = datetime(2024, 1, 15, 1, tzinfo=UTC)
    spot = ParsedPrices(
        currency="EUR",
        prices=[PricePoint(first, Decimal("0.1")), PricePoint(second, Decimal("-0.02"))],
        interval_minutes=60,
    )

    customer = end_customer_prices(spot, charges=Decimal("0.15"), tax=Decimal("0.1"))

    assert customer == ParsedPrices(
        currency="EUR",
        prices=[PricePoint(first, Decimal("0.275")), PricePoint(second, Decimal("0.143"))],
        interval_minutes=60,
    )


def test_negative_tax_is_refused() -> None:
    with pytest.raises(FeedError) as raised:
        end_customer_price(Decimal("0.1"), tax=Decimal("-0.2"))

    assert raised.value.location == "tax"
    assert raised.value.message == "tax -0.2 is negative; give it as a fraction such as 0.20"


@pytest.mark.parametrize("name", ["spot", "charges", "tax"])
def test_non_finite_inputs_are_refused(name: str) -> None:
    arguments = {
        "spot": Decimal("0.1"),
        "charges": Decimal(0),
        "tax": Decimal(0),
        name: Decimal("NaN"),
    }

    with pytest.raises(FeedError) as raised:
        end_customer_price(arguments["spot"], charges=arguments["charges"], tax=arguments["tax"])

    assert raised.value.location == name


def test_floats_are_a_programming_error() -> None:
    with pytest.raises(TypeError, match="tax must be a Decimal, not float"):
        end_customer_price(Decimal("0.1"), tax=0.2)  # type: ignore[arg-type]
