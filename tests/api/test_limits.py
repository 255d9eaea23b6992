"""Limits (OWASP API4): bodies over 8 MiB are refused before they are parsed, and the token
endpoint is rate limited per client so that secret checks cannot be used to burn CPU."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from energy_contracts.app import create_app
from energy_contracts.db.engine import Database
from energy_contracts.observability import MAX_BODY_BYTES
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.settings import Settings
from tests.support.fixtures import make_settings
from tests.support.tenants import Tenant, TenantFactory

PROBLEM = "application/problem+json"
MIB = 1024 * 1024


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/payload-too-large")
    assert response.json()["status"] == 413
    assert response.headers["connection"] == "close"
    assert response.headers["x-request-id"]


async def chunks(total: int, size: int = MIB) -> AsyncIterator[bytes]:
    """A body sent chunked, without Content-Length: '{' then filler, never valid JSON."""
    sent = 0
    while sent < total:
        chunk = (b"{" if sent == 0 else b" ") * min(size, total - sent)
        sent += len(chunk)
        yield chunk


async def users(tenant: Tenant) -> list[object]:
    listed = await tenant.get("users")
    assert listed.status_code == 200
    result: list[object] = listed.json()
    return result


async def test_a_declared_length_over_8_mib_is_refused_unread(tenant: Tenant) -> None:
    body = b"{" * (MAX_BODY_BYTES + 1)  # were it parsed, it would be a 400
    response = await tenant.post("users", content=body)
    assert_too_large(response)
    assert await users(tenant) == []


@pytest.mark.parametrize("keyed", [False, True], ids=["plain", "idempotency-key"])
async def test_a_chunked_body_over_8_mib_is_refused(tenant: Tenant, keyed: bool) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    if keyed:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    response = await tenant.http.post(
        f"{tenant.base}/users", content=chunks(MAX_BODY_BYTES + 1), headers=headers
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert await users(tenant) == []


async def test_the_token_endpoint_refuses_a_chunked_body_over_8_mib(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/oauth2/token/",
        content=chunks(MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_too_large(response)


async def test_a_body_of_exactly_8_mib_is_parsed(tenant: Tenant) -> None:
    prefix, suffix = b'{"email": "', b'@example.com"}'
    body = prefix + b"a" * (MAX_BODY_BYTES - len(prefix) - len(suffix)) + suffix
    assert len(body) == MAX_BODY_BYTES
    response = await tenant.post("users", content=body)
    assert response.status_code == 422  # read and judged: the email is too long
    assert response.json()["errors"][0]["field"] == "email"


@dataclass
class LimitedApp:
    """An app whose token endpoint allows 3 requests per client and minute."""

    http: httpx.AsyncClient
    database: Database
    app: Litestar

    async def new_client(self) -> clients.NewClient:
        async with self.database.session() as session:
            organisation = await orgs.create_organisation(
                session, name="Limits", currency="EUR", timezone="UTC"
            )
            return await clients.create_client(session, org_id=organisation.id, name="limits")


@pytest.fixture
async def limited_app(migrated: Settings, signing_key_file: Path) -> AsyncIterator[LimitedApp]:
    settings = make_settings(
        migrated.database_url,
        signing_key_file,
        token_rate_limit_per_minute=3,
        token_unknown_client_limit_per_minute=2,
    )
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield LimitedApp(client, app.state.database, app)
    finally:
        await app.state.database.dispose()


def from_address(limited_app: LimitedApp, address: str) -> httpx.AsyncClient:
    """Another client of the same app, connecting from ``address``."""
    transport = httpx.ASGITransport(app=limited_app.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def ask(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/oauth2/token/", auth=(client_id, secret), data={"grant_type": "client_credentials"}
    )


async def test_the_token_endpoint_limits_each_client(limited_app: LimitedApp) -> None:
    client, other = await limited_app.new_client(), await limited_app.new_client()
    http, client_id = limited_app.http, client.client.client_id
    answers = [await ask(http, client_id, client.secret) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]

    limited = await ask(http, client_id, client.secret)
    assert limited.status_code == 429
    assert limited.json()["error"] == "slow_down"
    assert limited.headers["cache-control"] == "no-store"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # Other clients are not affected.
    assert (await ask(http, other.client.client_id, other.secret)).status_code == 200


async def test_wrong_secrets_count_against_the_limit(limited_app: LimitedApp) -> None:
    """Guessing costs an argon2 check each time: the guesser is stopped, even before its
    guesses are checked, and then the right secret is refused too from that address until
    the window passes (other addresses: see the next test)."""
    client = await limited_app.new_client()
    http, client_id = limited_app.http, client.client.client_id
    wrong = [await ask(http, client_id, "guess") for _ in range(3)]
    assert [a.status_code for a in wrong] == [401, 401, 401]
    assert (await ask(http, client_id, "guess")).status_code == 429
    assert (await ask(http, client_id, client.secret)).status_code == 429


async def test_wrong_secrets_from_one_address_never_lock_the_client_out_elsewhere(
    limited_app: LimitedApp,
) -> None:
    """The client id is in every token's ``sub``: an attacker knows it. Their guesses are
    counted against their address, not against the client."""
    client = await limited_app.new_client()
    client_id = client.client.client_id
    async with from_address(limited_app, "198.51.100.7") as attacker:
        guesses = [await ask(attacker, client_id, "guess") for _ in range(4)]
    assert [g.status_code for g in guesses] == [401, 401, 401, 429]
    # The client's own servers, elsewhere, are served as before.
    assert (await ask(limited_app.http, client_id, client.secret)).status_code == 200


async def test_unknown_client_ids_are_limited_per_address(limited_app: LimitedApp) -> None:
    client = await limited_app.new_client()
    async with from_address(limited_app, "198.51.100.8") as prober:
        answers = [await ask(prober, f"ec_{uuid.uuid4().hex}", "x") for _ in range(3)]
        assert [a.status_code for a in answers] == [401, 401, 429]
        assert answers[2].json()["error"] == "slow_down"
    # Unknown ids from another address, and known clients, are not affected.
    async with from_address(limited_app, "198.51.100.9") as other:
        assert (await ask(other, f"ec_{uuid.uuid4().hex}", "x")).status_code == 401
    assert (await ask(limited_app.http, client.client.client_id, client.secret)).status_code == 200
