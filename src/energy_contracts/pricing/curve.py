"""Price curves: from stored entries to known segments, building override, tiling a range.

A *curve* is a list of known segments, sorted by start and not overlapping, as ``build_curve``
and ``override`` return it. Between its segments the price is unknown.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice, pairwise, repeat
from zoneinfo import ZoneInfo

from energy_contracts.pricing._arguments import positive_minutes, utc_instant, utc_range
from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.local_time import add_calendar_months
from energy_contracts.pricing.model import ContractType, PriceEntry, Segment, T


def build_curve(
    entries: Sequence[PriceEntry],
    contract_type: ContractType,
    *,
    interval_minutes: int = 60,
    tz: ZoneInfo,
    origin: T,
) -> list[Segment[T]]:
    """The known segments of one contract's prices (SPEC §5, "meaning of an entry").

    Each entry holds from its timestamp until the next entry's timestamp, but never longer than
    one period of its type: ``interval_minutes`` for spot_hourly; one calendar month for
    monthly; one calendar year for yearly (see ``add_calendar_months`` for the local calendar of
    ``tz``, month-end clamping and how skipped or repeated wall times are read). Beyond that the
    price is unknown, so the curve has a gap there.

    ``entries`` may come in any order; their timestamps must be distinct instants. Each segment
    carries ``origin``. Returns one segment per entry, sorted, in UTC.
    """
    return build_curve_from_pairs(
        [(entry.timestamp, entry.price) for entry in entries],
        contract_type,
        interval_minutes=interval_minutes,
        tz=tz,
        origin=origin,
    )


def build_curve_from_pairs(
    entries: Sequence[tuple[datetime, Decimal]],
    contract_type: ContractType,
    *,
    interval_minutes: int = 60,
    tz: ZoneInfo,
    origin: T,
) -> list[Segment[T]]:
    """``build_curve`` of ``(timestamp, price)`` pairs, as a repository reads them: the same
    curve without a ``PriceEntry`` per row. Errors name the pairs ``entries[i]``."""
    columns = _curve_columns(entries, contract_type, interval_minutes, tz)
    if columns is None:
        return []
    timestamps, ends, prices, _ = columns
    return _segments(timestamps, ends, prices, origin)


def tiled_curve_from_pairs(
    entries: Sequence[tuple[datetime, Decimal]],
    contract_type: ContractType,
    *,
    interval_minutes: int = 60,
    tz: ZoneInfo,
    origin: T,
    start: datetime,
    end: datetime,
) -> list[Segment[T]]:
    """``tile(build_curve_from_pairs(entries, …), start, end)``: one contract's prices as
    the maximal stretches of ``[start, end)``, unknown ones included.

    Where the entries that meet the range follow each other without a gap and no two
    neighbours among them have the same price (a day of spot prices), nothing in between
    merges or needs a piece of its own: the stretches are then made straight from the
    columns, in whole-column passes, without the curve and the walk of ``tile``. Anything
    else is tiled from the curve. The same result either way (a Hypothesis property holds
    them to each other).
    """
    start, end = utc_range(start, end)
    columns = _curve_columns(entries, contract_type, interval_minutes, tz)
    if columns is None:
        return [Segment(start, end, None, None)]
    timestamps, ends, prices, back_to_back = columns
    first = bisect_right(ends, start)  # the first entry that ends after ``start``
    after = bisect_left(timestamps, end, lo=first)  # the first that starts from ``end`` on
    if back_to_back and after - first > 1:
        within = prices[first:after]
        if not any(map(operator.eq, within, islice(within, 1, None))):
            pieces = _segments(timestamps[first:after], ends[first:after], within, origin)
            head, tail = pieces[0], pieces[-1]
            # As ``tile_utc``: the range's bound where it cuts a stretch, a gap of unknown
            # price where the entries begin after ``start`` or end before ``end``.
            if head.start < start:
                pieces[0] = Segment(start, head.end, head.price, origin)
            if tail.end > end:
                pieces[-1] = Segment(tail.start, end, tail.price, origin)
            elif tail.end < end:
                pieces.append(Segment(tail.end, end, None, None))
            if head.start > start:
                pieces.insert(0, Segment(start, head.start, None, None))
            return pieces
    return tile_utc(_segments(timestamps, ends, prices, origin), start, end, first)


def _segments(
    starts: list[datetime], ends: list[datetime], prices: list[Decimal], origin: T
) -> list[Segment[T]]:
    """A segment per column entry, all with ``origin``, in one C pass."""
    make: Callable[[datetime, datetime, Decimal, T], Segment[T]] = Segment
    return list(map(make, starts, ends, prices, repeat(origin)))


def _curve_columns(
    entries: Sequence[tuple[datetime, Decimal]],
    contract_type: ContractType,
    interval_minutes: int,
    tz: ZoneInfo,
) -> tuple[list[datetime], list[datetime], list[Decimal], bool] | None:
    """The curve of ``entries`` as columns: each entry's instant (UTC, ascending), where it
    stops holding, its price, and whether each entry holds until the next one (no gaps);
    None for no entries. See ``build_curve``."""
    contract_type = ContractType(contract_type)
    spot = contract_type is ContractType.SPOT_HOURLY
    if spot:
        positive_minutes(interval_minutes, "interval_minutes")
    if not entries:
        return None
    # Whole-column passes for what a repository sends (ascending UTC instants, finite
    # prices); anything else takes the entry-by-entry path, which also words the errors.
    timestamps = list(map(_FIRST, entries))
    prices = list(map(_SECOND, entries))
    if set(map(_TZINFO, timestamps)) != _UTC_ONLY or not all(map(Decimal.is_finite, prices)):
        timestamps, prices = _checked_columns(entries)
    if not all(map(operator.lt, timestamps, islice(timestamps, 1, None))):
        order = sorted(range(len(timestamps)), key=timestamps.__getitem__)
        timestamps = list(map(timestamps.__getitem__, order))
        prices = list(map(prices.__getitem__, order))
        for earlier, later in pairwise(timestamps):
            if earlier == later:
                raise PricingInputError("entries", f"duplicate timestamp {earlier.isoformat()}")

    if spot:
        # A spot price covers a span of elapsed time, also across a clock change.
        period = timedelta(minutes=interval_minutes)
        own_ends = list(map(operator.add, timestamps, repeat(period)))
    else:
        own_ends = [entry_end(timestamp, contract_type, tz=tz) for timestamp in timestamps]
    # Each entry holds until its own end or the next entry, whichever comes first.
    if own_ends[:-1] == timestamps[1:]:
        return timestamps, own_ends, prices, True  # back to back, as a day-ahead series is
    ends = list(map(min, own_ends, islice(timestamps, 1, None)))
    ends.append(own_ends[-1])
    return timestamps, ends, prices, False


def _checked_columns(
    entries: Sequence[tuple[datetime, Decimal]],
) -> tuple[list[datetime], list[Decimal]]:
    """The timestamps (in UTC) and prices of ``entries``, or the first error among them."""
    timestamps: list[datetime] = []
    prices: list[Decimal] = []
    for index, (timestamp, price) in enumerate(entries):
        if timestamp.tzinfo is not UTC:
            timestamp = utc_instant(timestamp, f"entries[{index}].timestamp")
        if not price.is_finite():
            raise PricingInputError(f"entries[{index}].price", "must be a finite number")
        timestamps.append(timestamp)
        prices.append(price)
    return timestamps, prices


def entry_end(
    timestamp: datetime, contract_type: ContractType, *, interval_minutes: int = 60, tz: ZoneInfo
) -> datetime:
    """When an entry at ``timestamp`` (UTC) stops holding if no later entry comes sooner: one
    period of its type after it (SPEC §5). A spot price covers ``interval_minutes`` of elapsed
    time, also across a clock change; a monthly or yearly price one calendar month or year of
    ``tz`` (``add_calendar_months``). The last entry's end is what a contract's
    ``prices_known_until`` says."""
    if contract_type is ContractType.SPOT_HOURLY:
        return timestamp + timedelta(minutes=interval_minutes)
    return add_calendar_months(timestamp, 1 if contract_type is ContractType.MONTHLY else 12, tz)


def override(building: Sequence[Segment[T]], user: Sequence[Segment[T]]) -> list[Segment[T]]:
    """What a building pays: its own curve wherever known, the user-level curve elsewhere.

    Decided instant by instant (SPEC §6): a user segment is cut around every building segment,
    and only its pieces outside them are kept. Both inputs are curves; so is the result.
    """
    user_pieces: list[Segment[T]] = []
    first_relevant = 0  # building segments before it end before the current user segment
    for user_segment in user:
        while first_relevant < len(building) and building[first_relevant].end <= user_segment.start:
            first_relevant += 1
        uncovered_from = user_segment.start
        index = first_relevant
        while index < len(building) and building[index].start < user_segment.end:
            building_segment = building[index]
            if building_segment.start > uncovered_from:
                user_pieces.append(_clipped(user_segment, uncovered_from, building_segment.start))
            uncovered_from = max(uncovered_from, building_segment.end)
            index += 1
        if uncovered_from < user_segment.end:
            user_pieces.append(_clipped(user_segment, uncovered_from, user_segment.end))
    return sorted([*building, *user_pieces], key=_START_OF)


def tile(curve: Sequence[Segment[T]], start: datetime, end: datetime) -> list[Segment[T]]:
    """``[start, end)`` cut into stretches of one price from one origin, unknown ones included.

    The result tiles the range exactly: the first segment starts at ``start``, each next one
    starts where the previous one ends, the last ends at ``end``. Unknown stretches are
    segments with ``price=None``. Adjacent stretches with an equal price and an equal origin
    are merged, so each segment is a maximal stretch (SPEC §6). All datetimes are UTC.
    """
    start, end = utc_range(start, end)
    return tile_utc(curve, start, end, bisect_right(curve, start, key=_END_OF))


def tile_utc(
    curve: Sequence[Segment[T]], start: datetime, end: datetime, first: int
) -> list[Segment[T]]:
    """``tile`` of a checked UTC range, given ``first``, the index of the first segment of
    ``curve`` that ends after ``start`` (callers tiling many ranges find it faster)."""
    if first == len(curve) or not curve[first].start < end:  # wholly unknown
        return [Segment(start, end, None, None)]
    segment = curve[first]
    segment_start, segment_end = segment.start, segment.end
    if (
        segment_start <= start
        and end <= segment_end
        and segment_start.tzinfo is UTC
        and segment_end.tzinfo is UTC
    ):  # wholly inside one segment, as a meter reading is inside a price's interval
        if segment_start == start and segment_end == end:
            return [segment]
        piece_start = segment_start if segment_start == start else start
        piece_end = segment_end if segment_end == end else end
        return [Segment(piece_start, piece_end, segment.price, segment.origin)]
    pieces: list[Segment[T]] = []
    covered_until = start
    last: Segment[T] | None = None  # pieces[-1], if any
    for segment in islice(curve, first, None):
        segment_start, segment_end = segment.start, segment.end
        if not segment_start < end:
            break
        if (
            segment_start == covered_until
            and segment_end <= end
            and segment_start.tzinfo is UTC
            and segment_end.tzinfo is UTC
        ):  # where the last piece ends and wholly inside, as most of a day's segments are
            price, origin = segment.price, segment.origin
            if (
                last is not None
                and last.price == price
                and (last.origin is origin or last.origin == origin)
            ):
                last = Segment(last.start, segment_end, price, last.origin)
                pieces[-1] = last
            else:
                last = segment
                pieces.append(segment)
            covered_until = segment_end
            continue
        if segment_start.tzinfo is not UTC:
            segment_start = segment_start.astimezone(UTC)
        if segment_end.tzinfo is not UTC:
            segment_end = segment_end.astimezone(UTC)
        # Where a bound of the range meets the segment's, the segment's own instant (equal)
        # is kept, so that a segment wholly inside comes back as it is.
        piece_start = segment_start if segment_start >= start else start
        piece_end = segment_end if segment_end <= end else end
        if piece_start > covered_until:
            last = _append_merged(pieces, last, Segment(covered_until, piece_start, None, None))
        price, origin = segment.price, segment.origin
        if (
            last is not None
            and last.end == piece_start
            and last.price == price
            and (last.origin is origin or last.origin == origin)
        ):
            last = Segment(last.start, piece_end, last.price, last.origin)
            pieces[-1] = last
        else:
            if piece_start is segment.start and piece_end is segment.end:
                last = segment  # wholly inside and already in UTC: the segment itself
            else:
                last = Segment(piece_start, piece_end, price, origin)
            pieces.append(last)
        covered_until = piece_end
    if covered_until < end:
        _append_merged(pieces, last, Segment(covered_until, end, None, None))
    return pieces


def _clipped(segment: Segment[T], start: datetime, end: datetime) -> Segment[T]:
    return Segment(start, end, segment.price, segment.origin)


def _append_merged(
    pieces: list[Segment[T]], last: Segment[T] | None, piece: Segment[T]
) -> Segment[T]:
    """Append ``piece``, or merge it into ``last`` (the last piece) if it continues it with
    the same price and origin (as ``tile_utc`` does inline); return the new last piece."""
    if (
        last is not None
        and last.end == piece.start
        and last.price == piece.price
        and (last.origin is piece.origin or last.origin == piece.origin)
    ):
        last = Segment(last.start, piece.end, last.price, last.origin)
        pieces[-1] = last
        return last
    pieces.append(piece)
    return piece


_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)
_TZINFO = operator.attrgetter("tzinfo")
_START_OF = operator.attrgetter("start")
_END_OF = operator.attrgetter("end")
_UTC_ONLY = {UTC}
