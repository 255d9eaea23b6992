"""Idempotency keys (SPEC §7): the first answer is replayed, the work is done once.

Every test runs on SQLite and PostgreSQL except the race, which needs a request held in the
middle of its work: PostgreSQL lets the test hold a table lock the request waits on (SQLite
serialises writers on one database lock, so there a duplicate simply waits, then replays).
The cross-process test is in ``tests/reliability/test_workers.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select

from energy_contracts.db import migrate
from energy_contracts.db.base import utcnow
from energy_contracts.db.engine import Database
from energy_contracts.idempotency.middleware import request_fingerprint
from energy_contracts.idempotency.models import IdempotencyRecord
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.settings import Settings
from tests.support.databases import postgres_server, sqlite_url
from tests.support.fixtures import make_settings
from tests.support.tenants import Tenant, TenantFactory, fetch_token

PROBLEM = "application/problem+json"
KEY_HEADER = "Idempotency-Key"


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


def new_key() -> str:
    return str(uuid.uuid4())


def user_body(**fields: Any) -> dict[str, Any]:
    return {"email": f"user-{uuid.uuid4().hex[:10]}@example.com", **fields}


async def send(
    tenant: Tenant,
    method: str,
    path: str,
    key: str | None,
    *,
    token: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or tenant.token}"}
    if key is not None:
        headers[KEY_HEADER] = key
    url = path if path.startswith("/") else f"{tenant.base}/{path}"
    return await tenant.http.request(method, url, headers=headers, **kwargs)


async def users_named(tenant: Tenant, email: str) -> list[dict[str, Any]]:
    response = await tenant.get("users")
    assert response.status_code == 200, response.text
    return [user for user in response.json() if user["email"] == email]


async def records_of(database: Database, client_id: str) -> list[IdempotencyRecord]:
    async with database.session(write=False) as session:
        found = await session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.client_id == client_id)
        )
        return list(found.all())


def same_answer(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    for header in ("content-type", "location", "etag"):
        assert again.headers.get(header) == first.headers.get(header)
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["x-request-id"] != first.headers["x-request-id"]


async def test_a_repeat_gets_the_first_answer_and_the_work_is_done_once(
    tenant: Tenant, database: Database
) -> None:
    key, body = new_key(), user_body(first_name="Ada")
    first = await send(tenant, "POST", "users", key, json=body)
    assert first.status_code == 200, first.text
    assert first.headers["location"].endswith(f"/users/{first.json()['id']}")

    again = await send(tenant, "POST", "users", key, json=body)
    same_answer(first, again)
    # A new token of the same client replays too: the key belongs to the client.
    token = await fetch_token(tenant.http, tenant.client_id, tenant.client_secret)
    renewed = await send(tenant, "POST", "users", key, token=token, json=body)
    same_answer(first, renewed)

    assert [user["id"] for user in await users_named(tenant, body["email"])] == [first.json()["id"]]
    (record,) = await records_of(database, tenant.client_id)
    assert (record.key, record.status_code, record.org_id) == (key, 200, tenant.org_id)
    assert record.expires_at - record.created_at == timedelta(hours=24)


async def test_put_and_delete_replay_the_first_answer(tenant: Tenant) -> None:
    created = await send(tenant, "POST", "users", None, json=user_body())
    user_id = created.json()["id"]
    path = f"users/{user_id}"

    put_key = new_key()
    updated = await send(tenant, "PUT", path, put_key, json={"first_name": "First"})
    assert updated.status_code == 200, updated.text
    # Changed since by a request without a key: the replay does not redo the update.
    later = await send(tenant, "PUT", path, None, json={"first_name": "Later"})
    assert later.status_code == 200
    replayed = await send(tenant, "PUT", path, put_key, json={"first_name": "First"})
    same_answer(updated, replayed)
    assert (await tenant.get(path)).json()["first_name"] == "Later"

    delete_key = new_key()
    deleted = await send(tenant, "DELETE", path, delete_key)
    assert deleted.status_code == 204
    again = await send(tenant, "DELETE", path, delete_key)
    same_answer(deleted, again)  # 204 again, not 404
    assert (await send(tenant, "DELETE", path, None)).status_code == 404


async def test_the_same_key_with_a_different_request_is_a_422(tenant: Tenant) -> None:
    key, body = new_key(), user_body()
    first = await send(tenant, "POST", "users", key, json=body)
    assert first.status_code == 200

    different = {
        "body": await send(tenant, "POST", "users", key, json={**body, "first_name": "X"}),
        "query": await send(tenant, "POST", "users?x=1", key, json=body),
        "path": await send(tenant, "PUT", f"users/{first.json()['id']}", key, json=body),
    }
    for what, response in different.items():
        assert response.status_code == 422, what
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["type"].endswith("/idempotency-key-reused")
        assert [error["field"] for error in problem["errors"]] == [KEY_HEADER]
    assert len(await users_named(tenant, body["email"])) == 1
    assert (await tenant.get(f"users/{first.json()['id']}")).json()["first_name"] is None


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "", "has space", "naïve", "tab\tkey"],
    ids=["256-chars", "empty", "space", "non-ascii", "control"],
)
async def test_a_malformed_key_is_a_422_naming_the_header(tenant: Tenant, key: str) -> None:
    body = user_body()
    response = await tenant.http.post(
        f"{tenant.base}/users",
        json=body,
        headers=[
            (b"Authorization", f"Bearer {tenant.token}".encode()),
            (KEY_HEADER.encode(), key.encode("utf-8")),
        ],
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == [KEY_HEADER]
    assert await users_named(tenant, body["email"]) == []


async def test_two_keys_in_one_request_are_a_422(tenant: Tenant) -> None:
    response = await tenant.http.post(
        f"{tenant.base}/users",
        json=user_body(),
        headers=[("Authorization", f"Bearer {tenant.token}"), (KEY_HEADER, "a"), (KEY_HEADER, "b")],
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [KEY_HEADER]


async def test_a_key_of_255_characters_is_accepted(tenant: Tenant) -> None:
    key = "~" + "k" * 253 + "!"
    body = user_body()
    first = await send(tenant, "POST", "users", key, json=body)
    assert first.status_code == 200
    same_answer(first, await send(tenant, "POST", "users", key, json=body))


async def test_a_client_error_is_replayed_and_nothing_is_written(tenant: Tenant) -> None:
    body = user_body()
    existing = await send(tenant, "POST", "users", None, json=body)
    key = new_key()
    conflict = await send(tenant, "POST", "users", key, json=body)
    assert conflict.status_code == 409

    # The conflict is gone, but the key's answer is the first answer: the work is not redone.
    assert (await tenant.delete(f"users/{existing.json()['id']}")).status_code == 204
    again = await send(tenant, "POST", "users", key, json=body)
    same_answer(conflict, again)
    assert await users_named(tenant, body["email"]) == []

    invalid = user_body(latitude=91)
    refused = await send(tenant, "POST", "users", key + "-2", json=invalid)
    assert refused.status_code == 422
    same_answer(refused, await send(tenant, "POST", "users", key + "-2", json=invalid))
    assert await users_named(tenant, invalid["email"]) == []


async def test_authentication_failures_are_not_stored(
    tenant: Tenant, database: Database, settings: Settings
) -> None:
    key, body = new_key(), user_body()
    unauthenticated = await send(tenant, "POST", "users", key, token="not-a-token", json=body)
    assert unauthenticated.status_code == 401
    async with database.session() as session:
        reader = await clients.create_client(
            session, org_id=tenant.org_id, scope="read", name="reader"
        )
    read_token = await fetch_token(tenant.http, reader.client.client_id, reader.secret)
    forbidden = await send(tenant, "POST", "users", key, token=read_token, json=body)
    assert forbidden.status_code == 403
    assert await records_of(database, tenant.client_id) == []
    assert await records_of(database, reader.client.client_id) == []

    created = await send(tenant, "POST", "users", key, json=body)
    assert created.status_code == 200
    assert len(await users_named(tenant, body["email"])) == 1


async def test_keys_belong_to_one_client(
    tenant: Tenant, make_tenant: TenantFactory, database: Database
) -> None:
    other_org = await make_tenant()
    async with database.session() as session:
        sibling = await clients.create_client(
            session, org_id=tenant.org_id, scope="read write", name="sibling"
        )
    sibling_token = await fetch_token(tenant.http, sibling.client.client_id, sibling.secret)

    key, body = new_key(), user_body()
    mine = await send(tenant, "POST", "users", key, json=body)
    theirs = await send(other_org, "POST", "users", key, json=body)
    assert (mine.status_code, theirs.status_code) == (200, 200)
    assert mine.json()["id"] != theirs.json()["id"]
    # Same organisation, other client, same key and body: its own request, so a 409 for the
    # duplicate email, not a replay of the first client's answer.
    sibling_answer = await send(tenant, "POST", "users", key, token=sibling_token, json=body)
    assert sibling_answer.status_code == 409
    assert "idempotent-replayed" not in sibling_answer.headers


async def test_requests_without_a_key_store_nothing(tenant: Tenant, database: Database) -> None:
    body = user_body()
    assert (await send(tenant, "POST", "users", None, json=body)).status_code == 200
    assert (await send(tenant, "POST", "users", None, json=body)).status_code == 409
    assert await records_of(database, tenant.client_id) == []


async def test_the_token_endpoint_ignores_keys(tenant: Tenant, database: Database) -> None:
    tokens = set()
    for _ in range(2):
        response = await tenant.http.post(
            "/oauth2/token/",
            auth=(tenant.client_id, tenant.client_secret),
            data={"grant_type": "client_credentials"},
            headers={KEY_HEADER: "same"},
        )
        assert response.status_code == 200
        assert "idempotent-replayed" not in response.headers
        tokens.add(response.json()["access_token"])
    assert len(tokens) == 2
    assert await records_of(database, tenant.client_id) == []


async def insert_record(
    database: Database, tenant: Tenant, key: str, body: dict[str, Any], **fields: Any
) -> None:
    payload = httpx.Request("POST", "http://x", json=body).read()
    path = f"{tenant.base}/users".encode()
    async with database.session() as session:
        session.add(
            IdempotencyRecord(
                org_id=tenant.org_id,
                client_id=tenant.client_id,
                key=key,
                request_fingerprint=request_fingerprint("POST", path, b"", payload),
                **fields,
            )
        )


async def test_a_repeat_while_the_first_is_running_is_a_409(
    tenant: Tenant, database: Database
) -> None:
    """The first request's claim, as another worker process would have left it."""
    key, body = new_key(), user_body()
    now = utcnow()
    await insert_record(database, tenant, key, body, created_at=now, expires_at=now + timedelta(1))

    response = await send(tenant, "POST", "users", key, json=body)
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/idempotency-key-in-use")
    assert await users_named(tenant, body["email"]) == []


