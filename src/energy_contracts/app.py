"""``create_app(settings)``: controllers, middleware, plugins, exception handlers — nothing else.

The API lives under ``/api/partners/v2.0``. Every request there passes, in this order:
authentication (``auth.caller``), the idempotency layer, the guards (scope, unknown query
parameters, the caller's own organisation), then the handler with its dependencies. Around
everything, routing included, the request context: request id, access log, metrics and the
body-size limit.
"""

from __future__ import annotations

import gc
from functools import partial
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.handlers import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, Reference, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsPlugin

from energy_contracts import __version__
from energy_contracts.api.bodies import StrictBodies
from energy_contracts.api.docs import interactive_docs
from energy_contracts.api.openapi import ApiDocument, StructSchemas
from energy_contracts.api.query import (
    explain_parameter,
    missing_parameters,
    reject_unknown_query_parameters,
)
from energy_contracts.api.responses import ExactJSON
from energy_contracts.api.routes import answer_options
from energy_contracts.auth import controller as oauth
from energy_contracts.auth.caller import (
    AuthenticationMiddleware,
    ClientStatus,
    own_organisation,
    provide_caller,
    require_scope,
)
from energy_contracts.auth.keys import load_signing_key
from energy_contracts.auth.ratelimit import TokenRateLimiter, VerificationSlots
from energy_contracts.auth.tokens import TokenService
from energy_contracts.buildings.controller import BuildingController
from energy_contracts.console.controller import console_routes, template_config
from energy_contracts.contracts.controller import ContractController, list_organisation_contracts
from energy_contracts.db.engine import Database
from energy_contracts.db.session import database_provider, provide_connection, provide_session
from energy_contracts.effective.controller import (
    BuildingPrices,
    UserPrices,
    document_bulk_link,
    organisation_effective_prices,
)
from energy_contracts.errors import exception_handlers
from energy_contracts.health import healthz, readyz
from energy_contracts.idempotency.middleware import IdempotencyMiddleware
from energy_contracts.idempotency.openapi import document_idempotency_key
from energy_contracts.idempotency.store import IdempotencyStore
from energy_contracts.metrics import Metrics
from energy_contracts.metrics import metrics as metrics_handler
from energy_contracts.observability import (
    MAX_BODY_BYTES,
    RequestContextMiddleware,
    configure_logging,
)
from energy_contracts.orgs.controller import get_organisation
from energy_contracts.series.controller import SeriesController
from energy_contracts.series.dependencies import provide_series_index
from energy_contracts.settings import Settings, load_settings
from energy_contracts.tariffs.controller import TariffController
from energy_contracts.tariffs.dependencies import provide_tariff_catalogue
from energy_contracts.users.controller import UserController

API_PREFIX = "/api/partners/v2.0"

DESCRIPTION = """\
Register your customers' electricity contracts — supplier, meter, and the price per kWh
over time — and ask what a building pays at any moment, where the cheapest window is, and
what a load profile costs. Wire-compatible with the Partner API v2.0 energy-contract pages.

Authenticate with an access token from `POST /oauth2/token/` (client credentials).
"""

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "oauth2": SecurityScheme(
        type="oauth2",
        description="Client credentials: the token endpoint gives a bearer token.",
        flows=OAuthFlows(
            client_credentials=OAuthFlow(
                token_url=oauth.TOKEN_PATH,
                scopes={"read": "Read everything of the organisation.", "write": "Change it."},
            )
        ),
    ),
    "bearerAuth": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="An access token from POST /oauth2/token/.",
    ),
    "clientBasic": SecurityScheme(
        type="http", scheme="basic", description="The OAuth client id and secret."
    ),
}


