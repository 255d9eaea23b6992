"""Hostile clients (SPEC §8): drills against a real ``serve`` on PostgreSQL, 127.0.0.1 only.

- Slow bodies: connections that trickle a body in (a read-only token is enough) never hold a
  database connection while they do; others are served throughout, ``/readyz`` included,
  and the trickling ones get a 408 when the body deadline passes.
- Header floods: endless header lines are refused with a 431 after the limit, and the
  process does not grow with what the clients send.
- Token lockout: wrong secrets sent from one address (127.0.0.2) for a real client id leave
  the client's own address (127.0.0.1) served.

Each drill prints its figures (requests served to others during the attack, RSS growth),
which the closing notes of the work quote.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.reliability.support import API, json_lines, prepare_database, token_for
from tests.support.server import serving

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 3.0
POOL_SIZE = 5


def rss_bytes(pid: int) -> int:
    """The resident set of a process and its children (the serve worker), from /proc."""
    total = 0
    for candidate in [pid, *children(pid)]:
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found + [grandchild for child in found for grandchild in children(child)]


async def trickle(port: int, head: bytes, *, seconds: float) -> bytes:
    """Send ``head`` (a request line and headers), then one body byte a second; return
    whatever the server answers (or b"" if it closes without an answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    await writer.drain()
    deadline = time.monotonic() + seconds
    answer = b""
    with contextlib.suppress(ConnectionError):
        while time.monotonic() < deadline:
            writer.write(b" ")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                answer = await asyncio.wait_for(reader.read(4096), timeout=1)
                if answer or reader.at_eof():
                    break
    writer.close()
    return answer


async def test_slow_bodies_do_not_starve_other_tenants(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    slow_tenant = await prepare_database(postgres_url, key_file)
    other_tenant = await prepare_database(postgres_url, key_file)
    async with serving(
        database_url=postgres_url,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        body_timeout_seconds=BODY_TIMEOUT,
        db_pool_size=POOL_SIZE,
    ) as server:
        async with server.client() as http:
            slow_token = await token_for(http, slow_tenant)
            other_token = await token_for(http, other_tenant)
            org = f"{API}/org/{slow_tenant.org_id}"
            user = (
                await http.post(
                    f"{org}/users",
                    json={"email": f"{uuid.uuid4().hex}@x.io"},
                    headers={"Authorization": f"Bearer {slow_token}"},
                )
            ).json()
            building = (
                await http.post(
                    f"{org}/users/{user['id']}/buildings",
                    json={"name": "Home"},
                    headers={"Authorization": f"Bearer {slow_token}"},
                )
            ).json()
            cost = f"{org}/users/{user['id']}/buildings/{building['id']}/cost"
            head = (
                f"POST {cost} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {slow_token}\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000\r\n\r\n"
            ).encode()
            # Four times the pool: were a connection taken before the body, none would be left.
            attackers = [
                asyncio.create_task(trickle(server.port, head, seconds=BODY_TIMEOUT + 5))
                for _ in range(POOL_SIZE * 4)
            ]
            await asyncio.sleep(0.5)
            served, started = [], time.monotonic()
            while time.monotonic() - started < BODY_TIMEOUT - 1:
                ready = await http.get("/readyz")
                mine = await http.get(
                    f"{API}/org/{other_tenant.org_id}/users",
                    headers={"Authorization": f"Bearer {other_token}"},
                )
                served.append((ready.status_code, mine.status_code))
            answers = await asyncio.gather(*attackers)
        assert served
        assert all(pair == (200, 200) for pair in served), served
        print(f"\nslow bodies: {len(served) * 2} requests of others served during the attack")
        assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[:2]
        assert all(b"connection: close" in answer.lower() for answer in answers)
        assert "Traceback" not in server.output()


async def flood(port: int, megabytes: int) -> bytes:
    """An unterminated header line of ``megabytes``, sent as fast as the server reads it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
    answer = asyncio.create_task(reader.read(4096))
    chunk = b"a" * 65536
    with contextlib.suppress(ConnectionError):
        for _ in range(megabytes * 16):
            if answer.done():
                break  # refused: the rest is never sent
            writer.write(chunk)
            await writer.drain()
    try:
        return await asyncio.wait_for(answer, timeout=5)
    except (ConnectionError, TimeoutError):
        return b""
    finally:
        writer.close()


async def test_header_floods_are_refused_without_growing_the_process(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    await prepare_database(postgres_url, key_file)
    async with serving(
        database_url=postgres_url, key_file=key_file, log_file=tmp_path / "serve.log"
    ) as server:
        async with server.client() as http:
            assert (await http.get("/healthz")).status_code == 200
        before = rss_bytes(server.process.pid)
        answers = await asyncio.gather(*(flood(server.port, 32) for _ in range(10)))
        growth = rss_bytes(server.process.pid) - before
        print(f"\nheader flood: 10 × 32 MB header lines, RSS growth {growth / 2**20:.1f} MiB")
        assert all(answer.startswith(b"HTTP/1.1 431 ") for answer in answers), answers[:2]
        assert growth < 32 * 2**20
        async with server.client() as http:
            assert (await http.get("/healthz")).status_code == 200


async def test_wrong_secrets_from_another_address_never_lock_the_client_out(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    grant = {"grant_type": "client_credentials"}
    async with serving(
        database_url=postgres_url,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        token_rate_limit_per_minute=10,
    ) as server:
        elsewhere = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=server.base_url, transport=elsewhere) as attacker:
            guesses = [
                await attacker.post(
                    "/oauth2/token/", auth=(credentials.client_id, "guess"), data=grant
                )
                for _ in range(30)
            ]
        statuses = [guess.status_code for guess in guesses]
        assert statuses == [401] * 10 + [429] * 20
        async with server.client() as http:
            assert await token_for(http, credentials)
        print(f"\ntoken lockout: {statuses.count(429)} guesses refused, the client still served")


async def test_heavy_answers_do_not_hold_the_event_loop(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    """A year of quarter hours priced, costed and searched by four clients at once: the
    pricing work leaves the event loop, so ``/healthz`` keeps answering (SPEC §8: ≤ 50 ms)."""
    credentials = await prepare_database(postgres_url, key_file)
    async with serving(
        database_url=postgres_url, key_file=key_file, log_file=tmp_path / "serve.log"
    ) as server:
        async with server.client() as http:
            headers = {"Authorization": f"Bearer {await token_for(http, credentials)}"}
            org = f"{API}/org/{credentials.org_id}"
            user = (
                await http.post(f"{org}/users", json={"email": "heavy@x.io"}, headers=headers)
            ).json()
            building = (
                await http.post(
                    f"{org}/users/{user['id']}/buildings", json={"name": "H"}, headers=headers
                )
            ).json()
            year = [
                datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(35_136)
            ]
            contract = {
                "energy_contract_type": "spot_hourly",
                "currency_energy_price": "EUR",
                "building_id": building["id"],
                "price_interval_minutes": 15,
                "energy_prices": [
                    {"price": 0.1 + (i % 97) / 1000, "timestamp": t.isoformat()}
                    for i, t in enumerate(year)
                ],
            }
            created = await http.post(
                f"{org}/users/{user['id']}/energy-contracts",
                json=contract,
                params={"include_prices": "false"},
                headers=headers,
            )
            assert created.status_code == 200, created.text
            place = f"{org}/users/{user['id']}/buildings/{building['id']}"
            whole_year = {"from": "2024-01-01T00:00:00Z", "to": "2024-12-31T00:00:00Z"}
            consumption = [
                {"start": a.isoformat(), "end": b.isoformat(), "kwh": 0.25}
                for a, b in itertools.pairwise(year)
            ]
            heavy = [
                lambda: http.post(
                    f"{place}/cost", json={"consumption": consumption}, headers=headers
                ),
                lambda: http.get(
                    f"{place}/effective-prices",
                    params={**whole_year, "interval": 15},
                    headers=headers,
                ),
                lambda: http.get(
                    f"{place}/cheapest-window",
                    params={**whole_year, "minutes": 1440},
                    headers=headers,
                ),
            ]
            stop = asyncio.Event()

            async def repeat(index: int) -> list[int]:
                statuses = []
                while not stop.is_set():
                    statuses.append((await heavy[index % len(heavy)]()).status_code)
                return statuses

            clients = [asyncio.create_task(repeat(index)) for index in range(4)]
            await asyncio.sleep(1)  # every client is in the middle of a heavy request
            latencies = []
            async with server.client() as probe:
                for _ in range(100):
                    started = time.monotonic()
                    assert (await probe.get("/healthz")).status_code == 200
                    latencies.append(time.monotonic() - started)
                    await asyncio.sleep(0.05)
            stop.set()
            done = await asyncio.gather(*clients)
        assert all(status == 200 for statuses in done for status in statuses)
        latencies.sort()
        p50, worst = latencies[len(latencies) // 2], latencies[-1]
        print(
            f"\nheavy answers: {sum(map(len, done))} heavy requests answered; /healthz "
            f"p50 {p50 * 1000:.1f} ms, max {worst * 1000:.1f} ms"
        )
        assert p50 <= 0.050


async def test_a_client_that_leaves_mid_body_is_logged_at_info(
    postgres_url: str, key_file: Path, tmp_path: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    async with serving(
        database_url=postgres_url, key_file=key_file, log_file=tmp_path / "serve.log"
    ) as server:
        async with server.client() as http:
            token = await token_for(http, credentials)
        head = (
            f"POST {API}/org/{credentials.org_id}/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n"
        ).encode()
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(head + b'{"email": "half')
        await writer.drain()
        await asyncio.sleep(0.5)
        writer.close()
        lines: list[dict[str, object]] = []
        for _ in range(50):
            lines = json_lines(server.output())
            if any(line.get("event") == "client_disconnected" for line in lines):
                break
            await asyncio.sleep(0.1)
        gone = [line for line in lines if line.get("event") == "client_disconnected"]
        assert [line["level"] for line in gone] == ["info"]
        requests = [
            line for line in lines if line.get("event") == "request" and line["status"] != 200
        ]
        assert [(line["status"], line["level"]) for line in requests] == [(499, "info")]
        assert not [line for line in lines if line.get("level") in ("error", "critical")]
        assert "Traceback" not in server.output()
