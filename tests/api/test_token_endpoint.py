"""POST /oauth2/token/ per SPEC §2 and RFC 6749 §4.4 / §5.2."""

from __future__ import annotations

import base64
import re

import httpx
import jwt as pyjwt
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

from tests.support.http import openapi_document, resolved
from tests.support.tenants import Tenant, TenantFactory

TOKEN_URL = "/oauth2/token/"


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


def assert_token_response(response: httpx.Response, scope: str = "read write") -> None:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == scope


async def test_basic_auth_with_json_body(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post(
        TOKEN_URL,
        headers=basic(tenant.client_id, tenant.client_secret),
        json={"grant_type": "client_credentials"},
    )
    assert_token_response(response)


async def test_basic_auth_with_form_body(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post(
        TOKEN_URL,
        headers=basic(tenant.client_id, tenant.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert_token_response(response)


async def test_credentials_in_json_body(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post(
        TOKEN_URL,
        json={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
    )
    assert_token_response(response)


async def test_credentials_in_form_body_without_trailing_slash(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await http.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
    )
    assert_token_response(response)


async def test_unknown_parameters_are_ignored_in_a_form_and_in_json(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    """RFC 6749 §3.2: the server ignores parameters it does not recognise."""
    headers = basic(tenant.client_id, tenant.client_secret)
    extra = {"grant_type": "client_credentials", "audience": "x", "": "empty name"}
    assert_token_response(await http.post(TOKEN_URL, headers=headers, data=extra))
    assert_token_response(await http.post(TOKEN_URL, headers=headers, json=extra))


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        (FORM, b"grant_type=client_credentials&x=1&x=2"),
        (FORM, b"grant_type=client_credentials&scope=read&scope=read"),
        ("application/json", b'{"grant_type": "client_credentials", "x": 1}'),
        ("application/json", b'{"grant_type": "client_credentials", "scope": ["read"]}'),
    ],
)
async def test_a_repeated_or_non_string_parameter_is_invalid_request(
    http: httpx.AsyncClient, tenant: Tenant, content_type: str, content: bytes
) -> None:
    """RFC 6749 §3.1: parameters must not repeat; the OpenAPI document says each is a
    string."""
    headers = {**basic(tenant.client_id, tenant.client_secret), "Content-Type": content_type}
    response = await http.post(TOKEN_URL, headers=headers, content=content)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("scope", "granted"),
    [
        ("", "read write"),
        ("  ", "read write"),
        ("read\twrite", "read write"),
        (" write  read ", "read write"),
        ("read read", "read"),
    ],
)
async def test_every_scope_the_documented_pattern_admits_is_granted(
    http: httpx.AsyncClient, tenant: Tenant, scope: str, granted: str
) -> None:
    document = await openapi_document(http)
    body = document["paths"]["/oauth2/token"]["post"]["requestBody"]
    for media_type in ("application/json", "application/x-www-form-urlencoded"):
        schema = resolved(document, body["content"][media_type]["schema"])
        pattern = schema["properties"]["scope"]["pattern"]
        assert re.fullmatch(pattern, scope)
    response = await http.post(
        TOKEN_URL,
        headers=basic(tenant.client_id, tenant.client_secret),
        json={"grant_type": "client_credentials", "scope": scope},
    )
    assert_token_response(response, scope=granted)


async def test_a_client_id_with_a_nul_character_is_an_unknown_client(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    grant = {"grant_type": "client_credentials"}
    in_basic = await http.post(
        TOKEN_URL, headers=basic(f"{tenant.client_id}\x00", tenant.client_secret), data=grant
    )
    in_body = {**grant, "client_id": "ec_\x00", "client_secret": tenant.client_secret}
    for response in (in_basic, await http.post(TOKEN_URL, json=in_body)):
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"


async def test_scope_subset_is_granted(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post(
        TOKEN_URL,
        headers=basic(tenant.client_id, tenant.client_secret),
        data={"grant_type": "client_credentials", "scope": "read"},
    )
    assert_token_response(response, scope="read")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "admin"}, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "read delete"}, 400, "invalid_scope"),
    ],
)
async def test_request_errors(
    http: httpx.AsyncClient, tenant: Tenant, body: dict[str, str], status: int, error: str
) -> None:
    response = await http.post(
        TOKEN_URL, headers=basic(tenant.client_id, tenant.client_secret), data=body
    )
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_read_only_client_cannot_ask_for_write(
    http: httpx.AsyncClient, make_tenant: TenantFactory
) -> None:
    reader = await make_tenant(scope="read")
    response = await http.post(
        TOKEN_URL,
        headers=basic(reader.client_id, reader.client_secret),
        data={"grant_type": "client_credentials", "scope": "read write"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "credentials",
    ["wrong-secret", "unknown-client", "no-credentials", "garbage-basic", "bearer-scheme"],
)
async def test_invalid_client(http: httpx.AsyncClient, tenant: Tenant, credentials: str) -> None:
    headers: dict[str, str] = {
        "wrong-secret": basic(tenant.client_id, "not-the-secret"),
        "unknown-client": basic("ec_unknown", tenant.client_secret),
        "no-credentials": {},
        "garbage-basic": {"Authorization": "Basic !!!notbase64"},
        "bearer-scheme": {"Authorization": f"Bearer {tenant.token}"},
    }[credentials]
    response = await http.post(
        TOKEN_URL, headers=headers, data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_two_authentication_methods_are_refused(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await http.post(
        TOKEN_URL,
        headers=basic(tenant.client_id, tenant.client_secret),
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_malformed_json_body(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.post(
        TOKEN_URL,
        headers={
            **basic(tenant.client_id, tenant.client_secret),
            "Content-Type": "application/json",
        },
        content=b'{"grant_type": ',
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_authlib_client_credentials_flow_and_independent_verification(
    app: object, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    """A third-party OAuth library gets a token; PyJWT verifies it against our JWKS."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with AsyncOAuth2Client(
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        token_endpoint_auth_method="client_secret_basic",
        transport=transport,
        base_url="http://testserver",
    ) as oauth:
        token = await oauth.fetch_token("http://testserver/oauth2/token/")
        organisation = await oauth.get(f"{tenant.base}")
    assert organisation.status_code == 200
    assert organisation.json()["id"] == str(tenant.org_id)

    jwks = (await http.get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 1
    public = pyjwt.PyJWK(jwks["keys"][0])
    header = pyjwt.get_unverified_header(token["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"] == public.key_id
    claims = pyjwt.decode(
        token["access_token"],
        public.key,
        algorithms=["ES256"],
        audience="urn:energy-contracts:partner-api",
        issuer="urn:energy-contracts",
        options={"require": ["iss", "aud", "sub", "exp", "iat", "jti", "client_id"]},
    )
    assert claims["sub"] == tenant.client_id
    assert claims["client_id"] == tenant.client_id
    assert claims["org_id"] == str(tenant.org_id)
    assert claims["scope"] == "read write"
    assert claims["exp"] - claims["iat"] == 3600
