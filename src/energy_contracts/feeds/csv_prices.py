"""Prices from a CSV file with a header row, read as a stream of lines.

Timestamps are ISO 8601. One with a UTC offset is taken as it is. A naive one is local wall time
in the ``timezone`` option, converted to UTC with that zone's daylight-saving rules:

- a wall time that does not exist (skipped when clocks spring forward) is an error;
- a wall time that exists twice (repeated when clocks fall back) is an error, unless
  ``resolve_ambiguous_by_order`` is set. Then file order decides: the time is its earlier
  instant, or its later one when the naive row before it already lies at or after the earlier
  instant. In a file of consecutive quarter hours the first 02:30 is therefore the earlier
  instant and the second 02:30 the later one. The naive rows must then be in strictly increasing
  time order; a file that is not is an error, naming the two lines.

Order cannot tell a file that begins inside the second pass of the repeated hour from one that
begins in the first; such a file is read as the first pass. Give offsets when that can happen.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from energy_contracts.feeds._common import (
    SUPPORTED_INTERVAL_MINUTES,
    isoformat_utc,
    iter_chunks,
    normalize_currency,
    parse_number,
    scale_by_power_of_ten,
)
from energy_contracts.feeds.model import (
    FeedError,
    FeedSource,
    ParsedPrices,
    PricePoint,
    Remedy,
)

CsvUnit = Literal["kwh", "mwh", "ct_kwh"]

# Per-kWh scale of each unit: per MWh ÷ 1000, cents per kWh ÷ 100.
_UNIT_EXPONENT: dict[str, int] = {"kwh": 0, "mwh": -3, "ct_kwh": -2}
_DELIMITERS = (",", ";", "\t", "|")
_BYTES_CHUNK = 1 << 16


def parse_csv(
    source: FeedSource,
    *,
    unit: CsvUnit,
    timestamp_column: str = "timestamp",
    price_column: str = "price",
    delimiter: str = ",",
    decimal_comma: bool = False,
    timezone: str | None = None,
    resolve_ambiguous_by_order: bool = False,
    currency: str | None = None,
    encoding: str = "utf-8",
) -> ParsedPrices:
    """Per-kWh prices from CSV text, bytes or an iterable of lines (an open file).

    ``unit`` says what the price column holds: ``kwh`` (per kWh), ``mwh`` (per MWh) or ``ct_kwh``
    (cents per kWh). ``decimal_comma`` reads ``0,25`` as 0.25 (thousands separators are refused).
    ``currency`` is reported as given, since a CSV file does not state one. ``encoding`` applies
    to bytes input (a leading byte order mark is skipped). ``interval_minutes`` is reported when
    consecutive timestamps are evenly 15, 30 or 60 minutes apart.
    """
    if unit not in _UNIT_EXPONENT:
        raise FeedError(f"unknown unit {unit!r} (expected kwh, mwh or ct_kwh)", "unit")
    if delimiter not in _DELIMITERS:
        raise FeedError(f"unsupported delimiter {delimiter!r}", "delimiter")
    zone = _zone(timezone)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FeedError(f"unknown encoding {encoding!r}", "encoding") from None
    reported_currency = None if currency is None else normalize_currency(currency, "currency")

    lines = _Lines(source, encoding)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise FeedError("the file is empty; expected a header row", "line 1")
        columns = _Columns.from_header(header, timestamp_column, price_column, reader.line_num)
        resolver = _LocalTimeResolver(zone, resolve_ambiguous_by_order)
        seen: dict[datetime, int] = {}
        prices: list[PricePoint] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            timestamp_text, price_text = columns.cells(row, line)
            instant = resolver.resolve(timestamp_text, line)
            if instant in seen:
                raise FeedError(
                    f"duplicate timestamp {isoformat_utc(instant)} (also on line {seen[instant]})",
                    f"line {line}",
                )
            seen[instant] = line
            price = _price(price_text, line, price_column, decimal_comma)
            prices.append(PricePoint(instant, scale_by_power_of_ten(price, _UNIT_EXPONENT[unit])))
    except csv.Error as error:
        raise FeedError(f"malformed CSV: {error}", f"line {reader.line_num}") from None
    resolver.finish()

    prices.sort(key=lambda point: point.timestamp)
    return ParsedPrices(
        currency=reported_currency, prices=prices, interval_minutes=_even_interval(prices)
    )


def _zone(timezone: str | None) -> ZoneInfo | None:
    if timezone is None:
        return None
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, e.g. 'Europe'
        raise FeedError(f"unknown time zone {timezone!r}", "timezone") from None


@dataclass(frozen=True, slots=True)
class _Columns:
    timestamp_index: int
    price_index: int
    timestamp_name: str
    price_name: str

    @classmethod
    def from_header(
        cls, header: list[str], timestamp_column: str, price_column: str, line: int
    ) -> _Columns:
        names = [name.strip() for name in header]
        indices = []
        for wanted in (timestamp_column, price_column):
            matches = [index for index, name in enumerate(names) if name == wanted]
            if not matches:
                raise FeedError(
                    f"missing column {wanted!r} (the header has {', '.join(map(repr, names))})",
                    f"line {line}",
                )
            if len(matches) > 1:
                raise FeedError(f"column {wanted!r} appears more than once", f"line {line}")
            indices.append(matches[0])
        return cls(indices[0], indices[1], timestamp_column, price_column)

    def cells(self, row: list[str], line: int) -> tuple[str, str]:
        texts = []
        for index, name in (
            (self.timestamp_index, self.timestamp_name),
            (self.price_index, self.price_name),
        ):
            if index >= len(row):
                raise FeedError(
                    f"the row has {len(row)} fields, so column {name!r} is missing",
                    f"line {line}",
                )
            texts.append(row[index].strip())
        return texts[0], texts[1]


def _price(text: str, line: int, column: str, decimal_comma: bool) -> Decimal:
    location = f"line {line}, column {column!r}"
    if not text:
        raise FeedError("empty price", location)
    number_text = text
    if decimal_comma:
        if "." in text:
            raise FeedError(
                f"{text!r} contains '.', but numbers are read with a decimal comma (thousands "
                "separators are not supported)",
                location,
            )
        number_text = text.replace(",", ".")
    price = parse_number(number_text)
    if price is None:
        remedy = Remedy("decimal_comma", "for numbers such as 0,25", switch=True)
        raise FeedError(f"{text!r} is not a number", location, remedy if "," in text else None)
    return price


def _even_interval(prices: list[PricePoint]) -> int | None:
    steps = {later.timestamp - earlier.timestamp for earlier, later in pairwise(prices)}
    if len(steps) != 1:
        return None
    step = steps.pop()
    for minutes in SUPPORTED_INTERVAL_MINUTES:
        if step == timedelta(minutes=minutes):
            return minutes
    return None


@dataclass(slots=True)
class _LocalTimeResolver:
    """Turns a timestamp cell into a UTC instant, enforcing the rules for naive local times."""

    zone: ZoneInfo | None
    resolve_ambiguous_by_order: bool
    _resolved_by_order_line: int | None = None
    _previous_naive: tuple[datetime, int] | None = None
    _first_disorder: tuple[int, int] | None = None

    def resolve(self, text: str, line: int) -> datetime:
        location = f"line {line}"
        if not text:
            raise FeedError("empty timestamp", location)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise FeedError(f"{text!r} is not an ISO 8601 timestamp", location) from None
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        if self.zone is None:
            raise FeedError(
                f"{text!r} has no UTC offset",
                location,
                Remedy("timezone", "to read it as local time"),
            )
        instant = self._local_to_utc(parsed, line)
        self._track_order(instant, line)
        return instant

    def finish(self) -> None:
        """Refuse order-based resolution when the naive rows were not in increasing order."""
        if self._resolved_by_order_line is None or self._first_disorder is None:
            return
        earlier_line, later_line = self._first_disorder
        raise FeedError(
            f"line {later_line} is not later than line {earlier_line}, so the ambiguous local "
            f"time on line {self._resolved_by_order_line} cannot be resolved by file order",
            f"line {later_line}",
        )

    def _local_to_utc(self, wall: datetime, line: int) -> datetime:
        assert self.zone is not None
        location = f"line {line}"
        earlier = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        later = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        if earlier == later:
            return earlier
        # The two folds disagree on the offset: the wall time is either skipped or repeated.
        if earlier.astimezone(self.zone).replace(tzinfo=None) != wall:
            raise FeedError(
                f"local time {wall.isoformat()} does not exist in {self.zone.key} "
                "(clocks spring forward over it)",
                location,
            )
        if not self.resolve_ambiguous_by_order:
            raise FeedError(
                f"local time {wall.isoformat()} is ambiguous in {self.zone.key} (it occurs twice "
                "when clocks fall back) and has no UTC offset to tell which",
                location,
                Remedy("resolve_ambiguous_by_order", "to resolve it by file order", switch=True),
            )
        # By file order: the earlier instant, unless the row before already lies at or after it
        # (the clock has fallen back since), in which case the later instant.
        previous = self._previous_naive
        if previous is not None and later <= previous[0]:
            raise FeedError(
                f"local time {wall.isoformat()} is ambiguous in {self.zone.key}, and neither of "
                f"its instants comes after line {previous[1]}: resolving it by file order needs "
                "rows in strictly increasing time order",
                location,
            )
        if self._resolved_by_order_line is None:
            self._resolved_by_order_line = line
        if previous is None or earlier > previous[0]:
            return earlier
        return later

    def _track_order(self, instant: datetime, line: int) -> None:
        if (
            self._previous_naive is not None
            and self._first_disorder is None
            and instant <= self._previous_naive[0]
        ):
            self._first_disorder = (self._previous_naive[1], line)
        self._previous_naive = (instant, line)


class _Lines:
    """Lines of text from a FeedSource, decoding bytes incrementally; counts what it yields."""

    def __init__(self, source: FeedSource, encoding: str) -> None:
        self._source = source
        self._encoding = encoding
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self._encoding)()
        pending = ""
        at_start = True
        for decoded, final in self._decoded_chunks(decoder):
            chunk = decoded
            if at_start and chunk:
                chunk = chunk.removeprefix("\ufeff")
                at_start = False
            start = 0
            while (newline := chunk.find("\n", start)) != -1:
                self.count += 1
                yield pending + chunk[start : newline + 1]
                pending = ""
                start = newline + 1
            pending += chunk[start:]
            if final and pending:
                self.count += 1
                yield pending

    def _decoded_chunks(self, decoder: codecs.IncrementalDecoder) -> Iterator[tuple[str, bool]]:
        for chunk in self._chunks():
            yield (self._decode(decoder, chunk) if isinstance(chunk, bytes) else chunk), False
        yield self._decode(decoder, b"", final=True), True

    def _decode(self, decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> str:
        try:
            return decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            # Every line before this chunk has been handed out already, so the bad byte sits on
            # the line after those, plus however many line breaks precede it in this chunk.
            line = self.count + chunk[: error.start].count(b"\n") + 1
            raise FeedError(f"not valid {self._encoding}: {error.reason}", f"line {line}") from None

    def _chunks(self) -> Iterator[str | bytes]:
        for chunk in iter_chunks(self._source, "CSV"):
            if isinstance(chunk, bytes) and len(chunk) > _BYTES_CHUNK:
                view = memoryview(chunk)
                for offset in range(0, len(chunk), _BYTES_CHUNK):
                    yield bytes(view[offset : offset + _BYTES_CHUNK])
            else:
                yield chunk
