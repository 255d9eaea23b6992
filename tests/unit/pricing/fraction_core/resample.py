"""Resampling a curve onto the grid of the local clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Generic
from zoneinfo import ZoneInfo

from energy_contracts.pricing.model import Segment, T
from tests.unit.pricing.fraction_core._arguments import grid_minutes, utc_range
from tests.unit.pricing.fraction_core._exact import (
    microseconds,
    time_weighted_mean,
    uniform_price,
)
from tests.unit.pricing.fraction_core.curve import tile
from tests.unit.pricing.fraction_core.local_time import local_grid


def resample(
    curve: Sequence[Segment[T]], start: datetime, end: datetime, minutes: int, tz: ZoneInfo
) -> list[Segment[T]]:
    """``[start, end)`` cut on the ``minutes`` grid of the local clock in ``tz``, one slot each.

    The slots run between consecutive grid instants (see ``local_grid``), so each is an actual
    span of time: across a clock change a slot may be longer or shorter than ``minutes``, never
    empty. The first and last slot are partial when ``start`` or ``end`` is off the grid.

    A slot's price is the time-weighted mean over the slot (see the package docstring for its
    precision), or ``None`` if any part of the slot is unknown. Its origin is the origin that
    covers the most time in the slot, ties going to the one that comes first; an unknown slot
    has origin ``None``.
    """
    return [slot.as_segment() for slot in slot_averages(curve, start, end, minutes, tz)]


@dataclass(frozen=True, slots=True)
class SlotAverage(Generic[T]):
    """One resampled slot with its exact price integral, for callers that compare means."""

    start: datetime
    end: datetime
    duration_us: int
    integral: Fraction | None
    """Price × microseconds over the slot, exact; ``None`` if any part is unknown."""
    uniform_price: Decimal | None
    """The price, if one price covers the whole slot."""
    origin: T | None

    @property
    def exact_mean(self) -> Fraction | None:
        return None if self.integral is None else self.integral / self.duration_us

    def as_segment(self) -> Segment[T]:
        if self.integral is None:
            return Segment(self.start, self.end, None, None)
        mean = time_weighted_mean(self.integral, self.duration_us, self.uniform_price)
        return Segment(self.start, self.end, mean, self.origin)


def slot_averages(
    curve: Sequence[Segment[T]],
    start: datetime,
    end: datetime,
    minutes: int,
    tz: ZoneInfo,
    *,
    minutes_parameter: str = "minutes",
) -> list[SlotAverage[T]]:
    """The slots of ``resample`` with exact integrals instead of rounded means."""
    start, end = utc_range(start, end)
    grid_minutes(minutes, minutes_parameter)
    grid = local_grid(start, end, minutes, tz)
    boundaries = [start, *(instant for instant in grid if instant > start), end]
    pieces = tile(curve, start, end)
    # Converted once per piece: a long piece is shared by many slots.
    exact_prices = [None if piece.price is None else Fraction(piece.price) for piece in pieces]

    slots: list[SlotAverage[T]] = []
    first_piece = 0  # pieces before it end before the current slot
    for slot_start, slot_end in pairwise(boundaries):
        while pieces[first_piece].end <= slot_start:
            first_piece += 1
        last_piece = first_piece
        while last_piece + 1 < len(pieces) and pieces[last_piece + 1].start < slot_end:
            last_piece += 1
        inside = [
            Segment(
                max(piece.start, slot_start), min(piece.end, slot_end), piece.price, piece.origin
            )
            for piece in pieces[first_piece : last_piece + 1]
        ]
        slots.append(
            _average(slot_start, slot_end, inside, exact_prices[first_piece : last_piece + 1])
        )
    return slots


def _average(
    start: datetime,
    end: datetime,
    inside: list[Segment[T]],
    exact_prices: list[Fraction | None],
) -> SlotAverage[T]:
    duration_us = microseconds(end - start)
    integral = Fraction(0)
    for piece, exact_price in zip(inside, exact_prices, strict=True):
        if exact_price is None:
            return SlotAverage(start, end, duration_us, None, None, None)
        integral += exact_price * microseconds(piece.end - piece.start)
    return SlotAverage(
        start,
        end,
        duration_us,
        integral,
        uniform_price([piece.price for piece in inside]),
        _dominant_origin(inside),
    )


def _dominant_origin(inside: list[Segment[T]]) -> T | None:
    """The origin covering the most time; ties go to the origin that comes first.

    Origins are compared with ``==`` only, as the caller's objects need not be hashable.
    """
    origins: list[T | None] = []
    durations: list[int] = []
    for piece in inside:
        duration = microseconds(piece.end - piece.start)
        for index, origin in enumerate(origins):
            if origin == piece.origin:
                durations[index] += duration
                break
        else:
            origins.append(piece.origin)
            durations.append(duration)
    longest = max(durations)
    return origins[durations.index(longest)]