async def test_an_abandoned_claim_is_taken_over(
    tenant: Tenant, database: Database, settings: Settings
) -> None:
    """A claim older than the lease belongs to a process that died: a retry does the work."""
    key, body = new_key(), user_body()
    claimed = utcnow() - timedelta(seconds=settings.idempotency_lease_seconds + 1)
    await insert_record(
        database, tenant, key, body, created_at=claimed, expires_at=claimed + timedelta(1)
    )

    first = await send(tenant, "POST", "users", key, json=body)
    assert first.status_code == 200
    same_answer(first, await send(tenant, "POST", "users", key, json=body))
    assert len(await users_named(tenant, body["email"])) == 1


async def test_expired_keys_start_afresh_and_are_purged_by_writes(
    tenant: Tenant, database: Database
) -> None:
    key, body = new_key(), user_body()
    long_ago = utcnow() - timedelta(days=2)
    expired = {
        "created_at": long_ago,
        "expires_at": long_ago + timedelta(days=1),
        "status_code": 418,
        "response_body": b"{}",
    }
    # Used 2 days ago for another request: expired, so not a 422 but a new request.
    await insert_record(database, tenant, key, {"other": "request"}, **expired)
    others = [new_key() for _ in range(3)]
    for other in others:
        await insert_record(database, tenant, other, {"other": "request"}, **expired)

    response = await send(tenant, "POST", "users", key, json=body)
    assert response.status_code == 200
    assert len(await users_named(tenant, body["email"])) == 1
    (record,) = await records_of(database, tenant.client_id)  # the 3 others are purged
    assert (record.key, record.status_code) == (key, 200)


