"""Versions as ETags, and ``If-Match`` (SPEC §7): a write based on a stale read is a 412.

A resource with a version (a contract, a price series) answers with ``ETag: "<version>"``;
a write that sends it back as ``If-Match`` goes through only while it is current. ``*``
matches any version; without the header a write is unconditional (the seed's clients do
not send it). Compared strongly (RFC 9110 §13.1.1): ``W/"3"`` never matches.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from energy_contracts.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description='The ETag (e.g. `"3"`) from an earlier response, or `*`. A stale ETag is '
        "a 412; without the header the write is unconditional.",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """A stale ETag is a 412 carrying the current one; no header means unconditional."""
    if if_match is None:
        return
    current = etag(version)
    offered = [tag.strip() for tag in if_match.split(",")]
    if "*" in offered or current in offered:
        return
    raise PreconditionFailed(
        f"This has changed since that ETag; its current ETag is {current}.",
        headers={"ETag": current},
    )
