"""Request bodies decoded with msgspec: exact decimals, absent-vs-null, unknown fields refused.

A body is described by a ``msgspec.Struct`` (``forbid_unknown_fields=True``; optional fields
default to ``msgspec.UNSET`` so a partial update can tell "absent" from "null"). The same
Struct documents the body in the OpenAPI document (``openapi_body``), so the schema and the
decoder cannot drift apart.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from fastapi import Request

from energy_contracts.errors import BadRequest, FieldError, Unprocessable

T = TypeVar("T")

_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`$")
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")

_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode_json(body: bytes, type_: type[T]) -> T:
    decoder = _decoders.get(type_)
    if decoder is None:
        decoder = _decoders[type_] = msgspec.json.Decoder(type_)
    try:
        result: T = decoder.decode(body)
        return result
    except msgspec.ValidationError as exc:
        # msgspec checks types while it parses: a truncated body may fail on a type first.
        _ensure_well_formed(body)
        raise Unprocessable(str(exc), errors=[validation_field_error(str(exc))]) from None
    except msgspec.DecodeError:
        raise BadRequest("The request body is not valid JSON.") from None


# Numbers as Decimal, so a value beyond float range is not mistaken for malformed JSON.
_untyped = msgspec.json.Decoder(float_hook=Decimal)


def _ensure_well_formed(body: bytes) -> None:
    try:
        _untyped.decode(body)
    except msgspec.DecodeError:
        raise BadRequest("The request body is not valid JSON.") from None


async def decode_body(request: Request, type_: type[T]) -> T:
    return decode_json(await request.body(), type_)


def validation_field_error(message: str) -> FieldError:
    """``Expected `str`, got `int` - at `$.energy_prices[3].timestamp``` →
    ``FieldError("energy_prices[3].timestamp", "Expected `str`, got `int`")``."""
    match = _AT_PATH.match(message)
    assert match is not None  # the pattern matches any string
    text, path = match["message"], (match["path"] or "").lstrip(".")
    for pattern, wording in ((_UNKNOWN_FIELD, "unknown field"), (_MISSING_FIELD, "required")):
        named = pattern.match(text)
        if named:
            name = named["name"]
            return FieldError(f"{path}.{name}" if path else name, wording)
    return FieldError(path or "body", text)


def field_path(*parts: str | int) -> str:
    """``field_path("energy_prices", 3, "timestamp")`` → ``energy_prices[3].timestamp``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path
