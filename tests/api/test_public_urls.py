"""SPEC §1: the URLs the API writes (Location, Link, OAuth metadata) are built from
ENERGY_CONTRACTS_PUBLIC_URL when it is set, else from the request's Host — which must be on
ENERGY_CONTRACTS_ALLOWED_HOSTS, so that no client chooses the host of our URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from energy_contracts.app import create_app
from energy_contracts.settings import Settings
from tests.support.fixtures import make_settings
from tests.support.http import assert_problem, next_url
from tests.support.tenants import Tenant, TenantFactory

PUBLIC = "https://api.example.com/energy"


@pytest.fixture
async def published(migrated: Settings, signing_key_file: Path) -> AsyncIterator[Tenant]:
    settings = make_settings(migrated.database_url, signing_key_file, public_url=PUBLIC + "/")
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield await TenantFactory(app.state.database, http)()
    finally:
        await app.state.database.dispose()


async def test_locations_and_links_are_built_on_the_public_url(published: Tenant) -> None:
    created = [await published.post("users", json={"email": f"u{n}@x.io"}) for n in range(2)]
    location = created[0].headers["location"]
    assert location == f"{PUBLIC}{published.base}/users/{created[0].json()['id']}"
    page = await published.get("users", params={"limit": 1})
    link = next_url(page)
    assert link is not None
    assert link.startswith(f"{PUBLIC}{published.base}/users?limit=1&cursor=")


async def test_the_oauth_metadata_is_built_on_the_public_url(published: Tenant) -> None:
    metadata = (await published.http.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["token_endpoint"] == f"{PUBLIC}/oauth2/token/"
    assert metadata["jwks_uri"] == f"{PUBLIC}/.well-known/jwks.json"


async def test_the_public_url_host_is_allowed_and_others_are_not(published: Tenant) -> None:
    mine = await published.get("", headers={"Host": "api.example.com"})
    assert mine.status_code == 200
    evil = await published.get("", headers={"Host": "evil.example"})
    assert_problem(evil, 400)
    assert "evil.example" not in evil.text


async def test_without_a_public_url_urls_follow_an_allowed_host(make_tenant: TenantFactory) -> None:
    tenant = await make_tenant()
    created = await tenant.post("users", json={"email": "h@x.io"}, headers={"Host": "localhost"})
    assert created.headers["location"].startswith("http://localhost/api/partners/v2.0/org/")
    refused = await tenant.post("users", json={"email": "e@x.io"}, headers={"Host": "evil.example"})
    assert_problem(refused, 400)
    assert (await tenant.get("users")).json()[0]["email"] == "h@x.io"
