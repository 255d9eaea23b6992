"""Price curves: from stored entries to known segments, building override, tiling a range.

A *curve* is a list of known segments, sorted by start and not overlapping, as ``build_curve``
and ``override`` return it. Between its segments the price is unknown.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.model import ContractType, PriceEntry, Segment, T
from tests.unit.pricing.fraction_core._arguments import positive_minutes, utc_instant, utc_range
from tests.unit.pricing.fraction_core.local_time import add_calendar_months


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
    contract_type = ContractType(contract_type)
    if contract_type is ContractType.SPOT_HOURLY:
        positive_minutes(interval_minutes, "interval_minutes")
    timed_prices: list[tuple[datetime, Decimal]] = []
    for index, (timestamp, price) in enumerate(entries):
        if timestamp.tzinfo is not UTC:  # stored instants come back in UTC already
            timestamp = utc_instant(timestamp, f"entries[{index}].timestamp")
        if not price.is_finite():
            raise PricingInputError(f"entries[{index}].price", "must be a finite number")
        timed_prices.append((timestamp, price))
    timed_prices.sort(key=itemgetter(0))

    spot = contract_type is ContractType.SPOT_HOURLY
    # A spot price covers a span of elapsed time, also across a clock change.
    period = timedelta(minutes=interval_minutes) if spot else timedelta(0)
    months = 1 if contract_type is ContractType.MONTHLY else 12
    segments: list[Segment[T]] = []
    last = len(timed_prices) - 1
    for index, (timestamp, price) in enumerate(timed_prices):
        end = timestamp + period if spot else add_calendar_months(timestamp, months, tz)
        if index < last:
            next_timestamp = timed_prices[index + 1][0]
            if next_timestamp == timestamp:
                raise PricingInputError("entries", f"duplicate timestamp {timestamp.isoformat()}")
            if next_timestamp < end:
                end = next_timestamp
        segments.append(Segment(timestamp, end, price, origin))
    return segments


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
    return sorted([*building, *user_pieces], key=lambda segment: segment.start)


def tile(curve: Sequence[Segment[T]], start: datetime, end: datetime) -> list[Segment[T]]:
    """``[start, end)`` cut into stretches of one price from one origin, unknown ones included.

    The result tiles the range exactly: the first segment starts at ``start``, each next one
    starts where the previous one ends, the last ends at ``end``. Unknown stretches are
    segments with ``price=None``. Adjacent stretches with an equal price and an equal origin
    are merged, so each segment is a maximal stretch (SPEC §6). All datetimes are UTC.
    """
    start, end = utc_range(start, end)
    pieces: list[Segment[T]] = []
    covered_until = start
    index = bisect_right(curve, start, key=_end_of)
    while index < len(curve) and curve[index].start < end:
        segment = curve[index]
        segment_start, segment_end = segment.start, segment.end
        if segment_start.tzinfo is not UTC:
            segment_start = segment_start.astimezone(UTC)
        if segment_end.tzinfo is not UTC:
            segment_end = segment_end.astimezone(UTC)
        piece_start = segment_start if segment_start > start else start
        piece_end = segment_end if segment_end < end else end
        if piece_start > covered_until:
            _append_merged(pieces, Segment(covered_until, piece_start, None, None))
        if piece_start is segment.start and piece_end is segment.end:
            piece = segment  # wholly inside and already in UTC: the segment itself
        else:
            piece = Segment(piece_start, piece_end, segment.price, segment.origin)
        _append_merged(pieces, piece)
        covered_until = piece_end
        index += 1
    if covered_until < end:
        _append_merged(pieces, Segment(covered_until, end, None, None))
    return pieces


def _end_of(segment: Segment[T]) -> datetime:
    return segment.end


def _clipped(segment: Segment[T], start: datetime, end: datetime) -> Segment[T]:
    return Segment(start, end, segment.price, segment.origin)


def _append_merged(pieces: list[Segment[T]], piece: Segment[T]) -> None:
    if pieces:
        last = pieces[-1]
        if (
            last.end == piece.start
            and last.price == piece.price
            and (last.origin is piece.origin or last.origin == piece.origin)
        ):
            pieces[-1] = Segment(last.start, piece.end, last.price, last.origin)
            return
    pieces.append(piece)
