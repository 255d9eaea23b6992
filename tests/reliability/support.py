"""Drill equipment: a PostgreSQL database made for the drill (the server process itself is
``tests.support.server``), a TCP proxy the drill can cut, and a lock that holds requests
mid-flight.

Everything listens on and connects to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from energy_contracts.db import migrate
from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.settings import load_settings

API = "/api/partners/v2.0"


@dataclass(frozen=True)
class Credentials:
    org_id: str
    client_id: str
    client_secret: str


async def prepare_database(database_url: str, key_file: Path) -> Credentials:
    """Migrate the drill's database and create an organisation with a client in it."""
    settings = load_settings(
        database_url=database_url, signing_key_file=key_file, data_dir=key_file.parent
    )
    await migrate.upgrade(settings)
    database = Database(settings)
    try:
        async with database.session() as session:
            organisation = await orgs.create_organisation(
                session, name="Drill", currency="EUR", timezone="Europe/Vienna"
            )
            new = await clients.create_client(session, org_id=organisation.id, name="drill")
    finally:
        await database.dispose()
    return Credentials(str(organisation.id), new.client.client_id, new.secret)


def assert_unavailable(response: httpx.Response) -> None:
    """SPEC §1: the database is unavailable — 503 problem+json with ``Retry-After``."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == 503


async def token_for(http: httpx.AsyncClient, credentials: Credentials) -> str:
    response = await http.post(
        "/oauth2/token/",
        auth=(credentials.client_id, credentials.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


class TcpProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL, until the drill breaks the way there.

    ``cut()`` is an outage the application can see: every open connection is reset and new
    ones are refused. ``freeze()`` is one it cannot: connections stay open but nothing
    passes any more, and new ones are accepted and never answered (a network partition;
    the connections are half-open). ``restore()`` undoes either.
    """

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._answers_flowing = asyncio.Event()
        self._answers_flowing.set()
        self._silence_answers: tuple[bytes, bytes] | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._flowing.is_set():
            held = (writer, None)  # accepted, never answered
            self._links.add(held)
            await self._flowing.wait()
            self._links.discard(held)
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, upstream_writer)
        self._links.add(link)
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer, towards_server=True),
                self._pipe(upstream_reader, writer, towards_server=False),
            )
        finally:
            self._links.discard(link)
            writer.transport.abort()
            upstream_writer.transport.abort()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, towards_server: bool
    ) -> None:
        armed = False  # this link has sent the trap's first message
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()  # frozen: the bytes go nowhere, for now
                if not towards_server:
                    await self._answers_flowing.wait()
                writer.write(data)
                await writer.drain()
                trap = self._silence_answers
                if towards_server and trap is not None:
                    armed = armed or trap[0] in data
                    if armed and trap[1] in data:
                        # The server gets this message and acts on it; no answer comes back.
                        self._answers_flowing.clear()
        writer.transport.abort()

    def silence_answers_after(self, first: bytes, then: bytes) -> None:
        """Once a connection sends a message holding ``first`` and later one holding
        ``then``, let that one reach the server but stop every answer from coming back (a
        network that fails right then)."""
        self._silence_answers = (first, then)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()  # stops listening at once: new connections are refused
            self._server = None
        for client, upstream in list(self._links):
            client.transport.abort()
            if upstream is not None:
                upstream.transport.abort()
        self._links.clear()

    def freeze(self) -> None:
        self._flowing.clear()

    async def restore(self) -> None:
        self._silence_answers = None
        self._answers_flowing.set()
        self._flowing.set()
        if self._server is None:
            await self.start()


@contextlib.asynccontextmanager
async def table_locked(database_url: str, table: str) -> AsyncIterator[psycopg.AsyncConnection]:
    """Hold ``LOCK TABLE <table> IN EXCLUSIVE MODE`` (reads pass, writes wait) until the
    block ends. The honest way to make requests slow: they wait on the database."""
    async with await psycopg.AsyncConnection.connect(database_url) as locker:
        await locker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        try:
            yield locker
        finally:
            await locker.rollback()


async def waiting_on_locks(database_url: str, table: str) -> int:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as observer:
        cursor = await observer.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            (table,),
        )
        row = await cursor.fetchone()
        assert row is not None
        count: int = row[0]
        return count


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, what: str, within: float = 30
) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            parsed = json.loads(line)  # every line: a parse error fails the drill
            assert isinstance(parsed, dict), f"line {number} is not a JSON object: {line}"
            lines.append(parsed)
    return lines
