"""Index-linked prices (``indexed_price``) and how long an entry holds (``entry_end``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from energy_contracts.pricing import ContractType, build_curve_from_pairs, entry_end, indexed_price

VIENNA = ZoneInfo("Europe/Vienna")

# Prices as the API takes them: |x| < 1e9, at most 19 decimal places.
api_numbers = st.decimals(
    min_value=Decimal("-999999999.9999999999999999999"),
    max_value=Decimal("999999999.9999999999999999999"),
    places=19,
    allow_nan=False,
    allow_infinity=False,
)


@pytest.mark.parametrize(
    ("price", "factor", "markup", "expected"),
    [
        ("0.0812", "1.1", "0.0125", "0.10182"),  # 0.08932 + 0.0125
        ("-0.0031", "1.1", "0.0125", "0.00909"),  # −0.00341 + 0.0125
        ("0.15", "2", "0", "0.3"),  # no trailing zero: 0.30 is written 0.3
        ("50", "2", "0", "100"),  # no exponent: 1E+2 is written 100
        ("0.05", "-1", "0.05", "0"),
        # 28 significant digits times 28: beyond the default context's 28, still exact.
        (
            "0.1234567890123456789",
            "1.1234567890123456789",
            "0.0000000000000000001",
            "0.13869836776558451575019051998750190521",
        ),
    ],
)
def test_indexed_price_is_exact(price: str, factor: str, markup: str, expected: str) -> None:
    result = indexed_price(Decimal(price), Decimal(factor), Decimal(markup))
    assert str(result) == expected


@given(api_numbers, api_numbers, api_numbers)
def test_indexed_price_equals_the_rational_result(
    price: Decimal, factor: Decimal, markup: Decimal
) -> None:
    result = indexed_price(price, factor, markup)
    assert Fraction(result) == Fraction(price) * Fraction(factor) + Fraction(markup)
    # As stored prices are: no positive exponent, no trailing fractional zero.
    _, digits, exponent = result.as_tuple()
    assert isinstance(exponent, int)
    assert exponent <= 0
    assert exponent == 0 or digits[-1] != 0


@pytest.mark.parametrize(
    ("kind", "timestamp", "interval", "expected"),
    [
        ("spot_hourly", datetime(2024, 3, 31, 0, 45, tzinfo=UTC), 15, "2024-03-31T01:00:00+00:00"),
        # Vienna: 2024-01-31 00:00 CET + a calendar month, clamped: 2024-02-29 00:00 CET.
        ("monthly", datetime(2024, 1, 30, 23, tzinfo=UTC), 60, "2024-02-28T23:00:00+00:00"),
        # 2024-03-15 12:00 CET + a month = 2024-04-15 12:00 CEST (31 days less an hour).
        ("monthly", datetime(2024, 3, 15, 11, tzinfo=UTC), 60, "2024-04-15T10:00:00+00:00"),
        # 2024-02-29 00:00 CET + a year = 2025-02-28 00:00 CET.
        ("yearly", datetime(2024, 2, 28, 23, tzinfo=UTC), 60, "2025-02-27T23:00:00+00:00"),
    ],
)
def test_entry_end_is_one_period_of_the_type(
    kind: str, timestamp: datetime, interval: int, expected: str
) -> None:
    end = entry_end(timestamp, ContractType(kind), interval_minutes=interval, tz=VIENNA)
    assert end.isoformat() == expected


def test_a_curves_last_segment_ends_at_entry_end() -> None:
    last = datetime(2024, 1, 30, 23, tzinfo=UTC)
    curve = build_curve_from_pairs(
        [(datetime(2023, 12, 31, 23, tzinfo=UTC), Decimal(1)), (last, Decimal(2))],
        ContractType.MONTHLY,
        tz=VIENNA,
        origin=None,
    )
    assert curve[-1].end == entry_end(last, ContractType.MONTHLY, tz=VIENNA)
