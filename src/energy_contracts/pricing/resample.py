"""Resampling a curve onto the grid of the local clock.

A slot that lies within one piece of the tiled range has that piece's price and origin, as
they are: on a grid at least as fine as the prices that is every slot, and no arithmetic is
done. A slot spanning several pieces gets its mean from an exact integer integral (see
``_profile`` and ``_exact``), rounded once, at the output.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from itertools import accumulate, islice, repeat
from typing import Generic
from zoneinfo import ZoneInfo

from energy_contracts.pricing._arguments import grid_minutes, utc_range
from energy_contracts.pricing._exact import common_units, microseconds, time_weighted_mean
from energy_contracts.pricing._profile import TiledProfile, offsets_us
from energy_contracts.pricing.curve import tile
from energy_contracts.pricing.local_time import local_grid
from energy_contracts.pricing.model import Segment, T


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
    slots = grid_slots(curve, start, end, minutes, tz)
    return list(map(slots.segment, range(len(slots))))


class GridSlots(Generic[T]):
    """A range cut on the local grid: slot ``i`` runs from ``boundaries[i]`` to
    ``boundaries[i + 1]`` and lies in the tiled pieces ``firsts[i]`` to ``lasts[i]``."""

    def __init__(self, boundaries: list[datetime], pieces: list[Segment[T]]) -> None:
        self.boundaries = boundaries
        self.pieces = pieces
        self.profile = TiledProfile(pieces, boundaries[0])
        # Piece k runs up to piece_ends[k]: the pieces holding each slot's first and last
        # instant.
        piece_ends = list(map(_END_OF, pieces))
        self.firsts = list(
            map(bisect_right, repeat(piece_ends), islice(boundaries, len(boundaries) - 1))
        )
        self.lasts = list(map(bisect_left, repeat(piece_ends), islice(boundaries, 1, None)))

    def __len__(self) -> int:
        return len(self.firsts)

    def duration_us(self, index: int) -> int:
        return microseconds(self.boundaries[index + 1] - self.boundaries[index])

    def is_known(self, index: int) -> bool:
        first, last = self.firsts[index], self.lasts[index]
        if first == last:
            return self.pieces[first].price is not None
        profile, bounds = self.profile, self.slot_bounds_us
        return profile.unknown_at(last, bounds[index + 1]) == profile.unknown_at(
            first, bounds[index]
        )

    def in_one_piece(self, index: int) -> bool:
        return self.firsts[index] == self.lasts[index]

    def price_in_one_piece(self, index: int) -> Decimal:
        """The price of a known slot that lies in one piece."""
        price = self.pieces[self.firsts[index]].price
        assert self.in_one_piece(index), "a slot in one piece"
        assert price is not None, "a known slot"
        return price

    def integrals(self, indexes: Sequence[int]) -> tuple[list[int], int]:
        """The exact price × time of each of these known slots in units of ``1 / denominator``
        × microseconds, and the denominator."""
        if all(map(self.in_one_piece, indexes)):
            # One price per slot: only these prices need to become integers.
            units, denominator = common_units(list(map(self.price_in_one_piece, indexes)))
            return list(map(operator.mul, units, map(self.duration_us, indexes))), denominator
        return list(map(self._integral, indexes)), self.profile.denominator

    def uniform_price(self, index: int) -> Decimal | None:
        """The price of known slot ``index`` if one price covers it, as the first piece has it."""
        first, last = self.firsts[index], self.lasts[index]
        if first == last or self._price_changes[first] == self._price_changes[last]:
            return self.pieces[first].price
        return None

    def segment(self, index: int) -> Segment[T]:
        """Slot ``index`` as ``resample`` returns it."""
        first = self.firsts[index]
        start, end = self.boundaries[index], self.boundaries[index + 1]
        if first == self.lasts[index]:
            piece = self.pieces[first]
            return Segment(start, end, piece.price, piece.origin)
        if not self.is_known(index):
            return Segment(start, end, None, None)
        mean = self.uniform_price(index)
        if mean is None:
            duration_us = self.duration_us(index)
            mean = time_weighted_mean(
                self._integral(index), duration_us, self.profile.denominator, None
            )
        return Segment(start, end, mean, self._dominant_origin(index))

    def _integral(self, index: int) -> int:
        profile, bounds = self.profile, self.slot_bounds_us
        return profile.integral_at(self.lasts[index], bounds[index + 1]) - profile.integral_at(
            self.firsts[index], bounds[index]
        )

    @cached_property
    def slot_bounds_us(self) -> list[int]:
        return offsets_us(self.boundaries, self.boundaries[0])

    @cached_property
    def _price_changes(self) -> list[int]:
        """Per piece, how often the price changed before it: equal counts at two pieces mean
        one price from the first to the second."""
        prices = list(map(_PRICE_OF, self.pieces))
        return list(accumulate(map(operator.ne, islice(prices, 1, None), prices), initial=0))

    @cached_property
    def _origin_changes(self) -> list[int]:
        origins = list(map(_ORIGIN_OF, self.pieces))
        return list(accumulate(map(operator.ne, islice(origins, 1, None), origins), initial=0))

    def _dominant_origin(self, index: int) -> T | None:
        """The origin covering the most time of the slot; ties go to the one that comes first.

        Origins are compared with ``==`` only, as the caller's objects need not be hashable.
        """
        first, last = self.firsts[index], self.lasts[index]
        if first == last or self._origin_changes[first] == self._origin_changes[last]:
            return self.pieces[first].origin
        slot_from, slot_to = self.slot_bounds_us[index], self.slot_bounds_us[index + 1]
        bounds = self.profile.bounds_us
        distinct: list[T | None] = []
        totals: list[int] = []
        for piece in range(first, last + 1):
            origin = self.pieces[piece].origin
            duration = min(bounds[piece + 1], slot_to) - max(bounds[piece], slot_from)
            for seen_index, seen in enumerate(distinct):
                if seen == origin:
                    totals[seen_index] += duration
                    break
            else:
                distinct.append(origin)
                totals.append(duration)
        return distinct[totals.index(max(totals))]


def grid_slots(
    curve: Sequence[Segment[T]],
    start: datetime,
    end: datetime,
    minutes: int,
    tz: ZoneInfo,
    *,
    minutes_parameter: str = "minutes",
) -> GridSlots[T]:
    """The slots of ``resample``, with what it takes to compare their means exactly."""
    boundaries = grid_boundaries(start, end, minutes, tz, minutes_parameter=minutes_parameter)
    return GridSlots(boundaries, tile(curve, boundaries[0], boundaries[-1]))


def grid_boundaries(
    start: datetime,
    end: datetime,
    minutes: int,
    tz: ZoneInfo,
    *,
    minutes_parameter: str = "minutes",
) -> list[datetime]:
    """``start``, the grid instants after it (``local_grid``) and ``end``, in UTC: where the
    slots of ``resample`` begin and end."""
    start, end = utc_range(start, end)
    grid_minutes(minutes, minutes_parameter)
    grid = local_grid(start, end, minutes, tz)
    return [start, *(instant for instant in grid if instant > start), end]


_END_OF = operator.attrgetter("end")
_PRICE_OF = operator.attrgetter("price")
_ORIGIN_OF = operator.attrgetter("origin")
