"""The result every feed parser returns, and the one error every parser raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# What a parser accepts: the whole document (text or bytes), or an iterable of chunks such as an
# open file (lines of text or of bytes). Parsers read it once and never open anything themselves.
FeedSource = str | bytes | Iterable[str] | Iterable[bytes]


class FeedError(Exception):
    """A feed that cannot be turned into prices.

    ``location`` names the place in the source: an XML element path such as
    ``TimeSeries[2]/Period[1]/Point[5]``, a CSV ``line 7``, a JSON path such as
    ``data[3].marketprice``, or the name of the option that was wrong.
    """

    def __init__(self, message: str, location: str) -> None:
        super().__init__(f"{location}: {message}")
        self.message = message
        self.location = location

    def __reduce__(self) -> tuple[type[FeedError], tuple[str, str]]:
        # Rebuild from both fields, so the error survives pickling (e.g. out of a worker process).
        return (type(self), (self.message, self.location))


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One price: valid from ``timestamp`` (aware, UTC), in currency units per kWh."""

    timestamp: datetime
    price: Decimal


@dataclass(frozen=True, slots=True)
class ParsedPrices:
    """Prices read from one feed, ascending by timestamp, without duplicates.

    ``currency`` is the ISO 4217 code the source states (upper-case), or None when it does not
    say. ``interval_minutes`` is the length each price holds for when the source makes it known
    and it is the same for every price; None otherwise.
    """

    currency: str | None
    prices: list[PricePoint] = field(default_factory=list)
    interval_minutes: int | None = None
