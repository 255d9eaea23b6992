"""The ``Idempotency-Key`` header in the OpenAPI document, on every write of the API."""

from __future__ import annotations

from typing import Any

from energy_contracts.idempotency.middleware import HEADER, MAX_KEY_LENGTH, WRITE_METHODS

PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe. A repeat with the same key by the same client within 24 hours "
        "gets the first answer again (status, body and headers, marked "
        "`Idempotent-Replayed: true`) without the work being done twice. The same key with a "
        "different request (method, path, query or body) is a 422; a repeat while the first "
        "request is still running is a 409 with `Retry-After`. Server errors (5xx) are not "
        "kept: retrying them does the work."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$",
    },
    "example": "4f0e7d55-3a57-4d8c-9c1e-3f4f0b5c2a61",
}

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_RESPONSES = {
    "409": "A request with this Idempotency-Key is still running (see `Retry-After`), "
    "or another conflict.",
    "422": "A field is invalid, or the Idempotency-Key was used for a different request.",
}


def document_idempotency_key(document: dict[str, Any], api_prefix: str) -> None:
    """Add the header, and the answers it can cause, to every write under ``api_prefix``."""
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(api_prefix.rstrip("/") + "/"):
            continue
        for method, operation in operations.items():
            if method.upper() not in WRITE_METHODS:
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
                parameters.append(PARAMETER)
            responses = operation.setdefault("responses", {})
            for status, description in _RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": _PROBLEM}},
                    },
                )
