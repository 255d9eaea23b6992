"""Request bodies: msgspec Structs that the framework decodes strictly, and documents.

A request body type subclasses ``RequestBody`` (unknown fields are refused; optional fields of
a partial update default to ``msgspec.UNSET``, so "absent" and "null" differ). A handler
declares ``data: UserCreate`` and receives a decoded ``UserCreate``: ``StrictBodies`` (a
Litestar serialization plugin) decodes every such body with msgspec in strict mode — a string
is never taken for a number — and documents it with the same type's schema. A body that does
not fit is a 422 naming each field (``api.explain``), one that is not JSON a 400, and a number
written ``NaN`` or ``Infinity`` a 422 naming the field that holds it.
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

from energy_contracts.api.explain import explain, field_path, whole_numbers_as_integers
from energy_contracts.errors import FieldError, MalformedJson, Unprocessable

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
    try:
        decoder: msgspec.json.Decoder[T] = _decoder(type_)  # type: ignore[arg-type]
        result: T = decoder.decode(body)
        return result
    except msgspec.ValidationError:
        # msgspec checks types while it parses: a truncated body may fail on a type first.
        try:
            document = _untyped.decode(body)
        except msgspec.DecodeError:
            raise MalformedJson() from None
        errors = explain(type_, document)
        if errors:
            raise Unprocessable(errors=errors) from None
        # Only integers written with a fraction (``4.0``) were in the way.
        repaired = _exact.encode(whole_numbers_as_integers(type_, document))
        try:
            decoded: T = decoder.decode(repaired)
        except msgspec.ValidationError:
            raise Unprocessable.field("body", "does not match the schema") from None
        return decoded
    except msgspec.DecodeError:
        located = non_finite_number_field(body)
        if located is None:
            raise MalformedJson() from None
        raise Unprocessable(errors=[located]) from None


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
