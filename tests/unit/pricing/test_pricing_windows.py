"""cheapest_window and cheapest_slots on hand-made curves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from energy_contracts.pricing import (
    PricingInputError,
    Segment,
    Window,
    cheapest_slots,
    cheapest_window,
)

UTC_ZONE = ZoneInfo("UTC")
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


def test_ties_go_to_the_earliest_window() -> None:
    # 01:00 and 03:00 both cost 0.1 for an hour; every other start mixes in a dearer hour.
    curve = hourly(utc(2024, 5, 1), ["0.3", "0.1", "0.2", "0.1", "0.3"])

    window = cheapest_window(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 5), 60)

    assert window == Window(
        utc(2024, 5, 1, 1),
        utc(2024, 5, 1, 2),
        Decimal("0.1"),
        [Segment(utc(2024, 5, 1, 1), utc(2024, 5, 1, 2), Decimal("0.1"), "c1")],
    )


def test_the_best_start_may_lie_off_every_grid() -> None:
    # 0.2 until 01:00, free from 01:00 to 01:20, 0.5 after. A 30-minute window starting at
    # s in [00:50, 01:00] pays 0.2 × (01:00 - s) + 0.5 × (s + 30 - 01:20): 2.0 at 00:50
    # (= 01:20 - 30 min, a boundary minus the length), rising to 5.0 at 01:00.
    curve = [
        Segment(utc(2024, 5, 1, 0), utc(2024, 5, 1, 1), Decimal("0.2"), "c1"),
        Segment(utc(2024, 5, 1, 1), utc(2024, 5, 1, 1, 20), Decimal("0"), "c1"),
        Segment(utc(2024, 5, 1, 1, 20), utc(2024, 5, 1, 3), Decimal("0.5"), "c1"),
    ]

    window = cheapest_window(curve, utc(2024, 5, 1, 0, 3, 7), utc(2024, 5, 1, 3), 30)

    assert window is not None
    assert (window.start, window.end) == (utc(2024, 5, 1, 0, 50), utc(2024, 5, 1, 1, 20))
    # 0.2 × 10 min / 30 min = 0.0666…
    assert window.average_price == Decimal("0.0666666667")
    assert [slot.price for slot in window.slots] == [Decimal("0.2"), Decimal("0")]


def test_windows_never_reach_into_a_gap_and_may_end_at_the_range_end() -> None:
    # 02:00-03:00 is unknown, not free: the cheapest wholly known two hours are the last two.
    curve = hourly(utc(2024, 5, 1), ["0.3", "0.2", None, "-0.1", "0.4", "0.25"])

    window = cheapest_window(curve, utc(2024, 5, 1, 0), utc(2024, 5, 1, 6), 120)

    # Candidates: 00:00 → 0.25, 03:00 → (-0.1 + 0.4) / 2 = 0.15, 04:00 → 0.325.
    assert window is not None
    assert (window.start, window.average_price) == (utc(2024, 5, 1, 3), Decimal("0.15"))


def test_no_wholly_known_window_is_none() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.1", None, "0.1"])

    assert cheapest_window(curve, utc(2024, 5, 1), utc(2024, 5, 1, 3), 90) is None


def test_a_window_longer_than_the_range_is_an_input_error() -> None:
    with pytest.raises(PricingInputError) as error:
        cheapest_window([], utc(2024, 5, 1), utc(2024, 5, 1, 1), 61)

    assert error.value.parameter == "minutes"


def test_cheapest_slots_pick_the_cheapest_quarters_earliest_first() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.3", "0.1", "0.2", "0.1"])

    chosen = cheapest_slots(curve, utc(2024, 5, 1), utc(2024, 5, 1, 4), 90, 15, UTC_ZONE)

    # Eight quarters at 0.1 tie; the six earliest are 01:00-02:00 and 03:00-03:30.
    assert chosen is not None
    assert [slot.start for slot in chosen.slots] == [
        utc(2024, 5, 1, 1, 0),
        utc(2024, 5, 1, 1, 15),
        utc(2024, 5, 1, 1, 30),
        utc(2024, 5, 1, 1, 45),
        utc(2024, 5, 1, 3, 0),
        utc(2024, 5, 1, 3, 15),
    ]
    assert (chosen.start, chosen.end) == (utc(2024, 5, 1, 1), utc(2024, 5, 1, 3, 30))
    assert chosen.average_price == Decimal("0.1")


def test_cheapest_slots_average_only_over_the_chosen_slots() -> None:
    curve = hourly(utc(2024, 5, 1), ["0.3", "0.1", "0.5", "0.2"])

    chosen = cheapest_slots(curve, utc(2024, 5, 1), utc(2024, 5, 1, 4), 120, 60, UTC_ZONE)

    # 01:00 (0.1) and 03:00 (0.2): (0.1 + 0.2) / 2 = 0.15.
    assert chosen is not None
    assert [(slot.start, slot.price) for slot in chosen.slots] == [
        (utc(2024, 5, 1, 1), Decimal("0.1")),
        (utc(2024, 5, 1, 3), Decimal("0.2")),
    ]
    assert chosen.average_price == Decimal("0.15")


def test_cheapest_slots_skip_partly_unknown_slots_and_may_run_short() -> None:
    # 00:00-01:30 known: the hour slot 01:00-02:00 is partly unknown, so only one hour is there.
    curve = [Segment(utc(2024, 5, 1), utc(2024, 5, 1, 1, 30), Decimal("0.1"), "c1")]

    assert cheapest_slots(curve, utc(2024, 5, 1), utc(2024, 5, 1, 3), 61, 60, UTC_ZONE) is None
    with pytest.raises(PricingInputError) as error:
        cheapest_slots(curve, utc(2024, 5, 1), utc(2024, 5, 1, 3), 60, 45, UTC_ZONE)
    assert error.value.parameter == "slot_minutes"
