"""Request bodies: msgspec Structs that the framework decodes strictly, and documents.

A request body type subclasses ``RequestBody`` (unknown fields are refused; optional fields of
a partial update default to ``msgspec.UNSET``, so "absent" and "null" differ). A handler
declares ``data: UserCreate`` and receives a decoded ``UserCreate``: ``StrictBodies`` (a
Litestar serialization plugin) decodes every such body with msgspec in strict mode — a string
is never taken for a number — and documents it with the same type's schema. A body that does
not fit is a 422 naming each field (``api.explain``), one that is not JSON (or not UTF-8, or
nested deeper than ``MAX_DEPTH``) a 400, and a number written ``NaN`` or ``Infinity`` a 422
naming the field that holds it.

What msgspec lets through, SPEC §1 refuses, with a 422 naming the place: a key twice in one
object (msgspec keeps the last) and a string holding NUL (``\u0000``). Both are looked for
after a successful decode, cheaply: see ``_check_keys_once`` and ``_check_no_nul``.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import msgspec
from litestar.dto import AbstractDTO, DTOFieldDefinition
from litestar.openapi.spec import Reference, Schema
from litestar.params import BodyKwarg
from litestar.plugins import SerializationPlugin
from litestar.typing import FieldDefinition
from msgspec import inspect as mi

from energy_contracts.api.explain import explain, field_path, whole_numbers_as_integers
from energy_contracts.errors import BadRequest, FieldError, MalformedJson, Unprocessable

MAX_DEPTH = 64
# Bodies up to this size are checked for repeated keys by a full parse (well under a
# millisecond); larger ones (year-long price lists, load profiles) by counting keys.
_PARSED_CHECK_BYTES = 256 * 1024

T = TypeVar("T")


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every request body: unknown fields refused (inherited). Declare subclasses
    ``kw_only=True`` (msgspec does not inherit it), so optional fields may come first."""


@cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:  # type_ is hashable: a class
    return msgspec.json.Decoder(type_)


# Numbers as Decimal, so a value beyond float range is not mistaken for malformed JSON, and
# written back with their exact digits.
_untyped = msgspec.json.Decoder(float_hook=Decimal)
_exact = msgspec.json.Encoder(decimal_format="number")


def decode_body(body: bytes, type_: type[T]) -> T:
    """``body`` as a ``type_``; a 422 naming each field that does not fit, or a 400."""
    decoder: msgspec.json.Decoder[T] = _decoder(type_)  # type: ignore[arg-type]
    try:
        result: T = decoder.decode(body)
    except msgspec.ValidationError:
        return _refused_or_repaired(body, type_, decoder)
    except msgspec.DecodeError:
        raise _not_json(body) from None
    except UnicodeDecodeError:
        raise MalformedJson("The request body is not valid UTF-8.") from None
    except RecursionError:
        raise _too_deep() from None
    _check_no_nul(body)
    _check_keys_once(body, type_, result)
    return result


def _too_deep() -> BadRequest:
    return BadRequest(f"The request body nests deeper than {MAX_DEPTH} levels.")


def _not_json(body: bytes) -> MalformedJson | Unprocessable:
    """A body msgspec could not parse: a 422 if only a ``NaN`` or ``Infinity`` is in the
    way (SPEC: a number that is not finite names its field), else a 400."""
    located = non_finite_number_field(body)
    return MalformedJson() if located is None else Unprocessable(errors=[located])


def _untyped_document(body: bytes) -> Any:
    try:
        document = _untyped.decode(body)
    except UnicodeDecodeError:
        raise MalformedJson("The request body is not valid UTF-8.") from None
    except msgspec.DecodeError:
        raise _not_json(body) from None
    except RecursionError:
        raise _too_deep() from None
    if _depth(document) > MAX_DEPTH:
        raise _too_deep()
    return document


