"""Keyset paging: ``limit`` and a ``cursor``; the next page is an RFC 8288 Link.

A cursor is the sort key of the last row of a page. Clients take it from the ``Link`` header
and treat it as opaque, but its OpenAPI ``pattern`` says exactly which strings are cursors:
every string that matches is a position, and the answer is the page after it (possibly
empty); anything else is a 422 naming ``cursor``. So a schema-valid request is never refused.

The formats (instants as microseconds since 1970-01-01T00:00:00Z, ids as 32 hex digits):

- ``BY_CREATED`` (users, buildings): ``<created_at>.<id>``, e.g. ``1705276800000000.3c90…``
- ``BY_ID`` (contracts of an organisation): ``<id>``
- ``BY_INSTANT`` (prices): ``<timestamp>``, signed; beyond the years 1–9999 a position is
  before every price (the first page) or after every price (an empty page).

Handlers take the cursor as the documented text (``CreatedCursor``, ...) and turn it into the
key a page starts after with the keyset (``BY_CREATED.after(cursor)``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

from energy_contracts.api.responses import ExactJSON, absolute_url
from energy_contracts.db.rows import CreatedKey
from energy_contracts.errors import Unprocessable

T = TypeVar("T")
K = TypeVar("K")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)

CURSOR_REFUSED = "is not a cursor of this list; take it from the Link header"
CURSOR_DESCRIPTION = (
    'Opaque: take it from the previous page\'s `Link: <...>; rel="next"` header. '
    "A value that does not match the pattern is a 422."
)


@dataclass(frozen=True, slots=True)
class Keyset(Generic[K]):
    """How the sort key ``K`` of a list is written as a cursor, and read back.

    ``decode`` accepts every string that matches ``pattern`` and returns the key a page
    starts after, or None for a position before every key (the first page, as without a
    cursor).
    """

    pattern: str
    encode: Callable[[K], str]
    decode: Callable[[str], K | None]

    def after(self, text: str | None) -> K | None:
        if text is None:
            return None
        # Python's ``$`` also matches before a final newline; the documented (ECMA-262)
        # pattern does not, so neither do we.
        if re.fullmatch(self.pattern.removeprefix("^").removesuffix("$"), text) is None:
            raise Unprocessable.field("cursor", CURSOR_REFUSED)
        return self.decode(text)


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


def _instant(micros: int) -> datetime | None:
    """The instant ``micros`` after the epoch; None before the first representable instant,
    the last one beyond it (nothing is stored after it, so the page is empty)."""
    if micros < _micros(_FIRST):
        return None
    return _EPOCH + min(micros, _micros(_LAST)) * _MICROSECOND


def _encode_created(key: CreatedKey) -> str:
    created_at, row_id = key
    return f"{_micros(created_at)}.{row_id.hex}"


def _decode_created(text: str) -> CreatedKey | None:
    micros, _, row_id = text.partition(".")
    created_at = _instant(int(micros))  # at most 16 digits: never beyond the year 2286
    return None if created_at is None else (created_at, uuid.UUID(hex=row_id))


def _decode_instant(text: str) -> datetime | None:
    return _instant(int(text))


# created_at is set by the service (now), so 16 digits (until 2286) hold every one.
BY_CREATED: Keyset[CreatedKey] = Keyset(
    pattern=r"^[0-9]{1,16}\.[0-9a-f]{32}$", encode=_encode_created, decode=_decode_created
)
BY_ID: Keyset[uuid.UUID] = Keyset(
    pattern=r"^[0-9a-f]{32}$", encode=lambda key: key.hex, decode=lambda text: uuid.UUID(hex=text)
)
# Prices may lie anywhere in the years 1–9999: 18 digits reach beyond both ends.
BY_INSTANT: Keyset[datetime] = Keyset(
    pattern=r"^-?[0-9]{1,18}$", encode=lambda key: str(_micros(key)), decode=_decode_instant
)


def _cursor_parameter(keyset: Keyset[Any]) -> Any:
    """The ``cursor`` query parameter of a list, documented with its pattern."""
    return QueryParameter(name="cursor", pattern=keyset.pattern, description=CURSOR_DESCRIPTION)


CreatedCursor = Annotated[str | None, _cursor_parameter(BY_CREATED)]
IdCursor = Annotated[str | None, _cursor_parameter(BY_ID)]
InstantCursor = Annotated[str | None, _cursor_parameter(BY_INSTANT)]


def page_size(*, maximum: int, default: int | None = None) -> Any:
    """``limit: Annotated[int, page_size(maximum=500)] = 500``: the ``limit`` query parameter
    of a list, 1 to ``maximum`` (a larger value is a 422, never silently cut)."""
    chosen = maximum if default is None else default
    return QueryParameter(
        name="limit", ge=1, le=maximum, description=f"Page size: 1 to {maximum}; default {chosen}."
    )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def page_of(rows: Sequence[T], limit: int, keyset: Keyset[K], key: Callable[[T], K]) -> Page[T]:
    """``rows`` holds up to ``limit + 1`` rows: the extra one only says a next page exists."""
    if len(rows) <= limit:
        return Page(rows, None)
    shown = rows[:limit]
    return Page(shown, keyset.encode(key(shown[-1])))


def next_link(request: Request[Any, Any, Any], cursor: str) -> dict[str, str]:
    """``Link: <same URL with cursor=...>; rel="next"`` as a header dict."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "cursor"]
    query = urlencode([*kept, ("cursor", cursor)])
    return {"Link": f'<{absolute_url(request, f"{request.url.path}?{query}")}>; rel="next"'}


def page_response(
    request: Request[Any, Any, Any],
    items: list[Any],
    next_cursor: str | None,
    headers: dict[str, str] | None = None,
) -> ExactJSON:
    """A bare JSON array, with the ``Link`` of the next page when there is one."""
    headers = dict(headers or {})
    if next_cursor is not None:
        headers |= next_link(request, next_cursor)
    return ExactJSON(items, headers=headers)
