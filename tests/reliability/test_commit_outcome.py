"""Commit drill (SPEC §8): the connection breaks while COMMIT is on its way.

The proxy lets the COMMIT reach PostgreSQL (which commits) and then lets no answer back. The
service cannot know whether the write is stored: it answers 503 ``commit-outcome-unknown``
(after its statement timeout), and the retry with the same Idempotency-Key gets the
committed answer, replayed — the work is not done twice.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from tests.reliability.support import API, TcpProxy, prepare_database, token_for
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow


async def test_a_commit_whose_answer_is_lost_is_503_then_replayed(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    direct = make_url(postgres_url)
    proxy = TcpProxy(upstream_port=direct.port or 5432)
    await proxy.start()
    through_proxy = direct.set(port=proxy.port).render_as_string(hide_password=False)
    server = ServerProcess(
        database_url=through_proxy,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        db_statement_timeout_seconds=2,
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http:
            token = await token_for(http, credentials)
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
            users = f"{API}/org/{credentials.org_id}/users"
            body = {"email": f"commit-{uuid.uuid4().hex[:8]}@example.com"}

            # The work's own COMMIT (the key's claim and the token check commit before it).
            proxy.silence_answers_after(b"INSERT INTO users", b"COMMIT")
            lost = await http.post(users, json=body, headers=headers)
            assert lost.status_code == 503, lost.text
            assert lost.headers["content-type"] == "application/problem+json"
            assert lost.json()["type"].endswith("/commit-outcome-unknown")
            assert lost.headers["retry-after"] == "2"

            await proxy.restore()
            retried = await http.post(users, json=body, headers=headers)
            assert retried.status_code == 200, retried.text
            assert retried.headers["idempotent-replayed"] == "true"
            assert retried.json()["email"] == body["email"]

        async with await psycopg.AsyncConnection.connect(postgres_url) as check:
            cursor = await check.execute(
                "SELECT count(*) FROM users WHERE email = %s", (body["email"],)
            )
            assert await cursor.fetchone() == (1,)
        assert "Traceback" not in server.output()
    finally:
        server.stop()
        await proxy.cut()
