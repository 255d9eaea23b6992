"""The read target's baselines: the product's own server stack answering captured bytes.

The app is the product's ``create_app()`` — same Litestar, same msgspec, same middleware
(request id, access log, metrics, body limit), same exception handlers, same response class,
same pool — with the GET handler of the product's effective-prices route swapped for a bare
one, on the same route (the same node of the routing trie, the same path template, its path
parameters parsed the same way). The bare handler skips what the API router adds (the
authentication and idempotency middleware, the guards, the dependencies) and computes
nothing. Two kinds:

- **static** (default): returns the captured effective-prices response from memory — no
  token check, no database, no computation;
- **database** (``--contract ID --from T --to T``): runs ONE statement on a pooled
  connection of the product's own ``Database`` (same engine, pool size, checkout ping and
  driver: asyncpg through ``contracts.prices.driver_fetch``, with its prepared-statement
  cache) that fetches the rows the real read needs — the contract's prices in ``[from, to)``
  plus the entry in force at ``from`` — and returns the same captured bytes.

Served by the same uvicorn with the options ``energy-contracts serve`` uses (httptools with
the header limit, no access log, the start-up heap frozen), one worker. Nothing is added to
the product itself.

    python bench/bare_server.py --port 8123 --body captured.json --path '/api/…/effective-prices'
    python bench/bare_server.py … --contract UUID --from 2024-06-11T22:00:00+00:00 --to …
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get
from litestar.routes import HTTPRoute

from energy_contracts.app import create_app
from energy_contracts.contracts.prices import driver_fetch
from energy_contracts.db.engine import Database
from energy_contracts.settings import load_settings

# The prices the real read needs of one contract (``effective.repository._PRICE_ARRAYS``,
# contract branch): the entry before the range and those within it, as one pair of arrays,
# the bounds written ``(SELECT $n)`` as there (one generic plan).
PRICES = """
SELECT array_agg(ts) AS instants, array_agg(price) AS prices FROM (
    (SELECT ts, price FROM energy_prices
     WHERE org_id = $1 AND contract_id = $2 AND ts < (SELECT $3::timestamptz)
     ORDER BY ts DESC LIMIT 1)
    UNION ALL
    (SELECT ts, price FROM energy_prices
     WHERE org_id = $1 AND contract_id = $2
       AND ts >= (SELECT $3::timestamptz) AND ts < (SELECT $4::timestamptz))
) AS known
"""
BARE_PREFIX = "/__bare"


def bare_app(
    body: bytes, path: str, prices: tuple[uuid.UUID, datetime, datetime] | None = None
) -> Litestar:
    app = create_app(load_settings())
    database: Database = app.state.database

    if prices is None:

        async def bare(request: Request[Any, Any, Any]) -> Response[bytes]:
            return Response(body, media_type="application/json")

    else:
        contract_id, start, end = prices

        async def bare(org_id: uuid.UUID) -> Response[bytes]:
            async with database.engine.connect() as connection:
                rows = await driver_fetch(connection, PRICES, org_id, contract_id, start, end)
            if rows[0][0] is None:  # never expected: the runner checks the rows at start
                return Response(b"no prices", status_code=500, media_type="text/plain")
            return Response(body, media_type="application/json")

    # The product's route of this template; the bare handler is registered under a prefix
    # (a route of its own: Litestar builds its handler map and parameter model), then put in
    # place of the product's GET on the product's route, and the routing trie rebuilt.
    (product,) = [
        route for route in app.routes if isinstance(route, HTTPRoute) and route.path_format == path
    ]
    app.register(get(BARE_PREFIX + product.path, include_in_schema=False)(bare))
    (temporary,) = [
        route
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path == BARE_PREFIX + product.path
    ]
    product.route_handler_map["GET"] = temporary.route_handler_map["GET"]
    app.asgi_router._registered_routes.discard(product)  # re-added just below
    app.asgi_router.construct_routing_trie()
    return app


async def check_prices(app: Litestar, org_id: uuid.UUID, prices: tuple[Any, ...]) -> int:
    """The statement's row count for the probe: the runner expects the day's plus one."""
    database: Database = app.state.database
    async with database.engine.connect() as connection:
        rows = await driver_fetch(connection, PRICES, org_id, *prices)
    await database.dispose()
    return 0 if rows[0][0] is None else len(rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="the response bytes to serve")
    parser.add_argument(
        "--path", required=True, help="the product's route template, as the OpenAPI document has it"
    )
    parser.add_argument("--contract", type=uuid.UUID, help="database kind: the probe contract")
    parser.add_argument("--from", dest="start", type=datetime.fromisoformat)
    parser.add_argument("--to", dest="end", type=datetime.fromisoformat)
    parser.add_argument(
        "--check-org", type=uuid.UUID, help="print the statement's row count for this org, exit"
    )
    args = parser.parse_args()
    prices = None
    if args.contract is not None:
        if args.start is None or args.end is None:
            parser.error("--contract needs --from and --to")
        prices = (args.contract, args.start, args.end)
    settings = load_settings()
    app = bare_app(args.body.read_bytes(), args.path, prices)
    if args.check_org is not None:
        if prices is None:
            parser.error("--check-org needs --contract")
        print(asyncio.run(check_prices(app, args.check_org, prices)))
        return
    gc.collect()  # as energy_contracts.app.app_from_environment
    gc.freeze()
    # As energy_contracts.cli.serve runs uvicorn (one worker: in this process).
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_seconds),
        http="energy_contracts.cli.http_server:HeaderLimitedProtocol",
        access_log=False,
        log_config=None,
        log_level=settings.log_level,
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


if __name__ == "__main__":
    main()
