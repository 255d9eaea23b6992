"""The rules a price series must satisfy before anything is written (SPEC §5). No I/O.

``parse_prices`` turns decoded ``PriceIn`` items into a ``PriceSeries`` (the instants as sent
and the canonical text of each exact decimal, ascending), or raises one 422 that names every
offending ``energy_prices[i]`` field (up to a cap). Nothing here touches the database, so a
request that fails here writes nothing.
"""

from __future__ import annotations

import contextlib
import operator
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import msgspec

from energy_contracts.api.explain import field_path
from energy_contracts.api.instants import ISO_CHARACTERS, in_accepted_range, utc_instant
from energy_contracts.contracts.models import PriceSeries
from energy_contracts.contracts.schemas import CONTRACT_TYPES, PriceIn
from energy_contracts.db.base import canonical_decimal_text
from energy_contracts.errors import FieldError, Unprocessable
from energy_contracts.pricing import canonical
from energy_contracts.pricing.local_time import (
    OFFSET_CHANGES_APART,
    utc_offset_at,
    utc_offset_changes,
)

# A price per kWh this large is a unit mistake (a price per MWh in cents, say), not a tariff.
PRICE_LIMIT = Decimal(10) ** 9
# 9 integer + 19 fractional digits = 28 significant digits, exactly what the canonical form
# (``Decimal.normalize`` in the default context) keeps without rounding: beyond it a stored
# price could differ from the one sent. 19 places also keep 0.1234567890123456789 exact.
MAX_DECIMAL_PLACES = 19
# Enough to fix a systematic mistake; a 35,000-line list of the same error helps nobody.
MAX_REPORTED_ERRORS = 50

