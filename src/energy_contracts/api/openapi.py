"""The OpenAPI document: Litestar builds it from the handlers' types; msgspec describes the
Structs.

Litestar documents each operation from its handler: path and query parameters with their
constraints, ``data: T`` as the request body, the return type as the answer, ``responses=``
(``problems(...)``) and ``response_headers=``. Every msgspec Struct in there becomes a
reference to a component that msgspec itself describes (``StructSchemas``), so the schema is
the very description msgspec decodes and encodes by: lengths, patterns, ranges, ``UNSET``
defaults, and the extra JSON Schema the types carry. Decimals are documented as numbers,
because the API writes them as exact JSON numbers.

``ApiDocument`` serves the finished document; layers that add headers of their own (the
idempotency key) document them through ``extensions``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar import Litestar, Request, Response
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Reference, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.router import Router
from litestar.typing import FieldDefinition

from energy_contracts.api.responses import encode_json
from energy_contracts.errors import PROBLEM_CONTENT_TYPE, NotFound, Problem

REF_TEMPLATE = "#/components/schemas/{name}"

DocumentExtension = Callable[[dict[str, Any]], None]


class StructSchemas(OpenAPISchemaPlugin):
    """Each msgspec Struct is a component described by msgspec (see the module docstring)."""

    def __init__(self) -> None:
        self.types: set[Any] = set()

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of(msgspec.Struct)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        type_ = field_definition.type_
        self.types.add(type_)
        (reference,), _ = msgspec.json.schema_components([type_], ref_template=REF_TEMPLATE)
        # A Schema (Litestar looks up every Reference in its own registry) that only refers
        # to msgspec's component; ``ApiDocument`` writes it as the plain reference.
        return Schema(all_of=[Reference(ref=reference["$ref"])])

    def components(self) -> dict[str, Any]:
        _, described = msgspec.json.schema_components(
            sorted(self.types, key=lambda t: (t.__module__, t.__qualname__)),
            ref_template=REF_TEMPLATE,
        )
        return {
            name: _references_alone(decimals_as_numbers(schema))
            for name, schema in described.items()
        }


def _references_alone(node: Any) -> Any:
    """``{"$ref": r, ...more}`` → ``{"allOf": [{"$ref": r}], ...more}``: msgspec writes a
    constrained reference (``Annotated[Struct, Meta(extra_json_schema=...)]``) with the
    constraints next to ``$ref``, where tools reading OpenAPI 3.0 ignore them."""
    if isinstance(node, dict):
        inner = {key: _references_alone(value) for key, value in node.items()}
        if "$ref" in inner and len(inner) > 1:
            return {"allOf": [{"$ref": inner.pop("$ref")}], **inner}
        return inner
    if isinstance(node, list):
        return [_references_alone(item) for item in node]
    return node


def _plain_references(node: Any) -> Any:
    """``{"allOf": [{"$ref": r}]}`` and nothing else → ``{"$ref": r}``."""
    if isinstance(node, dict):
        one = node.get("allOf")
        if len(node) == 1 and isinstance(one, list) and len(one) == 1 and "$ref" in one[0]:
            return one[0]
        return {key: _plain_references(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain_references(item) for item in node]
    return node


def decimals_as_numbers(schema: Any) -> Any:
    """msgspec documents Decimal as a string; our encoder writes it as an exact JSON number."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and schema.get("format") == "decimal":
            return {key: value for key, value in schema.items() if key != "format"} | {
                "type": "number"
            }
        return {key: decimals_as_numbers(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [decimals_as_numbers(item) for item in schema]
    return schema


class ApiDocument(OpenAPIRenderPlugin):
    """``openapi.json``: Litestar's document with msgspec's components, built once."""

    def __init__(
        self,
        structs: StructSchemas,
        *,
        path: str = "/openapi.json",
        extensions: Sequence[DocumentExtension] = (),
    ) -> None:
        super().__init__(path=path, media_type=MediaType.JSON)
        self._structs = structs
        self._extensions = list(extensions)
        self._rendered: bytes | None = None

    def document(self, openapi_schema: dict[str, Any]) -> dict[str, Any]:
        document = _plain_references(msgspec.json.decode(encode_json(openapi_schema)))
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(self._structs.components())
        for extend in self._extensions:
            extend(document)
        return dict(document)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            self._rendered = encode_json(self.document(openapi_schema))
        return self._rendered

    def receive_router(self, router: Router) -> None:
        # The documentation router answers paths it does not know with an HTML page; under
        # the API prefix every unknown path is the same problem+json 404.
        router.after_request = _problem_for_not_found


def served_document(app: Litestar) -> dict[str, Any]:
    """The document ``app`` serves at ``openapi.json``, without a request."""
    config = app.openapi_config
    assert config is not None, "the app documents itself"
    plugin = next(p for p in config.render_plugins if isinstance(p, ApiDocument))
    return plugin.document(app.openapi_schema.to_schema())


async def _problem_for_not_found(response: Response[Any]) -> Response[Any]:
    if response.status_code == 404:
        return NotFound().to_response()
    return response


_DESCRIPTIONS = {
    400: "Malformed JSON, or a malformed request.",
    401: "Missing or invalid access token.",
    403: "The token lacks the scope.",
    404: "Not found, or not yours.",
    409: "Conflict.",
    412: "The If-Match ETag is stale.",
    413: "The body is too large.",
    422: "A field or parameter is invalid; `errors` names it.",
    429: "Too many requests; see Retry-After.",
    503: "The database is unavailable; see Retry-After.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Documented problem+json answers for a handler's ``responses=``; every request may get
    the 400 of a malformed request."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_CONTENT_TYPE,
            description=_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }
