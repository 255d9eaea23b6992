"""Throw-away databases for a test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "ENERGY_CONTRACTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class PostgresServer:
    admin_url: str

    def create_database(self) -> str:
        name = f"ec_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@cache
def postgres_server() -> PostgresServer | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return PostgresServer(POSTGRES_ADMIN_URL)
    except psycopg.OperationalError:
        return None


def throwaway_postgres_database(*, in_ci: bool) -> Iterator[str]:
    """A new PostgreSQL database for a fixture, dropped afterwards; a skip (a failure in CI)
    when the server is not there."""
    server = postgres_server()
    if server is None:
        if in_ci:
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'energy-contracts.db'}"
