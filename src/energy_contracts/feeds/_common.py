"""Helpers shared by the feed parsers: exact numbers, currencies, and merging price slots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from energy_contracts.feeds.model import FeedError, FeedSource, ParsedPrices, PricePoint, Remedy

SUPPORTED_INTERVAL_MINUTES = (15, 30, 60)

# Decimal() on its own also accepts "NaN", "Infinity", "1_000" and surrounding blanks; a price in
# a feed is a plain decimal number and nothing else.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")


def parse_number(text: str) -> Decimal | None:
    """The exact value of a plain decimal number, or None when ``text`` is not one."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


def scale_by_power_of_ten(value: Decimal, exponent: int) -> Decimal:
    """``value * 10**exponent`` exactly: only the exponent moves, no context rounding applies."""
    sign, digits, value_exponent = value.as_tuple()
    assert isinstance(value_exponent, int), "only finite values are scaled"
    return Decimal((sign, digits, value_exponent + exponent))


def normalize_currency(code: str, location: str) -> str:
    currency = code.strip().upper()
    if _CURRENCY.fullmatch(currency) is None:
        raise FeedError(f"{code!r} is not an ISO 4217 currency code", location)
    return currency


def isoformat_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iter_chunks(source: FeedSource, location: str) -> Iterator[str | bytes]:
    """The source as chunks of text or bytes, without copying a whole document."""
    if isinstance(source, str | bytes):
        yield source
        return
    for chunk in source:
        if not isinstance(chunk, str | bytes):
            raise FeedError(
                f"the source yielded a {type(chunk).__name__}, expected str or bytes", location
            )
        yield chunk


@dataclass(frozen=True, slots=True)
class Slot:
    """A price for ``[start, end)`` and the place in the source it came from."""

    start: datetime
    end: datetime
    price: Decimal
    location: str


def merge_slots(slots: list[Slot], *, overlap_remedy: Remedy | None = None) -> ParsedPrices:
    """Sorted, de-duplicated prices from slots that may repeat but must not contradict.

    An identical slot (same interval, same price) given twice is kept once. Two slots for the same
    interval with different prices, or intervals that overlap without being equal, are an error;
    ``overlap_remedy`` is offered with the latter. The currency is left to the caller.
    """
    slots.sort(key=lambda slot: (slot.start, slot.end))
    kept: list[Slot] = []
    for slot in slots:
        if kept:
            previous = kept[-1]
            if (slot.start, slot.end, slot.price) == (previous.start, previous.end, previous.price):
                continue
            if slot.start < previous.end:
                if (slot.start, slot.end) == (previous.start, previous.end):
                    raise FeedError(_conflict_message(previous, slot), slot.location)
                raise FeedError(_overlap_message(previous, slot), slot.location, overlap_remedy)
        kept.append(slot)
    durations = {slot.end - slot.start for slot in kept}
    interval_minutes = None
    if len(durations) == 1:
        interval_minutes = durations.pop() // timedelta(minutes=1)
    return ParsedPrices(
        currency=None,
        prices=[PricePoint(slot.start, slot.price) for slot in kept],
        interval_minutes=interval_minutes,
    )


def _conflict_message(previous: Slot, slot: Slot) -> str:
    return (
        f"conflicting prices for {isoformat_utc(slot.start)}: {slot.price} here and "
        f"{previous.price} at {previous.location}"
    )


def _overlap_message(previous: Slot, slot: Slot) -> str:
    return (
        f"[{isoformat_utc(slot.start)}, {isoformat_utc(slot.end)}) overlaps "
        f"[{isoformat_utc(previous.start)}, {isoformat_utc(previous.end)}) "
        f"at {previous.location}"
    )
