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

This module deliberately has no ``from __future__ import annotations``: the dependencies
below are built per endpoint, and FastAPI reads their parameters' annotations (which hold
that endpoint's pattern and maximum) from the objects, not from strings.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from starlette.datastructures import URL

from energy_contracts.api.responses import JSON
from energy_contracts.db.rows import CreatedKey

T = TypeVar("T")
K = TypeVar("K")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)

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
        return None if text is None else self.decode(text)


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


def _cursor(keyset: Keyset[K]) -> Any:
    """The ``cursor`` query parameter of a list, documented with its pattern, as the key
    the page starts after (None: the first page)."""

    def position(
        cursor: Annotated[
            str | None, Query(pattern=keyset.pattern, description=CURSOR_DESCRIPTION)
        ] = None,
    ) -> K | None:
        return keyset.after(cursor)

    return Depends(position)


CreatedCursor = Annotated[CreatedKey | None, _cursor(BY_CREATED)]
IdCursor = Annotated[uuid.UUID | None, _cursor(BY_ID)]
InstantCursor = Annotated[datetime | None, _cursor(BY_INSTANT)]


def Limit(*, maximum: int, default: int | None = None) -> Any:
    """``limit: Annotated[int, Limit(maximum=500)]`` (named like ``Query``): the ``limit``
    query parameter of a list, 1 to ``maximum``; ``default`` (else ``maximum``) if absent."""
    chosen = maximum if default is None else default

    def page_size(
        limit: Annotated[
            int,
            Query(ge=1, le=maximum, description=f"Page size: 1 to {maximum}; default {chosen}."),
        ] = chosen,
    ) -> int:
        return limit

    return Depends(page_size)


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


def next_link(url: URL, cursor: str) -> dict[str, str]:
    """``Link: <same URL with cursor=...>; rel="next"`` as a header dict."""
    return {"Link": f'<{url.include_query_params(cursor=cursor)}>; rel="next"'}


def page_response(
    request: Request,
    items: list[Any],
    next_cursor: str | None,
    headers: dict[str, str] | None = None,
) -> JSON:
    """A bare JSON array, with the ``Link`` of the next page when there is one."""
    headers = dict(headers or {})
    if next_cursor is not None:
        headers |= next_link(request.url, next_cursor)
    return JSON(items, headers=headers or None)
