"""``POST /oauth2/token/`` (RFC 6749 §4.4 client credentials), the JWKS document and the
RFC 8414 authorization-server metadata.

The token endpoint reads its body itself: OAuth clients send a form and the platform's guide
sends JSON, to the same URL, and both are answered with RFC 6749 §5.2 errors (not
problem+json: OAuth clients parse that shape). Its OpenAPI operation documents both forms
with the same ``TokenRequest`` type.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote_plus

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeObject
from litestar.openapi.spec import OpenAPIType, Operation, Reference, RequestBody, Schema
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.openapi import REF_TEMPLATE
from energy_contracts.api.responses import absolute_url, encode_json
from energy_contracts.api.validation import WHITESPACE
from energy_contracts.auth.clients import ClientRefused, TooManyAttempts, verified_client
from energy_contracts.auth.keys import SigningKey
from energy_contracts.auth.tokens import ALL_SCOPES, TokenService
from energy_contracts.db.session import READS_ONLY

TOKEN_PATH = "/oauth2/token/"  # noqa: S105 - a path, not a secret
MAX_TOKEN_REQUEST_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
TAGS = ["OAuth 2.0"]


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response (not problem+json: OAuth clients parse this shape)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> Response[bytes]:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="energy-contracts", charset="UTF-8"'
        body = {"error": self.error, "error_description": self.description}
        return Response(
            encode_json(body),
            status_code=self.status,
            headers=headers,
            media_type="application/json",
        )


# RFC 6749 §3.3: scope tokens separated by spaces; we read them with `str.split()`, so any
# whitespace separates, and an empty scope means every scope of the client.
_SPACE = f"[{WHITESPACE}]"
_SCOPE_PATTERN = rf"^{_SPACE}*(?:(?:read|write)(?:{_SPACE}+(?:read|write))*{_SPACE}*)?$"


class TokenRequest(msgspec.Struct, kw_only=True):
    """RFC 6749 §4.4.2. Parameters the server does not know are ignored (§3.1); every
    parameter is one string (a form parameter must not repeat: that is a 400)."""

    grant_type: Literal["client_credentials"]
    scope: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=_SCOPE_PATTERN,
                description="`read`, `write` or both, space-separated; a subset of the client's "
                "scopes. Absent or empty: all of them.",
                examples=["read write"],
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    client_id: Annotated[str, msgspec.Meta(description="If not sent with HTTP Basic.")] | (
        msgspec.UnsetType
    ) = msgspec.UNSET
    client_secret: Annotated[str, msgspec.Meta(description="If not sent with HTTP Basic.")] | (
        msgspec.UnsetType
    ) = msgspec.UNSET


class TokenAnswer(msgspec.Struct):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class OAuthErrorBody(msgspec.Struct, kw_only=True):
    error: str
    error_description: str | msgspec.UnsetType = msgspec.UNSET


DOCUMENTED_TYPES = (TokenRequest, TokenAnswer, OAuthErrorBody)


@dataclass
class TokenOperation(Operation):
    """The token request in both encodings, from the one ``TokenRequest`` type."""

    def __post_init__(self) -> None:
        # Every parameter is one string (RFC 6749 §3.1), known or not.
        schema = Schema(
            all_of=[Reference(ref=REF_TEMPLATE.format(name=TokenRequest.__name__))],
            additional_properties=Schema(type=OpenAPIType.STRING),
        )
        self.request_body = RequestBody(
            required=True,
            content={
                media_type: MediaTypeObject(schema=schema)
                for media_type in ("application/json", "application/x-www-form-urlencoded")
            },
        )


def _oauth_errors() -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=OAuthErrorBody, description=description, generate_examples=False
        )
        for status, description in (
            (400, "invalid_request, unsupported_grant_type or invalid_scope."),
            (401, "invalid_client."),
            (429, "Too many token requests from this address; see Retry-After."),
        )
    }


@post(
    [TOKEN_PATH, TOKEN_PATH.rstrip("/")],
    summary="Get an access token (client credentials grant)",
    tags=TAGS,
    status_code=200,
    operation_class=TokenOperation,
    opt={READS_ONLY: True},
    security=[{"clientBasic": []}, {}],
    responses=_oauth_errors(),
    response_description="An access token.",
)
async def issue_token(
    request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
) -> Response[TokenAnswer]:
    try:
        return await _issue_token(request, session)
    except OAuthError as error:
        return error.response()  # type: ignore[return-value]


async def _issue_token(
    request: Request[Any, Any, Any], session: NamedDependency[AsyncSession]
) -> Response[TokenAnswer]:
    params = await _read_parameters(request)
    client_id, client_secret = _client_credentials(request, params)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")

    try:
        client = await verified_client(
            session,
            client_id,
            client_secret,
            source=request.client.host if request.client else "unknown",
            limiter=request.app.state.token_rate_limiter,
            slots=request.app.state.verification_slots,
        )
    except TooManyAttempts as refused:
        error = OAuthError("slow_down", "Too many token requests; retry later.", status=429)
        response = error.response()
        response.headers["Retry-After"] = str(refused.retry_after)
        return response  # type: ignore[return-value]
    except ClientRefused:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401) from None

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
    request.scope["state"]["client_id"] = client.client_id
    answer = TokenAnswer(access_token, "Bearer", tokens.lifetime_seconds, " ".join(scopes))
    return Response(answer, headers=NO_STORE)


async def _read_parameters(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The body as JSON (the platform guide's form) or as a form (what OAuth libraries send)."""
    body = await request.body()
    if len(body) > MAX_TOKEN_REQUEST_BYTES:
        raise OAuthError("invalid_request", "The request body is too large.")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or (not media_type and body.lstrip()[:1] == b"{"):
        try:
            data = json.loads(body, object_pairs_hook=_each_key_once)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise OAuthError("invalid_request", "The body is not valid JSON.") from None
        except _RepeatedParameter:
            raise OAuthError("invalid_request", "A parameter is repeated.") from None
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


class _RepeatedParameter(Exception):
    """A JSON object names one parameter twice (as a form must not repeat one)."""


def _each_key_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _RepeatedParameter
    return members


def _client_credentials(request: Request[Any, Any, Any], params: dict[str, str]) -> tuple[str, str]:
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


@get("/.well-known/jwks.json", summary="Public keys that verify access tokens", tags=TAGS)
async def jwks(state: State) -> Response[dict[str, Any]]:
    key: SigningKey = state.signing_key
    return Response(key.public_jwks(), headers={"Cache-Control": "public, max-age=300"})


class AuthorizationServerMetadata(msgspec.Struct):
    """RFC 8414 §2, for a server that issues tokens by the client-credentials grant only."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    scopes_supported: list[str]
    response_types_supported: list[str]


@get(
    "/.well-known/oauth-authorization-server",
    summary="OAuth 2.0 authorization server metadata (RFC 8414)",
    tags=TAGS,
)
async def authorization_server_metadata(
    request: Request[Any, Any, Any], state: State
) -> Response[AuthorizationServerMetadata]:
    tokens: TokenService = state.tokens
    metadata = AuthorizationServerMetadata(
        issuer=tokens.issuer,
        token_endpoint=absolute_url(request, TOKEN_PATH),
        jwks_uri=absolute_url(request, "/.well-known/jwks.json"),
        grant_types_supported=["client_credentials"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        scopes_supported=list(ALL_SCOPES),
        # No authorization endpoint: no response type is supported.
        response_types_supported=[],
    )
    return Response(metadata, headers={"Cache-Control": "public, max-age=300"})
