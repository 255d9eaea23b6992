"""Why a JSON value does not fit a type, said in plain sentences naming each field.

msgspec decodes strictly and fast, but its error is one English string for the first problem
it met. When a body fails to decode, ``explain`` walks the value again against the type's
own description (``msgspec.inspect``) and names every offending field with a sentence
derived from the declared constraints (``meter_id: must be at most 19 characters``). It runs
only on the error path, so it costs nothing on good requests, and it never reads msgspec's
wording. ``expectation`` gives the same sentence for a parameter from its declared type.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from typing import Any

import msgspec
from msgspec import inspect as mi

from energy_contracts.errors import FieldError

MAX_EXPLAINED = 50

_LEAF_DECODERS: dict[type[mi.Type], msgspec.json.Decoder[Any]] = {
    mi.DateTimeType: msgspec.json.Decoder(dt.datetime),
    mi.DateType: msgspec.json.Decoder(dt.date),
    mi.TimeType: msgspec.json.Decoder(dt.time),
    mi.UUIDType: msgspec.json.Decoder(uuid.UUID),
    mi.DecimalType: msgspec.json.Decoder(Decimal),
}
_ENCODER = msgspec.json.Encoder()


def field_path(*parts: str | int) -> str:
    """``field_path("energy_prices", 3, "timestamp")`` → ``energy_prices[3].timestamp``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


@cache
def _info(type_: Any) -> mi.Type:
    return mi.type_info(type_)


def explain(type_: Any, value: Any) -> list[FieldError]:
    """Every way ``value`` (a decoded JSON document: numbers that are not integers as
    Decimal) fails to be a ``type_``, up to ``MAX_EXPLAINED``; empty if it fits."""
    errors: list[FieldError] = []
    for error in _check(_info(type_), value, ()):
        errors.append(error)
        if len(errors) == MAX_EXPLAINED:
            break
    return errors


def expectation(type_: Any) -> str:
    """``must be ...``: what a value of ``type_`` must be, with its constraints."""
    return "must be " + _expected(_info(type_), with_constraints=True)


def _check(info: mi.Type, value: Any, path: tuple[str | int, ...]) -> Iterator[FieldError]:
    here = field_path(*path) or "body"
    if isinstance(info, mi.Metadata):
        yield from _check(info.type, value, path)
    elif isinstance(info, mi.AnyType | mi.RawType):
        return
    elif isinstance(info, mi.UnionType):
        yield from _check_union(info, value, path)
    elif not _kind_fits(info, value):
        yield FieldError(here, "must be " + _expected(info))
    elif isinstance(info, mi.StructType):
        yield from _check_struct(info, value, path)
    elif isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        problem = _length_problem(len(value), info.min_length, info.max_length, "item")
        if problem:
            yield FieldError(here, problem)
        for index, item in enumerate(value):
            yield from _check(info.item_type, item, (*path, index))
    elif isinstance(info, mi.DictType):
        for key, item in value.items():
            yield from _check(info.value_type, item, (*path, str(key)))
    else:
        problem = _leaf_problem(info, value)
        if problem:
            yield FieldError(here, problem)


def _check_union(
    info: mi.UnionType, value: Any, path: tuple[str | int, ...]
) -> Iterator[FieldError]:
    arms = list(info.types)
    fitting = [arm for arm in arms if _kind_fits(arm, value)]
    if not fitting:
        expected = " or ".join(dict.fromkeys(_expected(arm) for arm in arms))
        yield FieldError(field_path(*path) or "body", f"must be {expected}")
        return
    found = [list(_check(arm, value, path)) for arm in fitting]
    if not all(found):
        return  # one arm accepts it
    yield from found[0]


