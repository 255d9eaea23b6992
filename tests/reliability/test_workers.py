"""Several worker processes, one database (SPEC §7, §8): ``serve --workers 2``.

The same Idempotency-Key is sent to the service over and over, each time on a fresh
connection, first as a concurrent burst and then one after another until both workers have
answered (the logs name the process of every request id): exactly one user is created, every
200 carries the same body, and a request that raced the first got 409. ``/metrics``, answered
by either worker, adds up both workers' counts.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.reliability.support import API, json_lines, prepare_database, token_for
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

BURST = 10
MAX_SEQUENTIAL = 100


async def test_one_key_many_workers_one_resource(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    server = ServerProcess(
        database_url=postgres_url, key_file=key_file, log_file=tmp_path / "serve.log", workers=2
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http:
            token = await token_for(http, credentials)
        users = f"{API}/org/{credentials.org_id}/users"
        email = f"{uuid.uuid4().hex}@example.com"
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}

        async def send_fresh() -> httpx.Response:
            async with server.client() as fresh:  # a new connection: any worker may take it
                return await fresh.post(users, headers=headers, json={"email": email})

        burst = await asyncio.gather(*(send_fresh() for _ in range(BURST)))
        answers = list(burst)
        pids: set[int] = set()
        for _ in range(MAX_SEQUENTIAL):
            answers.append(await send_fresh())
            pids = _answering_pids(server, answers[BURST:])
            if len(pids) == 2:
                break
        assert len(pids) == 2, "one worker answered every request"

        assert {a.status_code for a in burst} <= {200, 409}
        assert all(a.status_code == 200 for a in answers[BURST:])
        bodies = {a.content for a in answers if a.status_code == 200}
        assert len(bodies) == 1
        conflicts = [a for a in answers if a.status_code == 409]
        assert all(a.json()["type"].endswith("/idempotency-key-in-use") for a in conflicts)
        async with await psycopg.AsyncConnection.connect(postgres_url) as connection:
            cursor = await connection.execute("SELECT id FROM users WHERE email = %s", (email,))
            rows = await cursor.fetchall()
        assert [str(row[0]) for row in rows] == [answers[-1].json()["id"]]

        # /metrics from either worker: counts of both, by route template and status.
        async with server.client() as http:
            scraped = (await http.get("/metrics")).text
        counted = {
            sample.labels["status"]: sample.value
            for family in text_string_to_metric_families(scraped)
            for sample in family.samples
            if sample.name == "energy_contracts_http_requests_total"
            and sample.labels["route"] == "/api/partners/v2.0/org/{org_id}/users"
        }
        expected: dict[str, float] = {}
        for answer in answers:
            expected[str(answer.status_code)] = expected.get(str(answer.status_code), 0) + 1
        assert counted == expected
        pool_size = {
            sample.name: sample.value
            for family in text_string_to_metric_families(scraped)
            for sample in family.samples
            if sample.name == "energy_contracts_db_pool_size"
        }
        assert pool_size == {"energy_contracts_db_pool_size": 2 * 20}

        server.terminate()
        assert await server.exit_code() == 0
    finally:
        server.stop()


def _answering_pids(server: ServerProcess, answers: list[httpx.Response]) -> set[int]:
    ids = {answer.headers["x-request-id"] for answer in answers}
    return {
        line["pid"]
        for line in json_lines(server.output())
        if line["event"] == "request" and line.get("request_id") in ids
    }
