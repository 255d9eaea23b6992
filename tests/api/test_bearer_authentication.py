"""Every API route takes a Bearer token (SPEC §2): bad tokens 401, foreign orgs 404, scopes 403."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OctKey

from energy_contracts.app import create_app
from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from energy_contracts.settings import Settings
from tests.support.fixtures import make_settings
from tests.support.tenants import Tenant, TenantFactory, fetch_token


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_for(tenant: Tenant, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "urn:energy-contracts",
        "aud": "urn:energy-contracts:partner-api",
        "sub": tenant.client_id,
        "client_id": tenant.client_id,
        "org_id": str(tenant.org_id),
        "scope": "read write",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict[str, Any], key_file: Path, **header: Any) -> str:
    key = ECKey.import_key(key_file.read_bytes())
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", **header}, claims, key)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


def public_key_as_hmac_secret(key_file: Path) -> OctKey:
    """The algorithm-confusion attack's key: the PEM as an HMAC secret. joserfc rightly
    warns against making it; here making it is the point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return OctKey.import_key(key_file.read_bytes())


def bad_tokens(tenant: Tenant, key_file: Path) -> dict[str, str]:
    other_key = ECKey.generate_key("P-256", private=True)
    good = claims_for(tenant)
    return {
        "malformed": "not-a-jwt",
        "three-garbage-parts": "a.b.c",
        "expired": sign(claims_for(tenant, iat=1_600_000_000, exp=1_600_000_600), key_file),
        "wrong-signature": jwt.encode({"alg": "ES256", "typ": "at+jwt"}, good, other_key),
        "alg-none": f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(good)}.",
        "hs256-with-public-key": jwt.encode(
            {"alg": "HS256", "typ": "at+jwt"},
            good,
            public_key_as_hmac_secret(key_file),
            algorithms=["HS256"],
        ),
        "wrong-audience": sign(claims_for(tenant, aud="someone-else"), key_file),
        "wrong-issuer": sign(claims_for(tenant, iss="https://evil.example"), key_file),
        "wrong-typ": sign(good, key_file, typ="JWT"),
        "missing-org": sign(claims_for(tenant, org_id=None), key_file),
        "unknown-client": sign(
            claims_for(tenant, client_id="ec_nobody", sub="ec_nobody"), key_file
        ),
    }


BAD_TOKEN_KINDS = [
    "malformed",
    "three-garbage-parts",
    "expired",
    "wrong-signature",
    "alg-none",
    "hs256-with-public-key",
    "wrong-audience",
    "wrong-issuer",
    "wrong-typ",
    "missing-org",
    "unknown-client",
]


async def test_the_valid_token_works(tenant: Tenant) -> None:
    response = await tenant.get("")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(tenant.org_id),
        "name": "Test Org",
        "billing_currency": "EUR",
        "timezone": "Europe/Vienna",
    }
    assert response.headers["x-request-id"]


async def test_a_token_we_forge_with_our_own_key_is_accepted(
    tenant: Tenant, http: httpx.AsyncClient, signing_key_file: Path
) -> None:
    """Guards the bad-token tests: they fail for the reason they name, not for another."""
    token = sign(claims_for(tenant), signing_key_file)
    response = await http.get(tenant.base, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
async def test_bad_tokens_are_401(
    tenant: Tenant, http: httpx.AsyncClient, signing_key_file: Path, kind: str
) -> None:
    token = bad_tokens(tenant, signing_key_file)[kind]
    response = await http.get(tenant.base, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["status"] == 401


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_missing_or_non_bearer_authorization_is_401(
    tenant: Tenant, http: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await http.get(tenant.base, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="energy-contracts"'


async def test_another_organisations_token_gets_404(
    tenant: Tenant, make_tenant: TenantFactory, http: httpx.AsyncClient
) -> None:
    intruder = await make_tenant()
    response = await http.get(tenant.base, headers=intruder.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    unknown = await http.get(f"/api/partners/v2.0/org/{uuid.uuid4()}", headers=intruder.headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == response.json()["detail"]


async def test_write_only_token_is_403_on_a_read(make_tenant: TenantFactory) -> None:
    writer = await make_tenant(scope="write")
    response = await writer.get("")
    assert response.status_code == 403


async def test_revoked_client_stops_working(
    migrated: Settings, signing_key_file: Path, make_tenant: TenantFactory
) -> None:
    """A fresh app whose revocation cache lasts 1 s: revoked tokens fail once it expires."""
    settings = make_settings(migrated.database_url, signing_key_file, revocation_check_seconds=1)
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            tenant = await make_tenant()
            tenant.http = http
            assert (await tenant.get("")).status_code == 200
            database: Database = app.state.database
            async with database.session() as session:
                await clients.revoke_client(session, tenant.client_id)
            await asyncio.sleep(1.1)
            response = await tenant.get("")
            assert response.status_code == 401
            refused = await http.post(
                "/oauth2/token/",
                auth=(tenant.client_id, tenant.client_secret),
                data={"grant_type": "client_credentials"},
            )
            assert refused.status_code == 401
            assert refused.json()["error"] == "invalid_client"
    finally:
        await app.state.database.dispose()


async def test_new_token_after_refusal_flow(tenant: Tenant, http: httpx.AsyncClient) -> None:
    """There is no refresh token: a client simply asks again."""
    token = await fetch_token(http, tenant.client_id, tenant.client_secret)
    assert token != tenant.token
    response = await http.get(tenant.base, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
