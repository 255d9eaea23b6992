"""Checks of request fields that more than one resource shares: the rules a msgspec type
cannot express. Each failure is a 422 naming the field.

Where a rule is documented in the OpenAPI document, the document carries the check's own
pattern (``NO_NUL``, ``codes.country_pattern``), so a schema-valid value always passes.
"""

from __future__ import annotations

from typing import Any

import msgspec

from energy_contracts.codes import country_code, timezone_name
from energy_contracts.errors import Unprocessable

# The OpenAPI form of the rule that no string holds NUL (``api.bodies`` enforces it for
# every body): ``Meta(..., extra_json_schema=NO_NUL)``.
NO_NUL: dict[str, Any] = {"pattern": r"^[^\x00]*$"}

# Whitespace as Python reads it (``\s``, ``str.split()``), spelled out for the patterns of
# the OpenAPI document: a JSON Schema regex (ECMA-262) reads ``\s`` differently.
WHITESPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def sent_fields(body: msgspec.Struct) -> dict[str, Any]:
    """The fields a request body carries (absent ones, ``UNSET``, left out)."""
    return {
        name: value
        for name, value in msgspec.structs.asdict(body).items()
        if value is not msgspec.UNSET
    }


def valid_country(value: str | None) -> str | None:
    if value is None:
        return None
    code = country_code(value)
    if code is None:
        raise Unprocessable.field("country", "is not an ISO 3166-1 alpha-2 country code")
    return code


def valid_timezone(value: str) -> str:
    name = timezone_name(value)
    if name is None:
        raise Unprocessable.field("timezone", "is not an IANA time zone")
    return name
