"""Fast JSON responses that keep decimals exact.

Handlers return ``JSON(...)`` with plain data (dicts, msgspec structs, Decimals, datetimes,
UUIDs). Decimals are written as JSON numbers with their exact digits, so a price comes back
as the same decimal value it was sent as; instants are written in UTC with ``Z``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import JSONResponse

_encoder = msgspec.json.Encoder(decimal_format="number")


def encode_json(content: Any) -> bytes:
    return _encoder.encode(content)


class JSON(JSONResponse):
    """A ``JSONResponse`` (so that the OpenAPI document shows the route's JSON schema rather
    than a string) rendered by msgspec."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)
