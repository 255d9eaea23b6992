"""Keyset paging: ``limit`` and an opaque ``cursor``; the next page is an RFC 8288 Link."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import msgspec
from starlette.datastructures import URL

from energy_contracts.errors import Unprocessable

_encoder = msgspec.json.Encoder()


def encode_cursor(values: Sequence[Any]) -> str:
    """The sort key of the last row of a page, as an opaque string."""
    return base64.urlsafe_b64encode(_encoder.encode(list(values))).rstrip(b"=").decode()


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple[Any, ...]:
    """Back to typed values; anything that was not made by ``encode_cursor`` is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        values = msgspec.json.decode(raw, type=tuple[types])  # type: ignore[valid-type]
    except (binascii.Error, UnicodeEncodeError, msgspec.DecodeError, msgspec.ValidationError):
        raise Unprocessable.field("cursor", "is not a cursor this API returned") from None
    return tuple(values)


def next_link(url: URL, cursor: str) -> dict[str, str]:
    """``Link: <same URL with cursor=...>; rel="next"`` as a header dict."""
    return {"Link": f'<{url.include_query_params(cursor=cursor)}>; rel="next"'}
