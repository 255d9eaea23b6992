"""The read target's baseline: the product's own server stack answering captured bytes.

The app is the product's ``create_app()`` — same FastAPI and Starlette, same middleware
(request id, access log, body limit), same error handlers, same default response class —
with one extra route put in front of the product's routes, on the same path, that returns the
captured effective-prices response from memory: no token check, no database, no computation.
Served by the same uvicorn with the options ``energy-contracts serve`` uses. Nothing is added
to the product itself.

    python bench/bare_server.py --port 8123 --body captured.json --path '/api/…/effective-prices'
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.responses import Response

from energy_contracts.app import create_app
from energy_contracts.settings import load_settings


def bare_app(body: bytes, path: str) -> FastAPI:
    app = create_app(load_settings())

    async def captured() -> Response:
        return Response(body, media_type="application/json")

    app.add_api_route(path, captured, methods=["GET"], include_in_schema=False)
    app.router.routes.insert(0, app.router.routes.pop())  # matched before the product's
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="the response bytes to serve")
    parser.add_argument("--path", required=True, help="route path, e.g. the product's template")
    args = parser.parse_args()
    settings = load_settings()
    app = bare_app(args.body.read_bytes(), args.path)
    # As energy_contracts.cli.serve runs uvicorn (one worker: in this process).
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
        access_log=False,
        log_level=settings.log_level,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
