"""Browser tests: Debian's Chromium, driven by Playwright, against a real ``serve`` process.

Chromium is ``/usr/bin/chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it
when missing): Playwright never downloads a browser here. Every page runs with every
request that does not go to 127.0.0.1 aborted and recorded, and each test fails if its page
asked for anything elsewhere. Every wait is bounded (``TIMEOUT_MS``). Screenshots for review
go to ``ARTEFACTS`` (``$ENERGY_CONTRACTS_TEST_ARTEFACTS``, default ``.artefacts/browser``).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.settings import load_settings
from tests.support.databases import sqlite_url
from tests.support.server import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
ARTEFACTS = Path(
    os.environ.get(
        "ENERGY_CONTRACTS_TEST_ARTEFACTS",
        Path(__file__).resolve().parents[2] / ".artefacts" / "browser",
    )
)
T = TypeVar("T")


class Operator:
    """Creates organisations and clients in the server's database as an operator's CLI
    does, on an event loop of its own thread (these tests are synchronous)."""

    def __init__(self, database_url: str, key_file: Path) -> None:
        settings = load_settings(
            database_url=database_url, signing_key_file=key_file, data_dir=key_file.parent
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._database = Database(settings)

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=30)

    def organisation(self, *, timezone: str = "Europe/Vienna") -> uuid.UUID:
        async def create() -> uuid.UUID:
            async with self._database.session() as session:
                organisation = await orgs.create_organisation(
                    session, name="Browser tests", currency="EUR", timezone=timezone
                )
                return organisation.id

        return self._run(create())

    def client(self, org_id: uuid.UUID, *, scope: str) -> tuple[str, str]:
        async def create() -> tuple[str, str]:
            async with self._database.session() as session:
                new = await clients.create_client(
                    session, org_id=org_id, scope=scope, name="browser tests"
                )
                return new.client.client_id, new.secret

        return self._run(create())

    def close(self) -> None:
        self._run(self._database.dispose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


@dataclass
class Served:
    server: ServerProcess
    operator: Operator

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("browser")
    key_file = directory / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    database_url = sqlite_url(directory)
    server = ServerProcess(
        database_url=database_url, key_file=key_file, log_file=directory / "serve.log"
    )
    try:
        _wait_until_ready(server)
        operator = Operator(database_url, key_file)
        try:
            yield Served(server, operator)
        finally:
            operator.close()
    finally:
        server.stop()


def _wait_until_ready(server: ServerProcess, within: float = 60) -> None:
    deadline = time.monotonic() + within
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        while True:
            assert server.process.poll() is None, f"serve exited early:\n{server.output()}"
            try:
                if http.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"serve did not start:\n{server.output()}"
            time.sleep(0.1)


@dataclass
class Partner:
    """An organisation with a read-write client, and the API as that client."""

    org_id: uuid.UUID
    client_id: str
    client_secret: str
    api: httpx.Client = field(repr=False)

    @property
    def base(self) -> str:
        return f"/api/partners/v2.0/org/{self.org_id}"

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.api.post(f"{self.base}/{path}", json=body)
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    def user(self, **fields: Any) -> dict[str, Any]:
        return self.post("users", {"email": f"u-{uuid.uuid4().hex[:10]}@example.com", **fields})

    def building(self, user_id: str, **fields: Any) -> dict[str, Any]:
        return self.post(f"users/{user_id}/buildings", {"name": "Home", **fields})

    def contract(self, user_id: str, **fields: Any) -> dict[str, Any]:
        body = {"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR", **fields}
        return self.post(f"users/{user_id}/energy-contracts", body)


@pytest.fixture
def partner(served: Served) -> Iterator[Partner]:
    org_id = served.operator.organisation()
    client_id, secret = served.operator.client(org_id, scope="read write")
    with httpx.Client(base_url=served.base_url, timeout=30) as api:
        token = api.post(
            "/oauth2/token/", auth=(client_id, secret), data={"grant_type": "client_credentials"}
        )
        assert token.status_code == 200, token.text
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield Partner(org_id, client_id, secret, api)


# Package-scoped: while Playwright's sync API is started, the main thread counts as running
# an event loop, and tests elsewhere that call asyncio.run() must come after it has stopped.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: apt-get install -y chromium (.ci/run does)"
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )
    yield launched
    launched.close()


class OfflineContext:
    """A browser context where only 127.0.0.1 answers; what else was asked is recorded."""

    def __init__(self, browser: Browser) -> None:
        self.context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.elsewhere: list[str] = []
        self.context.route("**/*", self._only_local)

    def _only_local(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def new_page(self) -> Page:
        return self.context.new_page()


@pytest.fixture
def offline(browser: Browser) -> Iterator[OfflineContext]:
    context = OfflineContext(browser)
    yield context
    context.context.close()
    assert context.elsewhere == [], f"the pages asked beyond 127.0.0.1: {context.elsewhere}"


@pytest.fixture
def page(offline: OfflineContext) -> Page:
    return offline.new_page()


def sign_in(page: Page, base_url: str, client_id: str, client_secret: str) -> None:
    page.goto(f"{base_url}/console/sign-in")
    page.fill("input[name=client_id]", client_id)
    page.fill("input[name=client_secret]", client_secret)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/console/")


def save_screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