_NUMBER_START = frozenset(b"-0123456789")
_JSON_KINDS = {ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean"}
_JSON_KINDS |= {ord("n"): "null", ord("{"): "an object", ord("["): "an array"}
_TYPE_SEPARATORS = re.compile(r"[\s_-]+")
# A price in the form the exact path would store it (``canonical_decimal_text``): no
# exponent, no trailing fractional zero, no negative zero, at most 9 integer and 19
# fractional digits. Such a text is its own exact, canonical value.
_CANONICAL_PRICE_TEXT = (
    rb"(?:-(?:0\.[0-9]{0,18}[1-9]|[1-9][0-9]{0,8}(?:\.[0-9]{0,18}[1-9])?)"
    rb"|(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{0,18}[1-9])?)"
)
_CANONICAL_PRICE = re.compile(_CANONICAL_PRICE_TEXT)
# Possessive (``*+``): a line, once matched, is never revisited, so the engine keeps no
# backtracking state per line (a plain ``*`` keeps ~400 bytes per line: 14 MB for a year).
_CANONICAL_PRICE_LINES = re.compile(
    rb"(?:" + _CANONICAL_PRICE_TEXT + rb"\n)*+" + _CANONICAL_PRICE_TEXT
)
_PRICE_OF = operator.attrgetter("price")
_TIMESTAMP_OF = operator.attrgetter("timestamp")
_TZINFO_OF = operator.attrgetter("tzinfo")
_TEXTS = msgspec.json.Encoder()
_TIMESTAMPS = msgspec.json.Decoder(list[datetime])
_BEYOND_MICROSECONDS = re.compile(rb"[.,][0-9]{7}")
_HOUR = timedelta(hours=1)
_NO_TIME = timedelta(0)
_ONE_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS = 1_000_000


@dataclass(frozen=True, slots=True)
class Grid:
    """spot_hourly prices start on the local ``minutes`` grid of ``zone``."""

    minutes: int
    zone: ZoneInfo


def contract_type(text: str) -> str | None:
    """``"Spot Hourly"``, ``"spot-hourly"``, ``"SPOT_HOURLY"`` → ``"spot_hourly"``; else None."""
    name = _TYPE_SEPARATORS.sub("_", text.strip().lower())
    return name if name in CONTRACT_TYPES else None


def exact_price(raw: msgspec.Raw, max_places: int = MAX_DECIMAL_PLACES) -> Decimal | str:
    """The exact decimal of a raw JSON value, canonical (``0.20`` → ``0.2``), or why not;
    |value| < 1e9 with at most ``max_places`` decimal places."""
    text = bytes(raw).strip()
    if not text or text[0] not in _NUMBER_START:
        kind = _JSON_KINDS.get(text[0], "not a number") if text else "empty"
        return f"must be a JSON number, not {kind}"
    # msgspec has already checked the JSON grammar, so this is a finite decimal literal; only
    # an exponent beyond what Decimal can hold (1e99999999999999999999) is refused here.
    try:
        value = Decimal(text.decode("ascii"))
    except InvalidOperation:
        return f"is out of range (|price| < 1e9, at most {max_places} decimal places)"
    if abs(value) >= PRICE_LIMIT:
        return "must be less than 1e9 in absolute value"
    if decimal_places(value) > max_places:
        return f"must have at most {max_places} decimal places"
    if max_places > MAX_DECIMAL_PLACES:
        # More digits than the default context keeps: canonical without rounding.
        return canonical(value)
    # At most 9 integer and 19 fractional digits: canonicalising cannot round (28 digits).
    return Decimal(canonical_decimal_text(value))


def decimal_places(value: Decimal) -> int:
    """Significant decimal places: ``0.250`` → 2, ``1E+2`` → 0, ``1E-20`` → 20."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    if exponent >= 0 or value.is_zero():
        return 0
    trailing_zeros = 0
    for digit in reversed(digits):
        if digit != 0 or trailing_zeros == -exponent:
            break
        trailing_zeros += 1
    return -exponent - trailing_zeros


def parse_prices(items: Sequence[PriceIn], field: str, grid: Grid | None) -> PriceSeries:
    """Validated prices, ascending by instant; a 422 naming each bad entry otherwise.

    A year of quarter hours is 35,136 items, so the common case runs in whole-column passes
    (each a C loop: ``map`` of a builtin, one regular expression over all prices, one
    msgspec decode of all timestamps) instead of a Python loop per item; whatever those
    passes cannot vouch for goes through the exact per-item path, which also words every
    error. Both give the same series.
    """
    series = _parse_columns(items, grid)
    if series is not None:
        return series
    return _parse_each(items, field, grid)


def _parse_columns(items: Sequence[PriceIn], grid: Grid | None) -> PriceSeries | None:
    """The series, if every item is valid; None if any item needs ``_parse_each``."""
    if not items:
        return PriceSeries([], "")
    prices = _price_column(list(map(_PRICE_OF, items)))
    if prices is None:
        return None
    instants = _instant_column(list(map(_TIMESTAMP_OF, items)))
    if instants is None:
        return None
    zones_sent = set(map(_TZINFO_OF, instants))
    if None in zones_sent:
        return None
    if not _strictly_ascending(instants):
        # Not strictly ascending: sort, and let the exact path word any duplicate.
        order = sorted(range(len(instants)), key=instants.__getitem__)
        instants = list(map(instants.__getitem__, order))
        prices = "\n".join(map(prices.split("\n").__getitem__, order))
        if not _strictly_ascending(instants):
            return None
    # Ascending: if the extremes lie in the accepted range, every entry does.
    if not in_accepted_range(instants[0], instants[-1]):
        return None
    if grid is not None and not _on_grid(instants, zones_sent, grid):
        return None
    return PriceSeries(instants, prices)


def _strictly_ascending(instants: list[datetime]) -> bool:
    return all(map(operator.lt, instants, islice(instants, 1, None)))


def _price_column(raws: list[msgspec.Raw]) -> str | None:
    """The canonical text of each price, one a line; None if one is invalid. Canonical texts
    (nearly all) need no more than one regular expression over all of them."""
    lines = b"\n".join(raws)
    if _CANONICAL_PRICE_LINES.fullmatch(lines) is not None:
        return lines.decode("ascii")
    prices: list[str] = []
    for raw in raws:
        text = bytes(raw)
        if _CANONICAL_PRICE.fullmatch(text):
            prices.append(text.decode("ascii"))
            continue
        exact = exact_price(raw)
        if isinstance(exact, str):
            return None
        prices.append(canonical_decimal_text(exact))
    return "\n".join(prices)


def _instant_column(texts: list[str]) -> list[datetime] | None:
    """Each text as ``datetime.fromisoformat`` reads it; None if one is not a timestamp.

    msgspec reads RFC 3339, a subset of what ``fromisoformat`` reads, in one C pass, and
    shares one tzinfo per offset, which keeps comparing the instants cheap. On that subset
    the two agree except for a lowercase ``z`` (``fromisoformat`` refuses it) and digits
    beyond the microsecond (msgspec rounds them, ``fromisoformat`` cuts them off; both are
    refused, SPEC §1): texts with a ``z``, and the forms msgspec does not read (``+01``, no
    seconds, ``,5``), take ``fromisoformat``.
    """
    encoded = _TEXTS.encode(texts)
    # The expression has no literal to skip ahead by, so it tries every byte (≈ 7 ms for a
    # year); it can only match after a "." or after a comma within a text. The encoded
    # array's own separators are exactly len(texts) - 1 commas, each followed by a quote.
    if (b"." in encoded or encoded.count(b",") != len(texts) - 1) and _BEYOND_MICROSECONDS.search(
        encoded
    ):
        return None  # more digits than an instant holds: refused, by the exact path
    if b"z" not in encoded:
        # One text msgspec does not read sends them all to ``fromisoformat``.
        with contextlib.suppress(msgspec.ValidationError):
            return _TIMESTAMPS.decode(encoded)
    if not all(map(ISO_CHARACTERS.fullmatch, texts)):
        return None  # the exact path says which, and why
    try:
        return list(map(datetime.fromisoformat, texts))
    except ValueError:
        return None


def _on_grid(instants: list[datetime], zones_sent: set[tzinfo | None], grid: Grid) -> bool:
    """Whether each instant (ascending, aware) lies on ``grid``, without a local datetime each.

    The local wall time of an instant is its wall time as sent, shifted by the zone's offset
    less the offset sent. The zone's offsets come per run of instants that share one
    (``_zone_offset_runs``: a few per year); a minute on the grid depends only on the wall
    time within its hour. So when every shift is whole hours (a partner sends local time, or
    UTC for a zone of whole-hour offsets), the distinct wall times as sent decide; otherwise
    the distinct (wall time, offset sent) pairs of each run do.
    """
    runs = _zone_offset_runs(instants, grid.zone)
    offsets_sent = {_fixed_offset(zone_sent) for zone_sent in zones_sent}
    zone_offsets = {offset for _, offset in runs}
    if all((z - o) % _HOUR == _NO_TIME for z in zone_offsets for o in offsets_sent):
        walls = set(map(datetime.time, instants))
        return all(_on_local_grid(wall, _NO_TIME, grid.minutes) for wall in walls)
    ends = [start for start, _ in runs[1:]] + [len(instants)]
    for (start, zone_offset), end in zip(runs, ends, strict=True):
        run = instants[start:end]
        walls_sent = set(zip(map(datetime.time, run), map(_TZINFO_OF, run), strict=True))
        for wall, zone_sent in walls_sent:
            shift = zone_offset - _fixed_offset(zone_sent)
            if not _on_local_grid(wall, shift, grid.minutes):
                return False
    return True


def _fixed_offset(zone_sent: tzinfo | None) -> timedelta:
    # Parsed timestamps carry fixed-offset ``datetime.timezone``s, whose offset needs no date.
    offset = zone_sent.utcoffset(None) if zone_sent is not None else None
    assert offset is not None  # naive timestamps never reach here
    return offset


def _on_local_grid(wall: time, shift: timedelta, minutes: int) -> bool:
    """``on_grid`` for the wall time ``wall + shift``, of which only the hour's part counts."""
    within_hour = (wall.minute * 60 + wall.second) * _MICROSECONDS + wall.microsecond
    within_hour = (within_hour + shift // _ONE_MICROSECOND) % (3600 * _MICROSECONDS)
    minute, rest = divmod(within_hour, 60 * _MICROSECONDS)
    return rest == 0 and minute % minutes == 0


def _zone_offset_runs(instants: list[datetime], zone: ZoneInfo) -> list[tuple[int, timedelta]]:
    """``(first index, UTC offset)`` of each run of ``instants`` (ascending, aware) over which
    ``zone`` keeps one offset."""
    first, last = instants[0], instants[-1]
    if last - first > len(instants) * OFFSET_CHANGES_APART:
        # Fewer instants than days (say two, ten years apart): asking the zone at each
        # instant costs less than finding its changes day by day.
        offsets = [utc_offset_at(instant, zone) for instant in instants]
        return [
            (index, offset)
            for index, offset in enumerate(offsets)
            if index == 0 or offset != offsets[index - 1]
        ]
    runs = [(0, utc_offset_at(first, zone))]
    for change, offset in utc_offset_changes(zone, first, last):
        start = bisect_left(instants, change)
        if start == runs[-1][0]:  # no instant has the offset before this change
            runs.pop()
        if runs[-1][1] != offset:
            runs.append((start, offset))
    return runs


def _parse_each(items: Sequence[PriceIn], field: str, grid: Grid | None) -> PriceSeries:
    """``parse_prices`` item by item: every error found, each named (up to a cap)."""
    errors: list[FieldError] = []
    keyed: list[tuple[datetime, int, str]] = []
    for index, item in enumerate(items):
        price = exact_price(item.price)
        if isinstance(price, str):
            errors.append(FieldError(field_path(field, index, "price"), price))
        instant = _utc_instant(item.timestamp, grid)
        if isinstance(instant, str):
            errors.append(FieldError(field_path(field, index, "timestamp"), instant))
        if not isinstance(price, str) and not isinstance(instant, str):
            keyed.append((instant, index, canonical_decimal_text(price)))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    keyed.sort()
    for (earlier, first, _), (later, second, _) in pairwise(keyed):
        if earlier == later and len(errors) < MAX_REPORTED_ERRORS:
            errors.append(
                FieldError(
                    field_path(field, second, "timestamp"),
                    f"is the same instant as {field_path(field, first, 'timestamp')}",
                )
            )
    if errors:
        raise _invalid(errors)
    return PriceSeries(
        [instant for instant, _, _ in keyed], "\n".join(price for _, _, price in keyed)
    )


def _utc_instant(text: str, grid: Grid | None) -> datetime | str:
    instant = utc_instant(text)
    if isinstance(instant, str):
        return instant
    local = instant.astimezone(grid.zone) if grid else None
    if local is not None and grid is not None and not on_grid(local, grid.minutes):
        return (
            f"must lie on the {grid.minutes}-minute grid of {grid.zone.key} "
            f"(local minute divisible by {grid.minutes}, zero seconds); "
            f"it is {local.isoformat()} there"
        )
    return instant


def on_grid(local: datetime, minutes: int) -> bool:
    return local.minute % minutes == 0 and local.second == 0 and local.microsecond == 0


def _invalid(errors: list[FieldError]) -> Unprocessable:
    return Unprocessable(errors=errors)