async def api_guards(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The API's guards, in their order: the scope (403), unknown or NUL-holding query
    parameters (422), the caller's own organisation (404). One guard rather than three, so
    that their order is written here; ``api.handlers`` hands it the route handler itself
    (Litestar would copy the handler for every guard, on every request)."""
    await require_scope(connection, handler)
    await reject_unknown_query_parameters(connection, handler)
    await own_organisation(connection, handler)


def api_router() -> Router:
    return Router(
        path=API_PREFIX,
        route_handlers=[
            get_organisation,
            UserController,
            BuildingController,
            ContractController,
            list_organisation_contracts,
            SeriesController,
            TariffController,
            BuildingPrices,
            UserPrices,
            organisation_effective_prices,
        ],
        middleware=[AuthenticationMiddleware, IdempotencyMiddleware],
        guards=[api_guards],
        security=[{"oauth2": []}, {"bearerAuth": []}],
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    configure_logging(settings)
    database = Database(settings)
    signing_key = load_signing_key(settings)
    metrics = Metrics()
    metrics.instrument_pool(database.engine)
    structs = StructSchemas()
    structs.types.update(oauth.DOCUMENTED_TYPES)
    document = ApiDocument(
        structs,
        extensions=[
            partial(document_idempotency_key, api_prefix=API_PREFIX),
            partial(document_bulk_link, api_prefix=API_PREFIX),
        ],
    )
    docs, docs_assets = interactive_docs(document, api_prefix=API_PREFIX)

    app = Litestar(
        route_handlers=[
            api_router(),
            docs_assets,
            oauth.issue_token,
            oauth.jwks,
            oauth.authorization_server_metadata,
            healthz,
            readyz,
            metrics_handler,
            *console_routes(signing_key),
        ],
        dependencies={
            "session": Provide(provide_session),
            "connection": Provide(provide_connection),
            "database": Provide(database_provider(database), sync_to_thread=False),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "series_index": Provide(provide_series_index, sync_to_thread=False),
            "tariff_catalogue": Provide(provide_tariff_catalogue, sync_to_thread=False),
        },
        plugins=[StrictBodies(), structs, ProblemDetailsPlugin()],
        exception_handlers=exception_handlers(
            max_body_bytes=MAX_BODY_BYTES,
            explain_parameter=explain_parameter,
            missing_parameters=missing_parameters,
        ),
        response_class=ExactJSON,
        template_config=template_config(),
        before_request=answer_options,
        # The body limit is enforced around the whole app (RequestContextMiddleware).
        request_max_body_size=None,
        openapi_config=OpenAPIConfig(
            title="energy-contracts",
            version=__version__,
            description=DESCRIPTION,
            path=API_PREFIX,
            components=Components(security_schemes=SECURITY_SCHEMES),
            render_plugins=[document, *docs],
        ),
        state=State(
            {
                "settings": settings,
                "database": database,
                "signing_key": signing_key,
                "tokens": TokenService(settings, signing_key),
                "metrics": metrics,
                "client_status": ClientStatus(settings.revocation_check_seconds, database),
                "token_rate_limiter": TokenRateLimiter(
                    settings.token_rate_limit_per_minute,
                    settings.token_unknown_client_limit_per_minute,
                ),
                "verification_slots": VerificationSlots(settings.token_verification_slots),
                "idempotency": IdempotencyStore(
                    database, lease_seconds=settings.idempotency_lease_seconds
                ),
            }
        ),
        on_shutdown=[database.dispose, metrics.process_exiting],
        # Logging is ours (observability.configure_logging): one JSON shape for every line.
        logging_config=None,
    )
    # Around routing, so that unmatched paths get a request id, a log line and a count too.
    app.asgi_handler = RequestContextMiddleware(
        app.asgi_handler,
        metrics=metrics,
        host_names=settings.host_names,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    return app


def app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory`` worker processes: settings come from the environment."""
    app = create_app()
    # What start-up built (modules, routes, schemas) lives as long as the process. Frozen, it
    # is no longer walked by every full garbage collection, which took 90–110 ms each and
    # fell mostly into the requests that allocate most: year-long price writes (measured in
    # bench/, docs/performance.md).
    gc.collect()
    gc.freeze()
    return app
