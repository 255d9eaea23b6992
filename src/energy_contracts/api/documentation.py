"""Small helpers that handlers share to document what they answer."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import Example
from litestar.params import Body


def header(name: str, description: str) -> ResponseHeader:
    return ResponseHeader(name=name, description=description, documentation_only=True)


LOCATION = header("Location", "The created object's URL.")
LINK = header("Link", 'RFC 8288 `<...>; rel="next"`, present only when a next page exists.')
ETAG = header("ETag", 'The version (e.g. `"3"`), for If-Match.')


def examples(named: dict[str, Any]) -> Any:
    """``Annotated[T, examples({...})]`` for a request body: its named examples."""
    return Body(
        examples=[
            Example(summary=name.replace("_", " "), value=value) for name, value in named.items()
        ]
    )
