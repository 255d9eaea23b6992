"""Fixtures: per-backend databases (session-wide), the app, an HTTP client, tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from energy_contracts.app import create_app
from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.db import migrate
from energy_contracts.db.engine import Database
from energy_contracts.settings import Settings, load_settings
from tests.support.databases import postgres_server, sqlite_url
from tests.support.tenants import TenantFactory

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    path.write_bytes(new_private_key_pem())
    return path


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, empty database for this test session, dropped afterwards."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("sqlite"))
        return
    server = postgres_server()
    if server is None:
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


def make_settings(database_url: str, signing_key_file: Path, **overrides: object) -> Settings:
    return load_settings(
        database_url=database_url,
        signing_key_file=signing_key_file,
        data_dir=signing_key_file.parent,
        log_format="json",
        log_level="warning",
        # The in-process client's host (httpx's ASGI transport) is "testserver".
        allowed_hosts="testserver,127.0.0.1,localhost",
        **overrides,
    )


@pytest.fixture(scope="session")
def settings(database_url: str, signing_key_file: Path) -> Settings:
    return make_settings(database_url, signing_key_file)


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> Settings:
    await migrate.upgrade(settings)
    return settings


@pytest.fixture(scope="session")
async def app(migrated: Settings) -> AsyncIterator[Litestar]:
    application = create_app(migrated)
    yield application
    await application.state.database.dispose()


@pytest.fixture(scope="session")
async def http(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def database(app: Litestar) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture
def make_tenant(database: Database, http: httpx.AsyncClient) -> TenantFactory:
    return TenantFactory(database, http)
