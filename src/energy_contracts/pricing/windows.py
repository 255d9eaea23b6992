"""Where a flexible load runs cheapest: one contiguous window, or the cheapest grid slots."""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import repeat
from zoneinfo import ZoneInfo

from energy_contracts.pricing._arguments import positive_minutes, utc_range
from energy_contracts.pricing._exact import (
    microseconds,
    time_weighted_mean,
    uniform_price,
)
from energy_contracts.pricing._profile import TiledProfile
from energy_contracts.pricing.curve import tile
from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.model import Segment, T, Window
from energy_contracts.pricing.resample import grid_slots


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
    ``b - minutes``. Only those O(n) candidates are evaluated, in one sweep over prefix sums
    of price × time, in exact integer arithmetic.
    """
    start, end = utc_range(start, end)
    positive_minutes(minutes, "minutes")
    length = timedelta(minutes=minutes)
    if length > end - start:
        raise PricingInputError("minutes", "is longer than the range from start to end")

    profile = TiledProfile(tile(curve, start, end), start)
    length_us = microseconds(length)
    last_start_us = profile.bounds_us[-1] - length_us
    bounds = profile.bounds_us
    candidates = sorted({0, last_start_us, *bounds, *map(operator.sub, bounds, repeat(length_us))})
    starts_us = candidates[bisect_left(candidates, 0) : bisect_right(candidates, last_start_us)]
    found = _lowest_known_integral(profile, starts_us, length_us)
    if found is None:
        return None
    best_start_us, best_integral = found

    window_start = start + timedelta(microseconds=best_start_us)
    window_end = window_start + length
    slots = tile(curve, window_start, window_end)
    average = time_weighted_mean(
        best_integral, length_us, profile.denominator, uniform_price([slot.price for slot in slots])
    )
    return Window(window_start, window_end, average, slots)


def _lowest_known_integral(
    profile: TiledProfile[T], starts_us: Sequence[int], length_us: int
) -> tuple[int, int] | None:
    """``(start, integral)`` of the wholly known window of ``length_us`` with the lowest
    integral among those starting at ``starts_us`` (ascending), ties to the earliest; ``None``
    if none is wholly known.

    One sweep: as the window's start and end move forward, so do the pieces they lie in (the
    last piece for a position at the very end of the range).
    """
    # ``profile.integral_at`` and ``unknown_at``, inlined: this loop is the function's cost.
    bounds, rates, unknown = profile.bounds_us, profile.rates, profile.unknown
    integral_before, unknown_before = profile.integral_before, profile.unknown_before
    last_piece = len(rates) - 1
    some_unknown = unknown_before[-1] > 0
    at_start = at_end = 0
    best: tuple[int, int] | None = None
    for start_us in starts_us:
        end_us = start_us + length_us
        while at_start < last_piece and bounds[at_start + 1] <= start_us:
            at_start += 1
        while at_end < last_piece and bounds[at_end + 1] <= end_us:
            at_end += 1
        into_start, into_end = start_us - bounds[at_start], end_us - bounds[at_end]
        if some_unknown and unknown_before[at_end] + unknown[at_end] * into_end != (
            unknown_before[at_start] + unknown[at_start] * into_start
        ):
            continue
        integral = (integral_before[at_end] + rates[at_end] * into_end) - (
            integral_before[at_start] + rates[at_start] * into_start
        )
        if best is None or integral < best[1]:
            best = (start_us, integral)
    return best


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
    slots = grid_slots(curve, start, end, slot_minutes, tz, minutes_parameter="slot_minutes")
    known = [index for index in range(len(slots)) if slots.is_known(index)]
    durations_us = list(map(slots.duration_us, known))
    means: Sequence[Decimal] | Sequence[int]
    if all(map(slots.in_one_piece, known)):
        # Each slot's mean is its one price, compared as it is.
        means = list(map(slots.price_in_one_piece, known))
    else:
        # Means compared exactly as integers: each integral over one common multiple of the
        # slots' durations (a few distinct ones: full, partial and clock-change slots).
        integrals, _ = slots.integrals(known)
        common = math.lcm(*set(durations_us))
        means = list(map(operator.mul, integrals, map(common.__floordiv__, durations_us)))
    # Stable, so equal means keep time order: ties go to the earlier slot.
    cheapest_first = sorted(range(len(known)), key=means.__getitem__)
    needed_us = microseconds(needed)
    chosen: list[int] = []
    chosen_us = 0
    for rank in cheapest_first:
        if chosen_us >= needed_us:
            break
        chosen.append(rank)
        chosen_us += durations_us[rank]
    if chosen_us < needed_us:
        return None

    chosen_slots = [known[rank] for rank in sorted(chosen)]
    average = uniform_price(list(map(slots.uniform_price, chosen_slots)))
    if average is None:
        integrals, denominator = slots.integrals(chosen_slots)
        average = time_weighted_mean(sum(integrals), chosen_us, denominator, None)
    first, last = chosen_slots[0], chosen_slots[-1]
    return Window(
        slots.boundaries[first],
        slots.boundaries[last + 1],
        average,
        list(map(slots.segment, chosen_slots)),
    )
