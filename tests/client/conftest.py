"""Fixtures for the client tests: the async client wired to the real app in-process, and
the service running as a subprocess for the blocking client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from litestar import Litestar

from energy_contracts_client import AsyncEnergyContractsClient
from tests.client.faults import FaultInjector
from tests.client.running import Service, running_service
from tests.support.tenants import Tenant, TenantFactory

BASE_URL = "http://testserver"


class FakeClock:
    """A monotonic clock the test moves by hand (the client decides token refreshes by it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class RecordedWaits(list[float]):
    """An async ``sleep`` that records how long the client asked to wait, and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


@pytest.fixture
def faults(app: Litestar) -> FaultInjector:
    return FaultInjector(app)


@pytest.fixture
def waits() -> RecordedWaits:
    return RecordedWaits()


ClientFactory = Callable[..., AsyncEnergyContractsClient]


@pytest.fixture
async def connect(faults: FaultInjector, waits: RecordedWaits) -> AsyncIterator[ClientFactory]:
    """``connect(tenant, **options)``: an async client of the real app (behind ``faults``)."""
    async with AsyncExitStack() as stack:

        def factory(
            tenant: Tenant,
            *,
            app: Any = None,
            transport: httpx.AsyncBaseTransport | None = None,
            **options: Any,
        ) -> AsyncEnergyContractsClient:
            http = httpx.AsyncClient(transport=transport or httpx.ASGITransport(app=app or faults))
            stack.push_async_callback(http.aclose)
            options.setdefault("sleep", waits)
            return AsyncEnergyContractsClient(
                BASE_URL, tenant.client_id, tenant.client_secret, http_client=http, **options
            )

        yield factory


@pytest.fixture(scope="module")
def service(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``energy-contracts serve`` on a new database, one per test module and backend."""
    yield from running_service(backend, tmp_path_factory.mktemp(f"service-{backend}"))
