"""Totals per kWh: an energy curve with a tariff added, itemised (SPEC §11).

``with_tariff`` combines an energy curve with what a tariff adds (``tariffs.tariff_curve``,
which many energy curves can share): at each instant ``net = energy + Σ components``, ``vat =
net × vat_percent / 100`` (0 where ``net < 0`` and VAT does not apply to negative prices) and
``price = net + vat``, unknown where the energy price or the tariff is. The result is a curve
again: each segment's price is the total and its origin an ``Itemised``, the energy curve's
origin with the ``Breakdown`` ``{energy, grid, levy, other, vat}``. So ``tile``, ``levels``,
``cheapest_window``, ``cheapest_slots`` and ``cost`` work on totals as they are, ``tile`` cuts
wherever the total, any part or the origin changes and merges equal neighbours, and
``resample_itemised`` resamples with each part's time-weighted mean.

Exactness: sums and products are taken in a decimal context that never rounds; the energy
part is the energy price as given, every other part and the total are written without
trailing fractional zeros (``_exact.canonical``). Resampled parts are rounded like prices.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from itertools import accumulate, islice, repeat
from typing import Generic, NamedTuple
from zoneinfo import ZoneInfo

from energy_contracts.pricing._exact import EXACT, canonical_all, time_weighted_mean
from energy_contracts.pricing._profile import TiledProfile
from energy_contracts.pricing.curve import tile
from energy_contracts.pricing.model import Segment, T
from energy_contracts.pricing.resample import GridSlots, grid_boundaries
from energy_contracts.pricing.tariffs import Surcharge, Tariff

_ZERO = Decimal(0)


class Breakdown(NamedTuple):
    """A total price per kWh in its parts: ``energy + grid + levy + other + vat``.

    A named tuple rather than a dataclass: a day's read makes one per interval, and tuples
    are made in C (``tuple.__new__`` over ``zip``) at a quarter of the cost.
    """

    energy: Decimal
    grid: Decimal
    levy: Decimal
    other: Decimal
    vat: Decimal


class Itemised(NamedTuple, Generic[T]):
    """The origin of a price (the caller's, as a curve's segment carries it) and its
    ``breakdown``; ``None`` where the price comes without one (a contract without a tariff).
    A named tuple, like ``Breakdown``."""

    origin: T | None
    breakdown: Breakdown | None


def with_tariff(
    curve: Sequence[Segment[T]], surcharges: Sequence[Segment[Surcharge]], tariff: Tariff
) -> list[Segment[Itemised[T]]]:
    """The total per kWh where ``curve`` (energy prices) and ``surcharges`` (the tariff's
    curve, ``tariff_curve(tariff, start, end)``) are both known: a curve over the range of
    ``surcharges``, cut wherever either changes, in UTC. See the module docstring."""
    energy = [
        segment if segment.start.tzinfo is UTC and segment.end.tzinfo is UTC else _in_utc(segment)
        for segment in curve
        if segment.price is not None
    ]
    segment_starts = list(map(_START_OF, energy))
    segment_ends = list(map(_END_OF, energy))
    # Where each energy segment meets a known stretch of the tariff: one piece, in columns, so
    # that the arithmetic and the objects are made in whole-column passes. A day's stretches
    # of a tariff are few, the energy segments in each many: each stretch takes its slice.
    starts: list[datetime] = []
    ends: list[datetime] = []
    energies: list[Decimal] = []
    origins: list[T | None] = []
    parts: list[Surcharge] = []
    for stretch in surcharges:
        surcharge = stretch.origin
        if surcharge is None:
            continue
        first = bisect_right(segment_ends, stretch.start)
        end = bisect_left(segment_starts, stretch.end, first)
        if first == end:
            continue
        inside = energy[first:end]
        piece_starts, piece_ends = segment_starts[first:end], segment_ends[first:end]
        # Only the first and the last segment can reach beyond the stretch.
        if piece_starts[0] < stretch.start:
            piece_starts[0] = stretch.start
        if piece_ends[-1] > stretch.end:
            piece_ends[-1] = stretch.end
        starts += piece_starts
        ends += piece_ends
        energies += map(_PRICE_OF, inside)
        origins += map(_ORIGIN_OF, inside)
        parts += repeat(surcharge, end - first)

    nets = list(map(EXACT.add, energies, map(_NET_OF, parts)))
    vats = _vats(nets, tariff)
    totals = canonical_all(map(EXACT.add, nets, vats))
    breakdowns = zip(
        energies,
        map(_GRID_OF, parts),
        map(_LEVY_OF, parts),
        map(_OTHER_OF, parts),
        vats,
        strict=True,
    )
    itemised = zip(origins, map(tuple.__new__, repeat(Breakdown), breakdowns), strict=True)
    make: Callable[[datetime, datetime, Decimal, Itemised[T]], Segment[Itemised[T]]]
    make = Segment
    return list(map(make, starts, ends, totals, map(tuple.__new__, repeat(Itemised), itemised)))


def _in_utc(segment: Segment[T]) -> Segment[T]:
    return Segment(
        segment.start.astimezone(UTC), segment.end.astimezone(UTC), segment.price, segment.origin
    )


def _vats(nets: list[Decimal], tariff: Tariff) -> list[Decimal]:
    """VAT on each net price: ``net × vat_percent / 100``, or 0 where the net price is
    negative and VAT does not apply there."""
    rate = EXACT.scaleb(tariff.vat_percent, -2)
    if not rate:
        return [_ZERO] * len(nets)
    vats = canonical_all(map(EXACT.multiply, nets, repeat(rate)))
    if tariff.vat_on_negative:
        return vats
    return [_ZERO if net < 0 else vat for net, vat in zip(nets, vats, strict=True)]


def without_tariff(curve: Sequence[Segment[T]]) -> list[Segment[Itemised[T]]]:
    """``curve`` with ``Itemised`` origins that carry no breakdown: so that a contract without
    a tariff can be overridden by (or override) one with a tariff."""
    return [
        Segment(segment.start, segment.end, segment.price, Itemised(segment.origin, None))
        for segment in curve
    ]


def resample_itemised(
    curve: Sequence[Segment[Itemised[T]]],
    start: datetime,
    end: datetime,
    minutes: int,
    tz: ZoneInfo,
) -> list[Segment[Itemised[T]]]:
    """``resample`` of a curve with ``Itemised`` origins, each part averaged like the price.

    Slots, prices and origins are those of ``resample`` of the same curve with the callers'
    own origins (the origin covering the most time wins, whatever the breakdowns). A slot's
    breakdown has each part's time-weighted mean, rounded like the price (see the package
    docstring), so the parts of a mixed slot add up to its price only within rounding; it is
    ``None`` if any part of the slot has no breakdown.
    """
    boundaries = grid_boundaries(start, end, minutes, tz)
    pieces = tile(curve, boundaries[0], boundaries[-1])
    origins = [None if piece.origin is None else piece.origin.origin for piece in pieces]
    plain = GridSlots(
        boundaries,
        [
            Segment(piece.start, piece.end, piece.price, origin)
            for piece, origin in zip(pieces, origins, strict=True)
        ],
    )
    parts = _Parts(pieces, plain)
    resampled: list[Segment[Itemised[T]]] = []
    for index in range(len(plain)):
        first = plain.firsts[index]
        if first == plain.lasts[index]:
            resampled.append(
                Segment(
                    boundaries[index],
                    boundaries[index + 1],
                    pieces[first].price,
                    pieces[first].origin,
                )
            )
            continue
        slot = plain.segment(index)
        if slot.price is None or slot.origin is None:
            resampled.append(Segment(slot.start, slot.end, None, None))
            continue
        itemised = Itemised(slot.origin, parts.breakdown(index))
        resampled.append(Segment(slot.start, slot.end, slot.price, itemised))
    return resampled


class _Parts(Generic[T]):
    """The parts of the breakdowns of tiled pieces, resampled on the slots of ``plain``."""

    def __init__(self, pieces: list[Segment[Itemised[T]]], plain: GridSlots[T]) -> None:
        self.pieces = pieces
        self.plain = plain
        self._profiles: dict[str, TiledProfile[Itemised[T]]] = {}
        breakdowns = [None if piece.origin is None else piece.origin.breakdown for piece in pieces]
        self.breakdowns = breakdowns
        # Per piece, how many known pieces without a breakdown come before it.
        self._bare_before = list(
            accumulate(
                (
                    breakdown is None and piece.price is not None
                    for piece, breakdown in zip(pieces, breakdowns, strict=True)
                ),
                initial=0,
            )
        )

    def breakdown(self, index: int) -> Breakdown | None:
        """The breakdown of known slot ``index``, which spans several pieces."""
        first, last = self.plain.firsts[index], self.plain.lasts[index]
        if self._bare_before[last + 1] != self._bare_before[first]:
            return None
        return Breakdown(*(self._mean(part, index, first, last) for part in _PART_NAMES))

    def _mean(self, part: str, index: int, first: int, last: int) -> Decimal:
        changes = self._changes[part]
        if changes[first] == changes[last]:
            value = self._values[part][first]
            assert value is not None, "a known piece with a breakdown"
            return value
        profile = self._profile(part)
        slot_from = self.plain.slot_bounds_us[index]
        slot_to = self.plain.slot_bounds_us[index + 1]
        integral = profile.integral_at(last, slot_to) - profile.integral_at(first, slot_from)
        return time_weighted_mean(integral, slot_to - slot_from, profile.denominator, None)

    @cached_property
    def _values(self) -> dict[str, list[Decimal | None]]:
        missing: tuple[Decimal | None, ...] = (None,) * len(_PART_NAMES)
        rows = [missing if breakdown is None else breakdown for breakdown in self.breakdowns]
        return {
            part: list(map(operator.itemgetter(position), rows))
            for position, part in enumerate(_PART_NAMES)
        }

    @cached_property
    def _changes(self) -> dict[str, list[int]]:
        """Per part and piece, how often the part changed before it (see ``GridSlots``)."""
        changes: dict[str, list[int]] = {}
        for part, values in self._values.items():
            changed = map(operator.ne, islice(values, 1, None), values)
            changes[part] = list(accumulate(changed, initial=0))
        return changes

    def _profile(self, part: str) -> TiledProfile[Itemised[T]]:
        """Price × time of one part, made on first use: a part that stays the same within
        every slot (the tariff's parts, mostly) is never integrated."""
        profile = self._profiles.get(part)
        if profile is None:
            profile = TiledProfile(self.pieces, self.plain.boundaries[0], self._values[part])
            self._profiles[part] = profile
        return profile


_PART_NAMES = ("energy", "grid", "levy", "other", "vat")
_START_OF = operator.attrgetter("start")
_END_OF = operator.attrgetter("end")
_PRICE_OF = operator.attrgetter("price")
_ORIGIN_OF = operator.attrgetter("origin")
_NET_OF = operator.attrgetter("net")
_GRID_OF = operator.attrgetter("grid")
_LEVY_OF = operator.attrgetter("levy")
_OTHER_OF = operator.attrgetter("other")