def _check_struct(
    info: mi.StructType, value: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[FieldError]:
    fields = {field.encode_name: field for field in info.fields}
    if info.forbid_unknown_fields:
        for name in value:
            if name not in fields:
                yield FieldError(field_path(*path, name), "is not a field of this object")
    for name, field in fields.items():
        if name in value:
            yield from _check(field.type, value[name], (*path, name))
        elif field.required:
            yield FieldError(field_path(*path, name), "is required")


def _kind_fits(info: mi.Type, value: Any) -> bool:
    """Whether ``value`` is of the JSON kind ``info`` decodes from (constraints aside)."""
    match info:
        case mi.Metadata():
            return _kind_fits(info.type, value)
        case mi.AnyType() | mi.RawType():
            return True
        case mi.UnionType():
            return any(_kind_fits(arm, value) for arm in info.types)
        case mi.NoneType():
            return value is None
        case mi.BoolType():
            return isinstance(value, bool)
        case mi.IntType():
            return _is_integer(value)
        case mi.FloatType():
            return isinstance(value, int | Decimal) and not isinstance(value, bool)
        case mi.DecimalType():
            return isinstance(value, int | Decimal | str) and not isinstance(value, bool)
        case mi.StrType() | mi.DateTimeType() | mi.DateType() | mi.TimeType() | mi.UUIDType():
            return isinstance(value, str)
        case mi.LiteralType() | mi.EnumType():
            return any(
                type(option) is type(value) or (type(option) is int and _is_integer(value))
                for option in _options(info)
            )
        case mi.ListType() | mi.VarTupleType() | mi.SetType() | mi.FrozenSetType():
            return isinstance(value, list)
        case mi.StructType() | mi.DictType():
            return isinstance(value, dict)
    return False


def _is_integer(value: Any) -> bool:
    """A JSON number without a fractional part: JSON Schema's "integer" (``4`` or ``4.0``)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, Decimal) and value == value.to_integral_value()
    )


def whole_numbers_as_integers(type_: Any, value: Any) -> Any:
    """``value`` with each ``4.0`` where ``type_`` wants an integer written as ``4``: the
    document calls them integers (JSON Schema does), msgspec reads only ``4``."""
    return _integers(_info(type_), value)


def _integers(info: mi.Type, value: Any) -> Any:
    if isinstance(info, mi.Metadata):
        return _integers(info.type, value)
    if isinstance(value, Decimal) and _is_integer(value):
        wants_integer = isinstance(info, mi.IntType | mi.LiteralType) or (
            isinstance(info, mi.UnionType)
            and any(isinstance(arm, mi.IntType | mi.LiteralType) for arm in info.types)
        )
        return int(value) if wants_integer else value
    if isinstance(info, mi.UnionType):
        fitting = [arm for arm in info.types if _kind_fits(arm, value)]
        return _integers(fitting[0], value) if fitting else value
    if isinstance(info, mi.StructType) and isinstance(value, dict):
        fields = {field.encode_name: field.type for field in info.fields}
        return {k: _integers(fields[k], v) if k in fields else v for k, v in value.items()}
    if isinstance(info, mi.ListType | mi.VarTupleType) and isinstance(value, list):
        return [_integers(info.item_type, item) for item in value]
    if isinstance(info, mi.DictType) and isinstance(value, dict):
        return {key: _integers(info.value_type, item) for key, item in value.items()}
    return value


def _options(info: mi.LiteralType | mi.EnumType) -> list[Any]:
    if isinstance(info, mi.LiteralType):
        return list(info.values)
    return [member.value for member in info.cls]


def _leaf_problem(info: mi.Type, value: Any) -> str | None:
    if isinstance(info, mi.StrType):
        problem = _length_problem(len(value), info.min_length, info.max_length, "character")
        if problem:
            return problem
        if info.pattern is not None and re.search(info.pattern, value) is None:
            return f"must match the pattern {info.pattern}"
        return None
    if isinstance(info, mi.IntType | mi.FloatType):
        return _range_problem(Decimal(value), info)
    if isinstance(info, mi.LiteralType | mi.EnumType):
        return None if value in _options(info) else "must be " + _expected(info)
    decoder = _LEAF_DECODERS.get(type(info))
    if decoder is None:
        return None
    try:
        decoded = decoder.decode(_ENCODER.encode(value))
    except msgspec.ValidationError:
        return "must be " + _expected(info)
    if isinstance(info, mi.DateTimeType) and info.tz is True and decoded.tzinfo is None:
        return "must carry a UTC offset (Z or +01:00)"
    return None


def _range_problem(number: Decimal, info: mi.IntType | mi.FloatType) -> str | None:
    below = (info.ge is not None and number < Decimal(str(info.ge))) or (
        info.gt is not None and number <= Decimal(str(info.gt))
    )
    above = (info.le is not None and number > Decimal(str(info.le))) or (
        info.lt is not None and number >= Decimal(str(info.lt))
    )
    if below or above:
        return "must be " + _expected(info, with_constraints=True)
    if info.multiple_of is not None and number % Decimal(str(info.multiple_of)) != 0:
        return f"must be a multiple of {info.multiple_of}"
    return None


def _length_problem(length: int, minimum: int | None, maximum: int | None, unit: str) -> str | None:
    if minimum is not None and minimum == maximum and length != minimum:
        return f"must be exactly {_count(minimum, unit)}"
    if minimum is not None and length < minimum:
        return (
            "must not be empty" if minimum == 1 else f"must have at least {_count(minimum, unit)}"
        )
    if maximum is not None and length > maximum:
        return f"must have at most {_count(maximum, unit)}"
    return None


def _count(number: int, unit: str) -> str:
    return f"{number:,} {unit}{'' if number == 1 else 's'}"


def _expected(info: mi.Type, *, with_constraints: bool = False) -> str:
    """What a value of ``info`` is, as the object of "must be ..."."""
    match info:
        case mi.Metadata():
            return _expected(info.type, with_constraints=with_constraints)
        case mi.UnionType():
            arms = list(info.types)
            return " or ".join(
                dict.fromkeys(_expected(a, with_constraints=with_constraints) for a in arms)
            )
        case mi.NoneType():
            return "null"
        case mi.BoolType():
            return "true or false"
        case mi.IntType() | mi.FloatType():
            noun = "a whole number" if isinstance(info, mi.IntType) else "a number"
            return noun + (_bounds(info) if with_constraints else "")
        case mi.DecimalType():
            return "a number"
        case mi.StrType():
            return "a string"
        case mi.DateTimeType():
            return "a timestamp with an offset (RFC 3339, e.g. 2024-01-15T00:00:00Z)"
        case mi.DateType():
            return "a date (YYYY-MM-DD)"
        case mi.TimeType():
            return "a time of day (HH:MM)"
        case mi.UUIDType():
            return "a UUID"
        case mi.LiteralType() | mi.EnumType():
            return "one of " + ", ".join(_ENCODER.encode(o).decode() for o in _options(info))
        case mi.ListType() | mi.VarTupleType() | mi.SetType() | mi.FrozenSetType():
            return "an array"
        case mi.StructType() | mi.DictType():
            return "an object"
    return "a valid value"


def _bounds(info: mi.IntType | mi.FloatType) -> str:
    low = info.ge if info.ge is not None else info.gt
    high = info.le if info.le is not None else info.lt
    if info.ge is not None and info.le is not None:
        return f" from {info.ge} to {info.le}"
    parts = []
    if low is not None:
        parts.append(f"{'at least' if info.ge is not None else 'greater than'} {low}")
    if high is not None:
        parts.append(f"{'at most' if info.le is not None else 'less than'} {high}")
    return " " + " and ".join(parts) if parts else ""