async def test_the_openapi_document_names_the_header_on_writes_only(
    http: httpx.AsyncClient,
) -> None:
    document = (await http.get("/api/partners/v2.0/openapi.json")).json()
    users = document["paths"]["/api/partners/v2.0/org/{org_id}/users"]
    names = [parameter["name"] for parameter in users["post"].get("parameters", [])]
    assert names.count(KEY_HEADER) == 1
    assert KEY_HEADER not in [parameter["name"] for parameter in users["get"]["parameters"]]
    assert {"409", "422"} <= set(users["post"]["responses"])
    token = document["paths"]["/oauth2/token"]["post"]
    assert KEY_HEADER not in [parameter["name"] for parameter in token.get("parameters", [])]


async def wait_for(condition: Any, *, what: str, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_duplicate_racing_the_first_gets_409_then_the_replay(
    tenant: Tenant, database_url: str
) -> None:
    """The first request is held on a lock the test owns, after it claimed the key and
    while it does the work (inserting the user): the duplicate must be a 409, and once the
    first finishes, a repeat gets its answer."""
    key, body = new_key(), user_body()
    async with (
        await psycopg.AsyncConnection.connect(database_url) as locker,
        await psycopg.AsyncConnection.connect(database_url, autocommit=True) as observer,
    ):

        async def first_is_waiting_on_the_lock() -> bool:
            cursor = await observer.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'users'::regclass"
            )
            row = await cursor.fetchone()
            return row is not None and row[0] == 1

        await locker.execute("LOCK TABLE users IN EXCLUSIVE MODE")  # inserts wait; reads pass
        first = asyncio.create_task(send(tenant, "POST", "users", key, json=body))
        try:
            await wait_for(first_is_waiting_on_the_lock, what="the first request to wait")
            # Bounded: without the in-flight check, the duplicate would wait on the lock too.
            duplicate = await asyncio.wait_for(
                send(tenant, "POST", "users", key, json=body), timeout=10
            )
        finally:
            await locker.rollback()
        first_answer = await first

    assert duplicate.status_code == 409
    assert duplicate.headers["retry-after"] == "1"
    assert duplicate.json()["type"].endswith("/idempotency-key-in-use")
    assert first_answer.status_code == 200
    same_answer(first_answer, await send(tenant, "POST", "users", key, json=body))
    assert len(await users_named(tenant, body["email"])) == 1


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, so that it can count every record in it."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    server = postgres_server()
    assert server is not None
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


