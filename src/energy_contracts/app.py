"""``create_app(settings)``: routers, middleware and error handlers — nothing else."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from energy_contracts import __version__
from energy_contracts.api.openapi import install_openapi
from energy_contracts.api.query import RejectUnknownQuery
from energy_contracts.api.responses import JSON
from energy_contracts.auth.dependencies import ClientStatusCache
from energy_contracts.auth.keys import load_signing_key
from energy_contracts.auth.ratelimit import TokenRateLimiter
from energy_contracts.auth.router import router as auth_router
from energy_contracts.auth.tokens import TokenService
from energy_contracts.buildings.router import router as buildings_router
from energy_contracts.contracts.router import router as contracts_router
from energy_contracts.db.engine import Database
from energy_contracts.effective.router import router as effective_router
from energy_contracts.errors import install_error_handlers
from energy_contracts.health import router as health_router
from energy_contracts.idempotency.middleware import IdempotencyMiddleware
from energy_contracts.metrics import Metrics
from energy_contracts.metrics import router as metrics_router
from energy_contracts.observability import RequestContextMiddleware, configure_logging
from energy_contracts.orgs.router import router as orgs_router
from energy_contracts.settings import Settings, load_settings
from energy_contracts.users.router import router as users_router

API_PREFIX = "/api/partners/v2.0"

DESCRIPTION = """\
Register your customers' electricity contracts — supplier, meter, and the price per kWh
over time — and ask what a building pays at any moment, where the cheapest window is, and
what a load profile costs. Wire-compatible with the Partner API v2.0 energy-contract pages.

Authenticate with an access token from `POST /oauth2/token/` (client credentials).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    database = Database(settings)
    signing_key = load_signing_key(settings)
    metrics = Metrics()
    metrics.instrument_pool(database.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()
        metrics.process_exiting()

    app = FastAPI(
        title="energy-contracts",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        default_response_class=JSON,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.signing_key = signing_key
    app.state.tokens = TokenService(settings, signing_key)
    app.state.metrics = metrics
    app.state.client_status = ClientStatusCache(settings.revocation_check_seconds)
    app.state.token_rate_limiter = TokenRateLimiter(settings.token_rate_limit_per_minute)

    install_error_handlers(app)
    app.add_middleware(
        IdempotencyMiddleware,
        database=database,
        tokens=app.state.tokens,
        api_prefix=API_PREFIX,
        lease_seconds=settings.idempotency_lease_seconds,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)  # outermost

    api = APIRouter(prefix=API_PREFIX, dependencies=[RejectUnknownQuery])
    api.include_router(orgs_router)
    api.include_router(users_router)
    api.include_router(buildings_router)
    api.include_router(contracts_router)
    api.include_router(effective_router)
    app.include_router(auth_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(api)
    install_openapi(app, api_prefix=API_PREFIX)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` worker processes: settings come from the environment."""
    app = create_app()
    # What start-up built (modules, routes, schemas) lives as long as the process. Frozen, it
    # is no longer walked by every full garbage collection, which took 90–110 ms each and
    # fell mostly into the requests that allocate most: year-long price writes (measured in
    # bench/, docs/performance.md).
    gc.collect()
    gc.freeze()
    return app
