"""The result every feed parser returns, and the one error every parser raises."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# What a parser accepts: the whole document (text or bytes), or an iterable of chunks such as an
# open file (lines of text or of bytes). Parsers read it once and never open anything themselves.
FeedSource = str | bytes | Iterable[str] | Iterable[bytes]


@dataclass(frozen=True, slots=True)
class Remedy:
    """An option of the parser that would read the source differently.

    It is kept apart from the message so that each caller names the option in its own terms: a
    keyword argument here (``timezone=``), a flag on the command line (``--timezone``).
    """

    option: str  # the parser's keyword argument
    effect: str  # what passing it does, e.g. "to read it as local time"
    switch: bool = False  # a boolean option that is turned on, not one that takes a value


def keyword_argument(remedy: Remedy) -> str:
    """How a Python caller passes the option: ``timezone=`` or ``decimal_comma=True``."""
    return f"{remedy.option}=True" if remedy.switch else f"{remedy.option}="


class FeedError(Exception):
    """A feed that cannot be turned into prices.

    ``location`` names the place in the source: an XML element path such as
    ``TimeSeries[2]/Period[1]/Point[5]``, a CSV ``line 7``, a JSON path such as
    ``data[3].marketprice``, or the name of the option that was wrong. ``problem`` says what is
    wrong there; ``remedy``, when there is one, the option that would read it differently.
    ``message`` is both, with the option spelled as a keyword argument.
    """

    def __init__(self, problem: str, location: str, remedy: Remedy | None = None) -> None:
        self.problem = problem
        self.location = location
        self.remedy = remedy
        self.message = self.describe(keyword_argument)
        super().__init__(f"{location}: {self.message}")

    def describe(self, spell_option: Callable[[Remedy], str]) -> str:
        """The problem and the remedy, with the option spelled by ``spell_option``."""
        if self.remedy is None:
            return self.problem
        return f"{self.problem}; pass {spell_option(self.remedy)} {self.remedy.effect}"

    def __reduce__(self) -> tuple[type[FeedError], tuple[str, str, Remedy | None]]:
        # Rebuild from the fields, so the error survives pickling (e.g. out of a worker process).
        return (type(self), (self.problem, self.location, self.remedy))


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
