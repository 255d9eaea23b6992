"""Where a flexible load runs cheapest: one contiguous window, or the cheapest grid slots."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.model import Segment, T, Window
from tests.unit.pricing.fraction_core._arguments import positive_minutes, utc_range
from tests.unit.pricing.fraction_core._exact import (
    decimal_places,
    microseconds,
    time_weighted_mean,
    uniform_price,
)
from tests.unit.pricing.fraction_core.curve import tile
from tests.unit.pricing.fraction_core.resample import SlotAverage, slot_averages


def cheapest_window(
    curve: Sequence[Segment[T]], start: datetime, end: datetime, minutes: int
) -> Window[T] | None:
    """The ``minutes`` long window in ``[start, end)`` with the lowest time-weighted mean price.

    Candidate starts are all instants ``s`` in ``[start, end - minutes]`` whose window
    ``[s, s + minutes)`` is wholly known; ties go to the earliest. ``None`` if no window is
    wholly known.

    Exact for any start, not only grid starts: the window's price integral is piecewise linear
    in ``s`` with breaks where ``s`` or ``s + minutes`` crosses a segment boundary ``b``, so
    the earliest minimum lies at ``start``, ``end - minutes``, some ``b`` or some
    ``b - minutes``. Only those O(n) candidates are evaluated, each in O(log n) from prefix
    sums of price × time, in exact integer arithmetic.
    """
    start, end = utc_range(start, end)
    positive_minutes(minutes, "minutes")
    length = timedelta(minutes=minutes)
    if length > end - start:
        raise PricingInputError("minutes", "is longer than the range from start to end")

    profile = _PriceProfile(tile(curve, start, end), start)
    length_us = microseconds(length)
    last_start_us = profile.total_us - length_us
    candidates = {0, last_start_us}
    for boundary in profile.boundaries_us:
        candidates.update((boundary, boundary - length_us))

    best_start_us: int | None = None
    best_integral = 0
    for start_us in sorted(candidates):
        if not 0 <= start_us <= last_start_us:
            continue
        if profile.unknown_us(start_us, start_us + length_us):
            continue
        integral = profile.scaled_integral(start_us, start_us + length_us)
        if best_start_us is None or integral < best_integral:
            best_start_us, best_integral = start_us, integral
    if best_start_us is None:
        return None

    window_start = start + timedelta(microseconds=best_start_us)
    window_end = window_start + length
    slots = tile(curve, window_start, window_end)
    exact_integral = Fraction(best_integral, profile.price_scale)
    average = time_weighted_mean(
        exact_integral, length_us, uniform_price([slot.price for slot in slots])
    )
    return Window(window_start, window_end, average, slots)


def cheapest_slots(
    curve: Sequence[Segment[T]],
    start: datetime,
    end: datetime,
    minutes: int,
    slot_minutes: int,
    tz: ZoneInfo,
) -> Window[T] | None:
    """The cheapest wholly known slots of the local ``slot_minutes`` grid, ``minutes`` in all.

    ``[start, end)`` is cut as ``resample`` cuts it. Slots are taken cheapest first (by their
    exact mean; ties go to the earlier slot) until their total duration reaches ``minutes``;
    partial or clock-change slots count with their actual duration. The result lists the
    chosen slots in time order; its ``start`` and ``end`` are the first slot's start and the
    last slot's end, and its ``average_price`` is the time-weighted mean over the chosen slots
    only. ``None`` if the known slots add up to less than ``minutes``.
    """
    start, end = utc_range(start, end)
    positive_minutes(minutes, "minutes")
    needed = timedelta(minutes=minutes)
    if needed > end - start:
        raise PricingInputError("minutes", "is longer than the range from start to end")
    slots = slot_averages(curve, start, end, slot_minutes, tz, minutes_parameter="slot_minutes")

    def cheapest_first(slot: SlotAverage[T]) -> tuple[Fraction, datetime]:
        assert slot.exact_mean is not None, "only known slots are ranked"
        return slot.exact_mean, slot.start

    known = sorted((slot for slot in slots if slot.integral is not None), key=cheapest_first)
    needed_us = microseconds(needed)
    chosen: list[SlotAverage[T]] = []
    chosen_us = 0
    for slot in known:
        if chosen_us >= needed_us:
            break
        chosen.append(slot)
        chosen_us += slot.duration_us
    if chosen_us < needed_us:
        return None

    chosen.sort(key=lambda slot: slot.start)
    integral = sum((slot.integral for slot in chosen if slot.integral is not None), Fraction(0))
    average = time_weighted_mean(
        integral, chosen_us, uniform_price([slot.uniform_price for slot in chosen])
    )
    return Window(chosen[0].start, chosen[-1].end, average, [slot.as_segment() for slot in chosen])


class _PriceProfile:
    """Prefix sums over a tiled range, positions in microseconds from the range start.

    Prices are scaled by ``price_scale`` (a power of ten) to integers, so integrals are exact
    integers and comparing two windows of equal length needs no division.
    """

    def __init__(self, pieces: Sequence[Segment[T]], origin_instant: datetime) -> None:
        places = max(
            (decimal_places(piece.price) for piece in pieces if piece.price is not None),
            default=0,
        )
        self.price_scale = 10**places
        self.boundaries_us = [0]
        self._scaled_prices: list[int] = []
        self._unknown: list[int] = []  # 1 for an unknown piece, as a rate of unknown time
        self._integral_before = [0]
        self._unknown_before = [0]
        for piece in pieces:
            duration_us = microseconds(piece.end - piece.start)
            scaled_price = (
                0 if piece.price is None else int(Fraction(piece.price) * self.price_scale)
            )
            unknown = 1 if piece.price is None else 0
            self._scaled_prices.append(scaled_price)
            self._unknown.append(unknown)
            self.boundaries_us.append(microseconds(piece.end - origin_instant))
            self._integral_before.append(self._integral_before[-1] + scaled_price * duration_us)
            self._unknown_before.append(self._unknown_before[-1] + unknown * duration_us)
        self.total_us = self.boundaries_us[-1]

    def scaled_integral(self, from_us: int, to_us: int) -> int:
        """Price × price_scale × microseconds over ``[from_us, to_us)``."""
        return self._cumulative(to_us, self._integral_before, self._scaled_prices) - (
            self._cumulative(from_us, self._integral_before, self._scaled_prices)
        )

    def unknown_us(self, from_us: int, to_us: int) -> int:
        """How many microseconds of ``[from_us, to_us)`` have no known price."""
        return self._cumulative(to_us, self._unknown_before, self._unknown) - (
            self._cumulative(from_us, self._unknown_before, self._unknown)
        )

    def _cumulative(self, position_us: int, before: list[int], rates: list[int]) -> int:
        piece = bisect_right(self.boundaries_us, position_us) - 1
        if piece >= len(rates):
            return before[-1]
        return before[piece] + rates[piece] * (position_us - self.boundaries_us[piece])
