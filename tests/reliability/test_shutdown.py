"""Shutdown drill (SPEC §8): SIGTERM during a burst of slow writes.

The writes are slow the honest way: the drill holds a lock on the users table directly in
PostgreSQL, so every POST /users waits inside its transaction. Then SIGTERM; then the lock
is released. Every in-flight write completes with 200 and is stored, and the process exits
0 — with one worker and with several. With a shutdown timeout shorter than the lock is
held, the server stops waiting when the timeout is over, and still exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.reliability.support import (
    API,
    eventually,
    prepare_database,
    table_locked,
    token_for,
    waiting_on_locks,
)
from tests.support.server import ServerProcess

IN_FLIGHT = 8

pytestmark = pytest.mark.slow


async def count_users(database_url: str, emails: list[str]) -> int:
    async with await psycopg.AsyncConnection.connect(database_url) as connection:
        cursor = await connection.execute(
            "SELECT count(*) FROM users WHERE email = ANY(%s)", (emails,)
        )
        row = await cursor.fetchone()
        assert row is not None
        count: int = row[0]
        return count


async def refuses_connections(server: ServerProcess) -> bool:
    try:
        async with server.client() as fresh:
            await fresh.get("/healthz")
    except httpx.ConnectError:
        return True
    return False


@pytest.mark.parametrize("workers", [1, 2])
async def test_in_flight_requests_complete_after_sigterm(
    postgres_url: str, key_file: Path, tmp_path: Path, workers: int
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    server = ServerProcess(
        database_url=postgres_url,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        workers=workers,
        shutdown_timeout_seconds=60,
    )
    try:
        await server.wait_until_ready()
        # One connection per request, as separate clients would open them.
        limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=0)
        async with server.client(limits=limits) as http:
            token = await token_for(http, credentials)
            users = f"{API}/org/{credentials.org_id}/users"
            headers = {"Authorization": f"Bearer {token}"}
            emails = [f"{uuid.uuid4().hex}@example.com" for _ in range(IN_FLIGHT)]
            async with table_locked(postgres_url, "users"):
                burst = [
                    asyncio.ensure_future(http.post(users, headers=headers, json={"email": e}))
                    for e in emails
                ]

                async def all_waiting() -> bool:
                    return await waiting_on_locks(postgres_url, "users") == IN_FLIGHT

                await eventually(all_waiting, what="every write to wait on the lock")
                server.terminate()
                if workers == 1:
                    # Stops accepting (with several workers the supervisor keeps the
                    # listening socket open until it exits, so only a single worker can
                    # show this) while the in-flight writes still wait.
                    await eventually(
                        lambda: refuses_connections(server), what="the listener to close"
                    )
                assert not any(request.done() for request in burst)
                assert server.process.poll() is None
            answers = await asyncio.gather(*burst)

        assert [answer.status_code for answer in answers] == [200] * IN_FLIGHT
        assert await count_users(postgres_url, emails) == IN_FLIGHT
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_the_shutdown_timeout_bounds_the_wait(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    server = ServerProcess(
        database_url=postgres_url,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        shutdown_timeout_seconds=1,
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http:
            token = await token_for(http, credentials)
            users = f"{API}/org/{credentials.org_id}/users"
            email = f"{uuid.uuid4().hex}@example.com"
            async with table_locked(postgres_url, "users"):
                stuck = asyncio.ensure_future(
                    http.post(
                        users, headers={"Authorization": f"Bearer {token}"}, json={"email": email}
                    )
                )

                async def waiting() -> bool:
                    return await waiting_on_locks(postgres_url, "users") == 1

                await eventually(waiting, what="the write to wait on the lock")
                server.terminate()
                # The lock is still held: the request can never finish, so the server
                # exits only because its shutdown timeout ran out.
                assert await server.exit_code() == 0
                with contextlib.suppress(httpx.HTTPError):
                    answer = await stuck
                    assert answer.status_code >= 500
        assert await count_users(postgres_url, [email]) == 0
    finally:
        server.stop()
