"""Instants in query parameters (``from``, ``to``, ``day``) and the ranges they make: one
parser and one set of range checks for every endpoint.

An instant is ISO 8601 with an offset (``Z`` or ``+01:00``), in ``[1900, 2200)`` (SPEC §1).
An unencoded ``+`` in a query string arrives as a space (form encoding); since no other
reading of ``2024-01-01T00:00:00 01:00`` exists, that one mistake is repaired rather than
refused.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from litestar.params import QueryParameter

from energy_contracts.errors import Unprocessable

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
RANGE_TEXT = "from 1900-01-01T00:00:00Z to before 2200-01-01T00:00:00Z"

_SPACE_FOR_PLUS = re.compile(
    r"^(?P<head>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (?P<offset>\d{2}:?\d{2})$"
)
_BEYOND_MICROSECONDS = re.compile(r"[.,]\d{7}")
# What ISO 8601 writes an instant with; ``datetime.fromisoformat`` alone would also take any
# character at all between date and time (a NUL, an "X").
ISO_CHARACTERS = re.compile(r"[0-9TtWZz:+\-., ]+")
# The documented shape (the parser reads more, and says why it refuses the rest): years
# 1901 to 2198, so that no offset can carry a documented value out of the accepted range.
_YEARS = r"(19(0[1-9]|[1-9][0-9])|20[0-9]{2}|21([0-8][0-9]|9[0-8]))"
_INSTANT_DOCUMENTED = {"format": "date-time", "pattern": rf"^{_YEARS}-"}
_DAY_DOCUMENTED = {"format": "date", "pattern": rf"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"}
LOCAL_DAY_SCHEMA = _DAY_DOCUMENTED
"""How a local day (``YYYY-MM-DD``) in a body is documented: as the ``day`` parameter is."""

From = Annotated[
    str | None,
    QueryParameter(
        name="from",
        description="Start (inclusive), ISO 8601 with an offset (`Z` or `%2B01:00`), in the "
        "years 1900 to 2199.",
        schema_extra=_INSTANT_DOCUMENTED,
    ),
]
To = Annotated[
    str | None,
    QueryParameter(
        name="to",
        description="End (exclusive), ISO 8601 with an offset (`Z` or `%2B01:00`), in the "
        "years 1900 to 2199.",
        schema_extra=_INSTANT_DOCUMENTED,
    ),
]
Day = Annotated[
    str | None,
    QueryParameter(
        name="day",
        description="A local day (YYYY-MM-DD) in the building's time zone, instead of from/to.",
        schema_extra=_DAY_DOCUMENTED,
    ),
]


def instant_parameter(name: str, description: str) -> Any:
    """``Annotated[str | None, instant_parameter("before", "...")]``: another query parameter
    that is an instant, documented (and read with ``instant``) like ``from`` and ``to``."""
    return QueryParameter(
        name=name,
        description=f"{description} ISO 8601 with an offset (`Z` or `%2B01:00`), in the "
        "years 1900 to 2199.",
        schema_extra=_INSTANT_DOCUMENTED,
    )


def instant(text: str, name: str) -> datetime:
    """A query parameter ``name`` as a UTC instant; a 422 naming it otherwise."""
    value = utc_instant(_SPACE_FOR_PLUS.sub(r"\g<head>+\g<offset>", text.strip()))
    if isinstance(value, str):
        if value == NO_OFFSET:
            value += " (a + in a query string is sent as %2B)"
        raise Unprocessable.field(name, value)
    return value


NO_OFFSET = "must carry an offset (Z or +01:00)"


def utc_instant(text: str) -> datetime | str:
    """``text`` (ISO 8601 with an offset) as a UTC instant in the accepted range, or why not:
    the rule for every instant the API accepts, in bodies and query parameters alike."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not ISO_CHARACTERS.fullmatch(text):
        return "must be an ISO 8601 timestamp with an offset, e.g. 2024-01-15T00:00:00Z"
    if _BEYOND_MICROSECONDS.search(text):
        return "must have at most six digits of fractional seconds"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return "must be an ISO 8601 timestamp with an offset, e.g. 2024-01-15T00:00:00Z"
    if value.tzinfo is None or value.utcoffset() is None:
        return NO_OFFSET
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return f"must lie {RANGE_TEXT}"
    if not EARLIEST <= value < LATEST:
        return f"must lie {RANGE_TEXT}"
    return value


def in_accepted_range(first: datetime, last: datetime) -> bool:
    """Whether instants from ``first`` to ``last`` (aware) all lie in the accepted range."""
    try:
        return first.astimezone(UTC) >= EARLIEST and last.astimezone(UTC) < LATEST
    except (OverflowError, ValueError):
        return False


def optional_instant(text: str | None, name: str) -> datetime | None:
    return None if text is None else instant(text, name)


def local_day(text: str, name: str = "day") -> date:
    """A ``YYYY-MM-DD`` query parameter, within the years the API accepts."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable.field(name, "must be a date, YYYY-MM-DD") from None
    if not EARLIEST.year <= value.year < LATEST.year:
        raise Unprocessable.field(name, "must lie in the years 1900 to 2199")
    return value


def open_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """``[from, to)`` where an absent bound is open; ``to`` before ``from`` is a 422."""
    since, until = optional_instant(start, "from"), optional_instant(end, "to")
    if since is not None and until is not None and until < since:
        raise Unprocessable.field("to", "must not be before `from`")
    return since, until


def bounded_range(
    start: datetime, end: datetime, *, longest: timedelta
) -> tuple[datetime, datetime]:
    """A non-empty ``[start, end)`` of at most ``longest``."""
    if start >= end:
        raise Unprocessable.field("to", "must be after `from`")
    if end - start > longest:
        raise Unprocessable.field("to", f"must be at most {longest.days} days after `from`")
    return start, end
