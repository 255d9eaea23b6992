"""POST /oauth2/token/ per SPEC §2 and RFC 6749 §4.4 / §5.2."""

from __future__ import annotations

import base64

import httpx
import jwt as pyjwt
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

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
