"""The service as an operator runs it: ``energy-contracts serve`` in a subprocess on a free
port, its organisation and OAuth client made with the CLI (the ``service`` fixture in
``conftest.py`` starts one per test module, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts_client import EnergyContractsClient
from tests.support.databases import postgres_server, sqlite_url
from tests.support.server import ServerProcess


@dataclass
class Service:
    url: str
    env: dict[str, str]
    client_id: str
    client_secret: str

    def cli(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "energy_contracts", *args],
            capture_output=True,
            text=True,
            env={**self.env, **extra_env},
            timeout=120,
        )

    def client(self) -> EnergyContractsClient:
        return EnergyContractsClient(self.url, self.client_id, self.client_secret)

    def new_organisation(self, name: str) -> Service:
        """The same service, with the credentials of a new organisation's client."""
        organisation = json.loads(
            checked(self.cli("org", "create", "--name", name, "--currency", "EUR",
                             "--timezone", "Europe/Vienna", "--json")).stdout
        )  # fmt: skip
        client = json.loads(
            checked(self.cli("client", "create", "--org", organisation["id"], "--json")).stdout
        )
        return Service(self.url, self.env, client["client_id"], client["client_secret"])

    def import_prices(
        self, feed_format: str, file: Path, *args: str, credentials: bool = True
    ) -> subprocess.CompletedProcess[str]:
        extra = (
            {
                "ENERGY_CONTRACTS_API_URL": self.url,
                "ENERGY_CONTRACTS_CLIENT_ID": self.client_id,
                "ENERGY_CONTRACTS_CLIENT_SECRET": self.client_secret,
            }
            if credentials
            else {}
        )
        return self.cli("prices", "import", feed_format, str(file), *args, **extra)


def running_service(backend: str, directory: Path) -> Iterator[Service]:
    """A ``serve`` process on a new database of ``backend`` with one organisation ("Feeds")
    and a client of it; stopped, and its database dropped, when the generator is closed."""
    key_file = directory / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    server_db = postgres_server() if backend == "postgresql" else None
    if backend == "postgresql" and server_db is None:
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    database_url = server_db.create_database() if server_db else sqlite_url(directory)
    server = ServerProcess(
        database_url=database_url,
        key_file=key_file,
        log_file=directory / "server.log",
        log_level="warning",
    )
    try:
        asyncio.run(server.wait_until_ready())
        yield Service(server.base_url, server.env, "", "").new_organisation("Feeds")
    finally:
        server.stop()
        if server_db is not None:
            server_db.drop_database(database_url)


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result