def _depth(document: Any) -> int:
    deepest = 0
    pending = [(document, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            pending.extend(
                (child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)
            )
    return deepest


def _refused_or_repaired(body: bytes, type_: type[T], decoder: msgspec.json.Decoder[T]) -> T:
    """A body msgspec refused: a 400 or a 422 saying why, unless the only trouble was an
    integer written with a fraction (``4.0``), which JSON Schema calls an integer too."""
    # msgspec checks types while it parses: a truncated body may fail on a type first.
    document = _untyped_document(body)
    errors = explain(type_, document)
    if errors:
        raise Unprocessable(errors=errors)
    repaired = _exact.encode(whole_numbers_as_integers(type_, document))
    try:
        decoded: T = decoder.decode(repaired)
    except msgspec.ValidationError:
        raise Unprocessable.field("body", "is not what this endpoint takes") from None
    _check_no_nul(body)
    _check_keys_once(body, type_, decoded)
    return decoded


def _check_no_nul(body: bytes) -> None:
    """SPEC §1: no string may hold U+0000 (PostgreSQL cannot store it, and it is never
    meant). JSON can only write it as an escape, so bodies without one are fine."""
    if b"\\" not in body or b"\\u0000" not in body:  # the first is a memchr (see below)
        return
    found = _first(_untyped_document(body), lambda node: isinstance(node, str) and "\x00" in node)
    if found is not None:
        raise Unprocessable.field(field_path(*found) or "body", "must not contain NUL characters")


def _check_keys_once(body: bytes, type_: Any, decoded: Any) -> None:
    """SPEC §1: a key twice in one object is a 422 (msgspec would keep the last value)."""
    if len(body) > _PARSED_CHECK_BYTES and _counted_keys_match(body, type_, decoded):
        return
    try:
        document = json.loads(body, object_pairs_hook=_Members)
    except RecursionError:
        raise _too_deep() from None
    repeated = _first(document, _repeats_a_key)
    if repeated is not None:
        keys = [key for key, _ in _at(document, repeated)]
        twice = next(key for key in keys if keys.count(key) > 1)
        raise Unprocessable.field(field_path(*repeated, twice), REPEATED)


REPEATED = "appears twice in one object"


class _Members(list[tuple[str, Any]]):
    """A JSON object as written: its members in order, a key as often as it was sent."""


def _repeats_a_key(node: Any) -> bool:
    if not isinstance(node, _Members):
        return False
    keys = [key for key, _ in node]
    return len(set(keys)) != len(keys)


def _at(document: Any, path: tuple[str | int, ...]) -> Any:
    """The node of a ``_Members`` document at ``path`` (the last member of a repeated key)."""
    node = document
    for part in path:
        node = node[part] if isinstance(part, int) else dict(node)[part]
    return node


def _counted_keys_match(body: bytes, type_: Any, decoded: Any) -> bool:
    """Whether no key is written twice in one object, told by counting quotes in the raw
    body (one C pass over a year of prices, where a parse takes hundreds of milliseconds).

    In a body without a backslash every ``"`` opens or closes a string, so the body holds
    twice as many quotes as strings. ``_strings_written`` counts the strings a body that
    decodes to ``decoded`` holds at the least: each key once, each string value once, raw
    values (prices kept as written) none. A repeated key, or a string anywhere inside a raw
    value (an object there holds keys), only adds quotes, so an exact match proves every
    object's keys distinct; any other count, or an escape, sends the body to the parse."""
    # One byte is searched with memchr: 0.03 ms over 2 MB, where b"\\u" takes 2 ms.
    if b"\\" in body:
        return False
    strings = _strings_written(type_, decoded)
    return strings is not None and body.count(b'"') == 2 * strings


def _strings_written(type_: Any, decoded: Any) -> int | None:
    """The strings (keys and string values) written in a body that decodes to ``decoded``,
    if no key is repeated and raw values hold none; None where the decoded value cannot
    tell (a field that may have been written or defaulted, a value that may have been a
    string or a number, a nested object)."""
    info = _struct_info(type_)
    if info is None:
        return None
    strings = 0
    for field in info.fields:
        value = getattr(decoded, field.name)
        if value is msgspec.UNSET:
            continue
        if not field.required and not _defaults_to_unset(field):
            return None  # present or defaulted: the count cannot tell
        # Required, or defaulting to UNSET and not UNSET: its key was written, once.
        in_value = _strings_in(value, field.type)
        if in_value is None:
            return None
        strings += 1 + in_value
    return strings


def _strings_in(value: Any, declared: mi.Type) -> int | None:
    if isinstance(value, str):
        return 1
    if value is None or isinstance(value, bool | int | float | msgspec.Raw):
        return 0
    if isinstance(value, list):
        item = _list_item_struct(declared)
        per_item = None if item is None else _strings_per_item(item)
        return None if per_item is None else per_item * len(value)
    return None


def _list_item_struct(declared: mi.Type) -> type | None:
    """The Struct class of a field declared as a list of one Struct type (optionally UNSET,
    with metadata); None for anything else, a union of item types included."""
    kind = _bare(declared)
    if isinstance(kind, mi.UnionType):
        lists = [_bare(member) for member in kind.types if isinstance(_bare(member), mi.ListType)]
        if len(lists) != 1:
            return None
        kind = lists[0]
    if not isinstance(kind, mi.ListType):
        return None
    item = _bare(kind.item_type)
    return item.cls if isinstance(item, mi.StructType) else None


def _bare(declared: mi.Type) -> mi.Type:
    """The type without its metadata (which ``Annotated`` aliases may stack)."""
    while isinstance(declared, mi.Metadata):
        declared = declared.type
    return declared


@cache
def _strings_per_item(type_: Any) -> int | None:
    """The strings in each item of a list of ``type_`` Structs whose fields are all required
    and hold a string, a number or a raw value: the same for every item, so a list of any
    length is counted without looking at its items."""
    info = _struct_info(type_)
    if info is None or not all(field.required for field in info.fields):
        return None
    strings = 0
    for field in info.fields:
        kind = _bare(field.type)
        if isinstance(kind, mi.StrType):
            strings += 2  # the key and its string value
        elif isinstance(kind, mi.RawType | mi.IntType | mi.FloatType | mi.BoolType):
            strings += 1  # the key
        else:
            return None
    return strings


def _defaults_to_unset(field: mi.Field) -> bool:
    """Whether an optional field's default is ``UNSET`` (absent in the body ⇔ ``UNSET``).
    ``msgspec.inspect`` shows such a default as ``NODEFAULT`` (it is not written back either);
    every other optional field has a real default or a default factory."""
    return (
        field.default is msgspec.UNSET or field.default is msgspec.NODEFAULT
    ) and field.default_factory is msgspec.NODEFAULT


@cache
def _struct_info(type_: Any) -> mi.StructType | None:
    if not (isinstance(type_, type) and issubclass(type_, msgspec.Struct)):
        return None
    info = mi.type_info(type_)
    return info if isinstance(info, mi.StructType) else None


def _first(document: Any, matches: Any) -> tuple[str | int, ...] | None:
    """Where the first node (or key) that ``matches`` is, as a path of keys and indexes;
    objects as dicts or as ``_Members``."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        node, path = pending.pop()
        if matches(node):
            return path
        members = _members_of(node)
        if members is not None:
            for key, _ in members:
                if matches(key):
                    return (*path, key)
            pending.extend((child, (*path, key)) for key, child in reversed(members))
        elif isinstance(node, list):
            pending.extend(
                (child, (*path, index)) for index, child in reversed(list(enumerate(node)))
            )
    return None


def _members_of(node: Any) -> list[tuple[str, Any]] | None:
    if isinstance(node, _Members):
        return list(node)
    if isinstance(node, dict):
        return list(node.items())
    return None


class StrictBody(AbstractDTO[T]):
    """A DTO that only decodes: the body type is the transfer type, as the handler declares
    it, so nothing is converted twice. Documented by the type's own schema (and the
    handler's ``Body(examples=...)``)."""

    @classmethod
    def generate_field_definitions(
        cls, model_type: type[Any]
    ) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        return None

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any
    ) -> Reference | Schema:
        schema: Reference | Schema = schema_creator.for_field_definition(
            FieldDefinition.from_annotation(cls.model_type)
        )
        kwargs = field_definition.kwarg_definition
        if isinstance(kwargs, BodyKwarg) and kwargs.examples:
            # JSON Schema's own ``examples`` next to the type's reference.
            return Schema(all_of=[schema], examples=[example.value for example in kwargs.examples])
        return schema

    def decode_bytes(self, value: bytes) -> Any:
        return decode_body(value, self.model_type)

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        return msgspec.convert(value, self.model_type)


class StrictBodies(SerializationPlugin):
    """Every ``RequestBody`` a handler takes as ``data`` is decoded by ``StrictBody``."""

    def supports_type(self, field_definition: FieldDefinition) -> bool:
        return field_definition.is_subclass_of(RequestBody)

    def create_dto_for_type(self, field_definition: FieldDefinition) -> type[AbstractDTO[Any]]:
        annotation = field_definition.annotation
        dto: type[AbstractDTO[Any]] = StrictBody[annotation]  # type: ignore[valid-type]
        return dto


class _NonFinite:
    def __init__(self, literal: str) -> None:
        self.literal = literal


def non_finite_number_field(body: bytes) -> FieldError | None:
    """Where a body that is not JSON only because of ``NaN``/``Infinity`` carries one.

    msgspec refuses those literals as malformed JSON; SPEC §5 wants a 422 naming the field.
    Only called on the error path, so the second parse costs nothing on good requests.
    """
    try:
        document = json.loads(body, parse_constant=_NonFinite)
    except (ValueError, RecursionError):
        return None
    found = _find(document, ())
    if found is None:
        return None
    path, literal = found
    return FieldError(field_path(*path) or "body", f"must be a finite number, not {literal}")


def _find(node: Any, path: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], str] | None:
    # Iterative: a deeply nested body must not exhaust the stack on the error path.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, _NonFinite):
            return where, current.literal
        if isinstance(current, dict):
            children = [(value, (*where, key)) for key, value in current.items()]
        elif isinstance(current, list):
            children = [(value, (*where, index)) for index, value in enumerate(current)]
        else:
            continue
        stack.extend(reversed(children))
    return None
