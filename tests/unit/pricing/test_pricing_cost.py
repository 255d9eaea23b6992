"""cost: uncovered energy, overlapping consumption and the rounding that keeps sums exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from energy_contracts.pricing import Consumption, CostPiece, PricingInputError, Segment, cost

HOUR = timedelta(hours=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def hourly(start: datetime, prices: list[str | None]) -> list[Segment[str]]:
    return [
        Segment(start + i * HOUR, start + (i + 1) * HOUR, Decimal(price), "c1")
        for i, price in enumerate(prices)
        if price is not None
    ]


def test_energy_in_a_gap_is_uncovered_not_free() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.20", None, "0.30"])
    # 3 kWh from 00:30 to 02:30 is 1.5 kWh an hour.
    used = [Consumption(utc(2024, 5, 1, 0, 30), utc(2024, 5, 1, 2, 30), Decimal("3"))]

    result = cost(curve, used)

    assert result.breakdown == [
        # 0.75 kWh × 0.20 = 0.15
        CostPiece(
            utc(2024, 5, 1, 0, 30),
            utc(2024, 5, 1, 1),
            Decimal("0.75"),
            Decimal("0.20"),
            Decimal("0.15"),
            "c1",
        ),
        CostPiece(utc(2024, 5, 1, 1), utc(2024, 5, 1, 2), Decimal("1.5"), None, None, None),
        # 0.75 kWh × 0.30 = 0.225
        CostPiece(
            utc(2024, 5, 1, 2),
            utc(2024, 5, 1, 2, 30),
            Decimal("0.75"),
            Decimal("0.30"),
            Decimal("0.225"),
            "c1",
        ),
    ]
    # 0.15 + 0.225
    assert result.total_cost == Decimal("0.375")
    assert (result.covered_kwh, result.uncovered_kwh) == (Decimal("1.5"), Decimal("1.5"))


def test_overlapping_consumption_is_counted_for_each_interval() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.10", "-0.05"])
    used = [
        Consumption(utc(2024, 5, 1, 0), utc(2024, 5, 1, 2), Decimal("2")),
        Consumption(utc(2024, 5, 1, 1), utc(2024, 5, 1, 2), Decimal("4")),
    ]

    result = cost(curve, used)

    # 1 × 0.10 + 1 × -0.05 + 4 × -0.05 = 0.10 - 0.05 - 0.20
    assert result.total_cost == Decimal("-0.15")
    assert (result.covered_kwh, result.uncovered_kwh) == (Decimal("6"), Decimal("0"))
    assert [piece.kwh for piece in result.breakdown] == [Decimal("1"), Decimal("1"), Decimal("4")]


def test_thirds_are_apportioned_so_that_every_sum_stays_exact() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.10", "0.20", "0.40"])
    used = [Consumption(utc(2024, 5, 1, 0), utc(2024, 5, 1, 3), Decimal("1"))]

    result = cost(curve, used)

    # 1/3 kWh each: 3 × 0.3333333333 is one 1e-10 short of 1, and the unit goes to the first
    # of the equal remainders.
    assert [piece.kwh for piece in result.breakdown] == [
        Decimal("0.3333333334"),
        Decimal("0.3333333333"),
        Decimal("0.3333333333"),
    ]
    # Exact costs 1/30, 2/30, 4/30; total 7/30 = 0.2333333333|33 → 0.2333333333. Rounded down
    # the pieces give 0.2333333332; the missing unit goes to the largest remainder, 2/30 (.66).
    assert [piece.cost for piece in result.breakdown] == [
        Decimal("0.0333333333"),
        Decimal("0.0666666667"),
        Decimal("0.1333333333"),
    ]
    assert result.total_cost == Decimal("0.2333333333")
    assert result.covered_kwh == Decimal("1")


def test_kwh_with_more_than_ten_places_keeps_its_places() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.10", None])
    used = [Consumption(utc(2024, 5, 1, 0), utc(2024, 5, 1, 2), Decimal("0.000000000002"))]

    result = cost(curve, used)

    assert (result.covered_kwh, result.uncovered_kwh) == (
        Decimal("0.000000000001"),
        Decimal("0.000000000001"),
    )
    # 1e-12 kWh × 0.10 rounds to 0 at ten places.
    assert result.total_cost == Decimal("0")


def test_no_consumption_costs_nothing() -> None:
    result = cost(hourly(utc(2024, 5, 1), ["0.1"]), [])

    assert (result.total_cost, result.covered_kwh, result.uncovered_kwh) == (
        Decimal(0),
        Decimal(0),
        Decimal(0),
    )
    assert result.breakdown == []


def test_an_empty_consumption_interval_names_its_index() -> None:
    used = [
        Consumption(utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), Decimal("1")),
        Consumption(utc(2024, 5, 1, 1), utc(2024, 5, 1, 1), Decimal("1")),
    ]

    with pytest.raises(PricingInputError) as error:
        cost([], used)

    assert error.value.parameter == "consumption[1].end"
