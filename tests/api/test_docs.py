"""SPEC §1: the interactive docs load nothing from elsewhere, the token endpoint is an OAuth
2.0 clientCredentials flow in the document, and RFC 8414 metadata describes the server.
(That both pages render in a browser with no network is tests/browser/test_docs.py.)"""

from __future__ import annotations

import re

import httpx
import jwt as pyjwt
import pytest

from tests.support.http import openapi_document
from tests.support.tenants import Tenant, TenantFactory

API = "/api/partners/v2.0"
SOURCES = re.compile(r"""(?:src|href)=['"]([^'"]+)['"]""")


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        (
            "docs",
            [
                "swagger-ui/favicon-32x32.png",
                "swagger-ui/swagger-ui.css",
                "swagger-ui/swagger-ui-bundle.js",
                "swagger-ui/swagger-ui-standalone-preset.js",
            ],
        ),
        ("redoc", ["swagger-ui/favicon-32x32.png", "redoc/redoc.standalone.js"]),
    ],
)
async def test_docs_pages_load_only_this_servers_assets(
    http: httpx.AsyncClient, page: str, assets: list[str]
) -> None:
    response = await http.get(f"{API}/{page}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" in response.text
    sources = SOURCES.findall(response.text)
    assert sources == [f"{API}/docs/assets/{asset}" for asset in assets]
    for source in sources:
        asset = await http.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 0


async def test_vendored_assets_carry_their_licences_and_pinned_versions(
    http: httpx.AsyncClient,
) -> None:
    versions = {
        "swagger-ui": "swagger-ui-dist@5.35.0\n",
        "redoc": "redoc@2.5.4\n",
    }
    for directory, version in versions.items():
        assert (await http.get(f"{API}/docs/assets/{directory}/VERSION")).text == version
        licence = await http.get(f"{API}/docs/assets/{directory}/LICENSE")
        assert licence.status_code == 200
    assert (await http.get(f"{API}/docs/assets/nothing.js")).status_code == 404


async def test_the_token_endpoint_is_a_client_credentials_flow(http: httpx.AsyncClient) -> None:
    document = await openapi_document(http)
    schemes = document["components"]["securitySchemes"]

    assert schemes["oauth2"]["type"] == "oauth2"
    assert schemes["oauth2"]["flows"] == {
        "clientCredentials": {
            "tokenUrl": "/oauth2/token/",
            "scopes": {"read": "Read everything of the organisation.", "write": "Change it."},
        }
    }
    named = {
        name
        for item in document["paths"].values()
        for operation in item.values()
        for requirement in operation.get("security", [])
        for name in requirement
    }
    assert named == {"oauth2", "bearerAuth", "clientBasic"}
    assert named <= schemes.keys()


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


async def test_authorization_server_metadata(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    metadata = response.json()
    claims = pyjwt.decode(tenant.token, options={"verify_signature": False})
    assert metadata == {
        "issuer": claims["iss"],
        "token_endpoint": "http://testserver/oauth2/token/",
        "jwks_uri": "http://testserver/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["read", "write"],
        "response_types_supported": [],
    }
