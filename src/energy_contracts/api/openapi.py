"""OpenAPI for msgspec-described bodies: one registry, merged into the app's document."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from energy_contracts.errors import PROBLEM_CONTENT_TYPE
from energy_contracts.idempotency.openapi import document_idempotency_key

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


def json_response(
    type_: Any, description: str = "OK", *, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A documented JSON response; ``headers`` from the ``*_HEADER`` specs below, merged
    with ``|``."""
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema_ref(type_)}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header(name: str, description: str) -> dict[str, Any]:
    return {name: {"description": description, "schema": {"type": "string"}}}


LOCATION_HEADER = _header("Location", "The created object's URL.")
LINK_HEADER = _header("Link", 'RFC 8288 `<...>; rel="next"`, present only when a next page exists.')
ETAG_HEADER = _header("ETag", 'The contract\'s version (e.g. `"3"`), for If-Match.')


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


def _document_common_problems(document: dict[str, Any], api_prefix: str) -> None:
    """The answers every operation of the API can give, whether or not its route lists them:
    400 for malformed requests, 401/403 where a token is needed, 404 for the path's objects,
    413 for bodies, 422 as problem+json (FastAPI would document its own validation shape,
    which we never send), and 503 when the database is unavailable."""
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(api_prefix):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            validation = responses.get("422", {}).get("content", {})
            if "application/json" in validation and PROBLEM_CONTENT_TYPE not in validation:
                responses["422"]["content"] = problem
            wanted = [400, 422, 503]
            if operation.get("security"):
                wanted += [401, 403]
            if "{" in path:
                wanted.append(404)
            if "requestBody" in operation:
                wanted.append(413)
            for status, documented in problems(*wanted).items():
                responses.setdefault(str(status), documented)
    # Malformed HTTP (a broken Content-Length, say) never reaches the app: the HTTP server
    # answers 400 in plain text, on any path.
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            malformed = operation.setdefault("responses", {}).setdefault(
                "400", {"description": "Malformed request."}
            )
            malformed.setdefault("content", {}).setdefault(
                "text/plain", {"schema": {"type": "string"}}
            )
    schemas = document.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in json.dumps(document.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def install_openapi(app: FastAPI, *, api_prefix: str | None = None) -> None:
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
            if api_prefix is not None:
                _document_common_problems(document, api_prefix)
                document_idempotency_key(document, api_prefix)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
