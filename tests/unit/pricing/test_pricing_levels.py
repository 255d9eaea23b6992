"""levels: the documented rule on negative, zero, flat and boundary prices."""

from __future__ import annotations

from decimal import Decimal

from energy_contracts.pricing import Level, levels


def prices(*values: str | None) -> list[Decimal | None]:
    return [None if value is None else Decimal(value) for value in values]


def test_negative_and_zero_prices_rank_by_their_distance_from_the_median() -> None:
    # med = 0.10, hi - lo = 0.35, 0.2 × mean|p| = 0.2 × 0.13 = 0.026, so scale = 0.35.
    # r = -0.15/0.35 = -0.43, -0.10/0.35 = -0.29, 0, +0.29, +0.57.
    ranked = levels(prices("-0.05", "0", None, "0.10", "0.20", "0.30"))

    assert ranked == [
        Level.VERY_CHEAP,
        Level.CHEAP,
        None,
        Level.NORMAL,
        Level.EXPENSIVE,
        Level.VERY_EXPENSIVE,
    ]


def test_all_negative_prices() -> None:
    # med = -0.2, scale = max(0.2, 0.2 × 0.2) = 0.2; r = +0.5, 0, -0.5.
    assert levels(prices("-0.1", "-0.2", "-0.3")) == [
        Level.VERY_EXPENSIVE,
        Level.NORMAL,
        Level.VERY_CHEAP,
    ]


def test_a_flat_day_is_normal() -> None:
    # hi - lo = 0 but 0.2 × mean|p| = 0.05, so scale = 0.05 and every r = 0.
    assert levels(prices("0.25", "0.25", "0.25")) == [Level.NORMAL] * 3


def test_an_all_zero_day_is_normal() -> None:
    # scale = max(0, 0) = 0: nothing to rank against.
    assert levels(prices("0", "0.00", None)) == [Level.NORMAL, Level.NORMAL, None]


def test_tiny_differences_on_a_nearly_flat_day_stay_normal() -> None:
    # hi - lo = 0.002 but 0.2 × mean|p| = 0.0602 is the scale; r = ±0.017.
    assert levels(prices("0.300", "0.301", "0.302")) == [Level.NORMAL] * 3


def test_boundaries_belong_to_the_cheaper_side_below_and_the_dearer_side_above() -> None:
    # med = (0.4 + 1.0) / 2 = 0.7, scale = hi - lo = 1.0: r = -0.7, -0.3, +0.3, +0.3.
    assert levels(prices("0", "0.4", "1.0", "1.0")) == [
        Level.VERY_CHEAP,
        Level.VERY_CHEAP,  # r = -0.30 exactly: VERY_CHEAP is r <= -0.30
        Level.VERY_EXPENSIVE,  # r = +0.30 exactly: EXPENSIVE is r < 0.30
        Level.VERY_EXPENSIVE,
    ]
    # med = (0.45 + 0.65) / 2 = 0.55, scale = hi - lo = 1.0:
    # r = -0.55, -0.35, -0.10, +0.10, +0.35, +0.45.
    assert levels(prices("0", "0.2", "0.45", "0.65", "0.9", "1.0")) == [
        Level.VERY_CHEAP,
        Level.VERY_CHEAP,
        Level.CHEAP,  # r = -0.10 exactly: CHEAP is r <= -0.10
        Level.EXPENSIVE,  # r = +0.10 exactly: NORMAL is r < 0.10
        Level.VERY_EXPENSIVE,
        Level.VERY_EXPENSIVE,
    ]


def test_no_known_prices() -> None:
    assert levels([None, None]) == [None, None]
    assert levels([]) == []
