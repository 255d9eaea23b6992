"""``POST /oauth2/token/`` (RFC 6749 §4.4 client credentials) and the JWKS document."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import Response

from energy_contracts.api.responses import JSON, encode_json
from energy_contracts.api.validation import WHITESPACE
from energy_contracts.auth.clients import find_client
from energy_contracts.auth.keys import SigningKey
from energy_contracts.auth.ratelimit import TokenRateLimiter
from energy_contracts.auth.secrets import verify_secret
from energy_contracts.auth.tokens import TokenService
from energy_contracts.db.session import SessionDep

router = APIRouter(tags=["OAuth 2.0"])

MAX_TOKEN_REQUEST_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response (not problem+json: OAuth clients parse this shape)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> Response:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="energy-contracts", charset="UTF-8"'
        body = {"error": self.error, "error_description": self.description}
        return Response(encode_json(body), self.status, headers, "application/json")


# RFC 6749 §3.3: scope tokens separated by spaces; we read them with `str.split()`, so any
# whitespace separates, and an empty scope means every scope of the client.
_SPACE = f"[{WHITESPACE}]"
_SCOPE_PATTERN = rf"^{_SPACE}*(?:(?:read|write)(?:{_SPACE}+(?:read|write))*{_SPACE}*)?$"
_TOKEN_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "scope": {
            "type": "string",
            "pattern": _SCOPE_PATTERN,
            "description": "`read`, `write` or both, space-separated; a subset of the "
            "client's scopes. Absent or empty: all of them.",
            "example": "read write",
        },
        "client_id": {"type": "string", "description": "If not sent with HTTP Basic."},
        "client_secret": {"type": "string", "description": "If not sent with HTTP Basic."},
    },
    # RFC 6749 §3.1/§3.2: parameters the server does not know are ignored; every parameter
    # is one string (a form parameter must not repeat: that is a 400).
    "additionalProperties": {"type": "string"},
}
_TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _TOKEN_REQUEST_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": _TOKEN_REQUEST_SCHEMA},
        },
    },
    "security": [{"clientBasic": []}, {}],
    "responses": {
        "200": {
            "description": "An access token.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["access_token", "token_type", "expires_in", "scope"],
                        "properties": {
                            "access_token": {"type": "string"},
                            "token_type": {"type": "string", "enum": ["Bearer"]},
                            "expires_in": {"type": "integer"},
                            "scope": {"type": "string"},
                        },
                    }
                }
            },
        },
        **{
            str(status): {
                "description": description,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["error"],
                            "properties": {
                                "error": {"type": "string"},
                                "error_description": {"type": "string"},
                            },
                        }
                    }
                },
            }
            for status, description in (
                (400, "invalid_request, unsupported_grant_type or invalid_scope."),
                (401, "invalid_client."),
                (429, "Too many token requests for this client; see Retry-After."),
            )
        },
    },
}


@router.post(
    "/oauth2/token/",
    summary="Get an access token (client credentials grant)",
    openapi_extra=_TOKEN_OPENAPI,
    response_class=JSON,
)
@router.post("/oauth2/token", include_in_schema=False, response_class=JSON)
async def issue_token(request: Request, session: SessionDep) -> Response:
    try:
        return await _issue_token(request, session)
    except OAuthError as error:
        return error.response()


async def _issue_token(request: Request, session: SessionDep) -> Response:
    params = await _read_parameters(request)
    client_id, client_secret = _client_credentials(request, params)
    limiter: TokenRateLimiter = request.app.state.token_rate_limiter
    retry_after = limiter.check(client_id)
    if retry_after is not None:
        error = OAuthError("slow_down", "Too many token requests for this client.", status=429)
        response = error.response()
        response.headers["Retry-After"] = str(retry_after)
        return response

    grant_type = params.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")

    # No client id holds NUL (and PostgreSQL refuses it in a query): such a client is unknown.
    client = await find_client(session, client_id) if "\x00" not in client_id else None
    secret_hash = client.secret_hash if client is not None else None
    # argon2 is CPU-bound: keep it off the event loop.
    valid = await to_thread.run_sync(verify_secret, secret_hash, client_secret)
    if client is None or not valid or client.revoked_at is not None:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)

    allowed = client.scope.split()
    requested = params.get("scope")
    if requested is None or not requested.strip():
        scopes = allowed
    else:
        wanted = set(requested.split())
        if not wanted <= set(allowed):
            raise OAuthError("invalid_scope", f"This client may ask for: {' '.join(allowed)}.")
        scopes = [s for s in allowed if s in wanted]

    tokens: TokenService = request.app.state.tokens
    access_token = tokens.issue(client_id=client.client_id, org_id=client.org_id, scopes=scopes)
    request.state.client_id = client.client_id
    body = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": tokens.lifetime_seconds,
        "scope": " ".join(scopes),
    }
    return JSON(body, headers=NO_STORE)


async def _read_parameters(request: Request) -> dict[str, str]:
    """The body as JSON (the platform guide's form) or as a form (what OAuth libraries send)."""
    body = await request.body()
    if len(body) > MAX_TOKEN_REQUEST_BYTES:
        raise OAuthError("invalid_request", "The request body is too large.")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or (not media_type and body.lstrip()[:1] == b"{"):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise OAuthError("invalid_request", "The body is not valid JSON.") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise OAuthError("invalid_request", "The body must be an object of strings.")
        return {key: value for key, value in data.items() if value != ""}
    if media_type in ("application/x-www-form-urlencoded", ""):
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=False, strict_parsing=False)
        except UnicodeDecodeError:
            raise OAuthError("invalid_request", "The body is not UTF-8.") from None
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise OAuthError("invalid_request", "A parameter is repeated.")
        return dict(pairs)
    raise OAuthError(
        "invalid_request", "Send application/json or application/x-www-form-urlencoded."
    )


def _client_credentials(request: Request, params: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization")
    in_body = "client_id" in params or "client_secret" in params
    if header:
        if in_body:
            raise OAuthError("invalid_request", "Authenticate with one method, not two.")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError("invalid_client", "Use HTTP Basic client authentication.", status=401)
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from None
        raw_id, sep, raw_secret = decoded.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401)
        # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        return unquote_plus(raw_id), unquote_plus(raw_secret)
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    if not client_id or not client_secret:
        raise OAuthError("invalid_client", "Client authentication is required.", status=401)
    return client_id, client_secret


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request) -> Response:
    key: SigningKey = request.app.state.signing_key
    return JSON(key.public_jwks(), headers={"Cache-Control": "public, max-age=300"})
