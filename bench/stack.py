"""The system under test: a scratch PostgreSQL database, the CLI, server processes, the API.

Everything here talks to 127.0.0.1 only. Servers are child processes in their own session,
stopped by their process id (SIGTERM, then SIGKILL of their own process group).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
from psycopg import sql

import workload

API = "/api/partners/v2.0"
HOST = "127.0.0.1"
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BIN = Path(sys.executable).parent


def command(name: str) -> str:
    beside = BIN / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found next to {sys.executable} or on PATH")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# --- PostgreSQL administration -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Postgres:
    """The server the benchmarks run on: ``postgresql://user@host:port`` without a database."""

    base_url: str = "postgresql://postgres@127.0.0.1:5432"

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def exists(self, name: str) -> bool:
        with self._admin() as connection:
            row = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            return row is not None

    def create(self, name: str) -> None:
        _check_name(name)
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop(self, name: str) -> None:
        _check_name(name)
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def connect(self, name: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(name), autocommit=autocommit)

    def facts(self) -> dict[str, str]:
        """Version and the settings that move ingest and read figures."""
        names = (
            "shared_buffers",
            "work_mem",
            "max_wal_size",
            "synchronous_commit",
            "fsync",
            "wal_level",
            "full_page_writes",
            "effective_io_concurrency",
            "jit",
        )
        with self._admin() as connection:
            version = connection.execute("SELECT version()").fetchone()
            facts = {"version": str(version[0]) if version else "?"}
            for name in names:
                row = connection.execute(
                    "SELECT setting, unit FROM pg_settings WHERE name = %s", (name,)
                ).fetchone()
                if row:
                    facts[name] = f"{row[0]}{'' if row[1] is None else ' ' + row[1]}"
            return facts


class SessionCounter:
    """``pg_stat_database.sessions`` of one database: the connections ever opened to it.

    Read over one connection of its own, kept open, so the counting adds nothing. Backends
    report with a delay of up to about a second: a figure per run, not per request.
    """

    def __init__(self, deployment: Deployment) -> None:
        self._connection = psycopg.connect(deployment.database_url, autocommit=True)

    def read(self) -> int:
        self._connection.execute("SELECT pg_stat_clear_snapshot()")
        row = self._connection.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        self._connection.close()


def _check_name(name: str) -> None:
    if not DATABASE_NAME.match(name):
        raise SystemExit(f"database name {name!r}: use lower-case letters, digits and _")


