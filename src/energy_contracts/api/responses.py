"""Fast JSON responses that keep decimals exact.

Handlers return ``JSON(...)`` with plain data (dicts, msgspec structs, Decimals, datetimes,
UUIDs). Decimals are written as JSON numbers with their exact digits, so a price comes back
as the same decimal value it was sent as; instants are written in UTC with ``Z``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
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


def documented(row: object, out: type[msgspec.Struct], **renamed: str) -> dict[str, Any]:
    """``row`` as the JSON object the response type ``out`` documents: one key per field of
    ``out``, in its order, so the answer cannot drift from the document. ``renamed`` names
    the attribute of a field that is called differently on the row
    (``organization_id="org_id"``)."""
    return {name: getattr(row, renamed.get(name, name)) for name in out.__struct_fields__}


def location(request: Request, route_name: str, **path_params: object) -> dict[str, str]:
    """The ``Location`` header of a created object: the URL of the route that reads it."""
    params = {name: str(value) for name, value in path_params.items()}
    return {"Location": str(request.url_for(route_name, **params))}