async def test_the_purge_command_deletes_expired_keys(
    fresh_database_url: str, signing_key_file: Path
) -> None:
    settings = make_settings(fresh_database_url, signing_key_file)
    await migrate.upgrade(settings)
    database = Database(settings)
    now = utcnow()
    try:
        async with database.session() as session:
            organisation = await orgs.create_organisation(
                session, name="Purge", currency="EUR", timezone="UTC"
            )
            for key, expires in [("old-1", -2), ("old-2", -1), ("old-3", -1), ("live", 23)]:
                session.add(
                    IdempotencyRecord(
                        org_id=organisation.id,
                        client_id="ec_purge",
                        key=key,
                        request_fingerprint="0" * 64,
                        status_code=200,
                        created_at=now + timedelta(hours=expires - 24),
                        expires_at=now + timedelta(hours=expires),
                    )
                )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENERGY_CONTRACTS_")}
        env["ENERGY_CONTRACTS_SIGNING_KEY_FILE"] = str(signing_key_file)
        env["ENERGY_CONTRACTS_DATA_DIR"] = str(signing_key_file.parent)
        command = [sys.executable, "-m", "energy_contracts", "--database-url", fresh_database_url]
        purge = await asyncio.create_subprocess_exec(
            *command, "idempotency", "purge", "--json", env=env, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await asyncio.wait_for(purge.communicate(), timeout=60)
        assert purge.returncode == 0
        assert json.loads(stdout) == {"deleted": 3}
        assert [record.key for record in await records_of(database, "ec_purge")] == ["live"]
    finally:
        await database.dispose()