# --- the product's command line ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deployment:
    """One database with the settings every product process of this run gets."""

    database: str
    database_url: str
    data_dir: Path

    @property
    def key_file(self) -> Path:
        return self.data_dir / "signing-key.pem"

    def environment(self) -> dict[str, str]:
        # The product refuses unknown ENERGY_CONTRACTS_* variables, so start from none.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENERGY_CONTRACTS_")}
        env.update(
            ENERGY_CONTRACTS_DATABASE_URL=self.database_url,
            ENERGY_CONTRACTS_SIGNING_KEY_FILE=str(self.key_file),
            ENERGY_CONTRACTS_DATA_DIR=str(self.data_dir),
            ENERGY_CONTRACTS_LOG_LEVEL="warning",
        )
        return env

    def cli(self, *arguments: str) -> str:
        done = subprocess.run(
            [command("energy-contracts"), *arguments],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"energy-contracts {' '.join(arguments)} failed ({done.returncode}):\n"
                f"{done.stderr.strip()}"
            )
        return done.stdout

    def cli_json(self, *arguments: str) -> Any:
        return json.loads(self.cli(*arguments, "--json"))

    def prepare(self) -> None:
        """Signing key (once) and migrations."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.key_file.exists():
            self.cli("key", "generate", "--out", str(self.key_file))
        self.cli("migrate")

    def create_tenant(self, name: str) -> Tenant:
        org = self.cli_json(
            "org", "create", "--name", name, "--currency", "EUR", "--timezone", workload.TIMEZONE
        )
        client = self.cli_json("client", "create", "--org", org["id"], "--name", "bench")
        return Tenant(uuid.UUID(org["id"]), client["client_id"], client["client_secret"])


@dataclass(frozen=True, slots=True)
class Tenant:
    org_id: uuid.UUID
    client_id: str
    client_secret: str


# --- server processes ----------------------------------------------------------------------


@dataclass
class Server:
    """A server child process listening on 127.0.0.1:port."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    port: int
    log_path: Path
    ready_path: str = "/readyz"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 90) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            list(self.argv),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + self.ready_path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout} s; see {self.log_path}")

    def pids(self) -> list[int]:
        """The server process and its direct children (uvicorn workers)."""
        if self.process is None:
            return []
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        found = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [pid, *found]

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # Our own child started a session of its own: its group id is its pid.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def product_server(deployment: Deployment, log_dir: Path, *, workers: int = 1) -> Server:
    port = free_port()
    argv = [
        command("energy-contracts"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return Server(
        name=f"energy-contracts serve --workers {workers}",
        argv=argv,
        env=deployment.environment(),
        port=port,
        log_path=log_dir / f"server-{deployment.database}-w{workers}-{port}.log",
    )


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- the HTTP API --------------------------------------------------------------------------


class Api:
    """A small client for the endpoints the benchmarks need (SPEC §2–§6)."""

    TOKEN_REFRESH_SECONDS = 1200

    def __init__(self, base_url: str, tenant: Tenant) -> None:
        self.tenant = tenant
        self.http = httpx.Client(base_url=base_url, timeout=300)
        self._token: str | None = None
        self._token_at = 0.0

    def close(self) -> None:
        self.http.close()

    @property
    def org(self) -> str:
        return f"{API}/org/{self.tenant.org_id}"

    def token(self) -> str:
        if self._token is None or time.monotonic() - self._token_at > self.TOKEN_REFRESH_SECONDS:
            answer = self.http.post(
                "/oauth2/token/",
                auth=(self.tenant.client_id, self.tenant.client_secret),
                data={"grant_type": "client_credentials"},
            )
            expect(answer, 200)
            self._token = str(answer.json()["access_token"])
            self._token_at = time.monotonic()
        return self._token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def create_user(self, number: int) -> uuid.UUID:
        answer = self.request(
            "POST", f"{self.org}/users", json={"email": f"bench-{number}@example.com"}
        )
        expect(answer, 200)
        return uuid.UUID(answer.json()["id"])

    def create_building(self, user_id: uuid.UUID, number: int) -> uuid.UUID:
        answer = self.request(
            "POST", f"{self.org}/users/{user_id}/buildings", json={"name": f"Building {number}"}
        )
        expect(answer, 200)
        return uuid.UUID(answer.json()["id"])

    def create_spot_contract(self, user_id: uuid.UUID, building_id: uuid.UUID) -> uuid.UUID:
        answer = self.request(
            "POST",
            f"{self.org}/users/{user_id}/energy-contracts",
            json={
                "energy_contract_type": "spot_hourly",
                "building_id": str(building_id),
                "currency_energy_price": "EUR",
                "energy_price_includes_external_components": False,
                "price_interval_minutes": workload.INTERVAL_MINUTES,
            },
        )
        expect(answer, 200)
        return uuid.UUID(answer.json()["id"])

    def prices_path(self, place: Place) -> str:
        return f"{self.org}/users/{place.user_id}/energy-contracts/{place.contract_id}/prices"

    def effective_prices_path(self, place: Place) -> str:
        return (
            f"{self.org}/users/{place.user_id}/buildings/{place.building_id}/effective-prices"
            f"?day={workload.READ_DAY.isoformat()}"
        )

    def new_place(self, number: int) -> Place:
        """A user with one building and that building's empty 15-minute spot contract."""
        user_id = self.create_user(number)
        building_id = self.create_building(user_id, number)
        return Place(user_id, building_id, self.create_spot_contract(user_id, building_id))


@dataclass(frozen=True, slots=True)
class Place:
    """A user, their building and the building's contract."""

    user_id: uuid.UUID
    building_id: uuid.UUID
    contract_id: uuid.UUID

    def as_json(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("user_id", "building_id", "contract_id")}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Place:
        return cls(*(uuid.UUID(data[k]) for k in ("user_id", "building_id", "contract_id")))


def expect(answer: httpx.Response, status: int) -> None:
    if answer.status_code != status:
        raise RuntimeError(
            f"{answer.request.method} {answer.request.url.path} → {answer.status_code} "
            f"(expected {status}): {answer.text[:500]}"
        )
