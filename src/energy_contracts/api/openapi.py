"""OpenAPI for msgspec-described bodies: one registry, merged into the app's document."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from energy_contracts.errors import PROBLEM_CONTENT_TYPE

REF_TEMPLATE = "#/components/schemas/{name}"

_registered: set[Any] = set()


def schema_ref(type_: Any) -> dict[str, Any]:
    """Register ``type_`` for the components section and return its reference."""
    _registered.add(type_)
    (schema,), _ = msgspec.json.schema_components([type_], ref_template=REF_TEMPLATE)
    return schema


def openapi_body(type_: Any, *, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route that decodes its JSON body with ``decode_body``."""
    content: dict[str, Any] = {"schema": schema_ref(type_)}
    if examples:
        content["examples"] = {
            name: {"summary": name.replace("_", " "), "value": value}
            for name, value in examples.items()
        }
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


def json_response(type_: Any, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema_ref(type_)}},
    }


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Documented problem+json responses for ``responses=`` of a route."""
    descriptions = {
        400: "Malformed JSON.",
        401: "Missing or invalid access token.",
        403: "The token lacks the scope.",
        404: "Not found, or not yours.",
        409: "Conflict.",
        412: "The If-Match ETag is stale.",
        413: "The body is too large.",
        422: "A field is invalid; `errors` names it.",
        503: "The database is unavailable; see Retry-After.",
    }
    return {
        status: {
            "description": descriptions[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _decimals_as_numbers(schema: Any) -> Any:
    """msgspec documents Decimal as a string; our encoder writes it as an exact JSON number."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and schema.get("format") == "decimal":
            return {key: value for key, value in schema.items() if key != "format"} | {
                "type": "number"
            }
        return {key: _decimals_as_numbers(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_decimals_as_numbers(item) for item in schema]
    return schema


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            _, extra = msgspec.json.schema_components(
                sorted(_registered, key=lambda t: getattr(t, "__name__", str(t))),
                ref_template=REF_TEMPLATE,
            )
            components.update(_decimals_as_numbers(extra))
            components["Problem"] = PROBLEM_SCHEMA
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
