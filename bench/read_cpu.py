"""The read's CPU per request in process: the product's app against the DB-backed bare one.

    .venv/bin/python bench/read_cpu.py                       # 5 rounds × 1,500 requests a side
    .venv/bin/python bench/read_cpu.py --rounds 9 --requests 3000

An A/B tool for changes to the read path, quieter than wrk: both apps are built in this
process (``create_app()`` and ``bare_server.bare_app``, on uvloop as the server runs), and
each round sends ``--requests`` GETs of the benchmark's day (96 intervals,
``effective-prices?day=``) straight to each app's ASGI interface, one after the other, on a
real PostgreSQL database that this script makes and drops. It prints the process's CPU time
per request (``time.process_time``: PostgreSQL's own work is not in it) of each side, the
median over the rounds, and their ratio. There is no uvicorn and no network here, so the
ratio is not target 4's (``bench/run.py --only read``); an effect on it shows up in both.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import uvloop
from litestar import Litestar
from litestar.routes import HTTPRoute

import bare_server
import stack
import workload
from energy_contracts.app import create_app

DAYS_AROUND = 3  # of prices stored on either side of the day read


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Read:
    """One GET of the day through an app's ASGI interface."""

    def __init__(
        self, path: str, query: str, token: str, org_id: uuid.UUID, contract_id: uuid.UUID
    ) -> None:
        self.org_id = org_id
        self.contract_id = contract_id
        self.path = path
        self.query = query.encode()
        self.headers = [
            (b"host", f"{stack.HOST}:8000".encode()),
            (b"authorization", f"Bearer {token}".encode()),
            (b"accept", b"application/json"),
        ]

    async def __call__(self, app: Litestar) -> tuple[int, bytes]:
        status: list[int] = []
        body: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": self.query,
            "root_path": "",
            "headers": list(self.headers),
            "client": (stack.HOST, 50000),
            "server": (stack.HOST, 8000),
            "state": {},
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
        return status[0], b"".join(body)


def prepared(postgres: stack.Postgres, name: str, data_dir: Path) -> tuple[stack.Deployment, Read]:
    """A database with one building whose contract holds the days around the read's day."""
    postgres.create(name)
    deployment = stack.Deployment(name, postgres.url(name), data_dir)
    deployment.prepare()
    tenant = deployment.create_tenant("read-cpu")
    server = stack.product_server(deployment, data_dir / "logs")
    with stack.running(server):
        api = stack.Api(server.base_url, tenant)
        place = api.new_place(1)
        year = workload.price_year()
        start, _ = workload.day_bounds(workload.READ_DAY)
        first = year.instants.index(start)
        quarter_hours = DAYS_AROUND * 96
        rows = workload.sample_rows(year, range(first - quarter_hours, first + 2 * quarter_hours))
        items = ",".join(
            f'{{"timestamp":"{instant.isoformat()}","price":{price}}}' for instant, price in rows
        )
        answer = api.request(
            "PUT",
            api.prices_path(place),
            content=f'{{"energy_prices":[{items}]}}',
            headers={"Content-Type": "application/json"},
        )
        stack.expect(answer, 200)
        path, _, query = api.effective_prices_path(place).partition("?")
        read = Read(path, query, api.token(), tenant.org_id, place.contract_id)
    return deployment, read


def bare_of(product: Litestar, body: bytes, read: Read) -> Litestar:
    """``bare_server``'s DB-backed app on the product's effective-prices route."""
    (template,) = [
        route.path_format
        for route in product.routes
        if isinstance(route, HTTPRoute)
        and route.path_format.endswith("/buildings/{building_id}/effective-prices")
    ]
    start, end = workload.day_bounds(workload.READ_DAY)
    return bare_server.bare_app(body, template, (read.contract_id, start, end))


async def measure(read: Read, rounds: int, requests: int) -> None:
    product = create_app()  # settings from the environment this script set
    async with product.lifespan():
        status, body = await read(product)
        if status != 200:
            raise SystemExit(f"the read answered {status}: {body[:300]!r}")
        bare = bare_of(product, body, read)
        async with bare.lifespan():
            for app in (product, bare):  # warm both: token memo, zone hint, statements
                for _ in range(200):
                    await read(app)
            gc.collect()
            gc.freeze()  # as the server does after start-up
            sides: dict[str, list[float]] = {"product": [], "bare": []}
            for number in range(rounds):
                order = [("product", product), ("bare", bare)]
                if number % 2:
                    order.reverse()
                for label, app in order:
                    began = time.process_time()
                    for _ in range(requests):
                        await read(app)
                    sides[label].append((time.process_time() - began) / requests * 1e6)
                log(
                    f"  round {number + 1}: product {sides['product'][-1]:.1f} µs, "
                    f"bare {sides['bare'][-1]:.1f} µs"
                )
    product_cpu = statistics.median(sides["product"])
    bare_cpu = statistics.median(sides["bare"])
    print(f"CPU per request, median of {rounds} rounds × {requests} requests:")
    print(f"  effective-prices                {product_cpu:7.1f} µs  {_spread(sides['product'])}")
    print(f"  bare endpoint, one statement    {bare_cpu:7.1f} µs  {_spread(sides['bare'])}")
    print(f"  bare ÷ product (as req/s would be) {bare_cpu / product_cpu:.3f}")


def _spread(values: list[float]) -> str:
    return f"[{min(values):.1f}…{max(values):.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500, help="per round and side")
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server, without a database (default: %(default)s)",
    )
    args = parser.parse_args()
    postgres = stack.Postgres(args.pg)
    name = f"ec_bench_cpu_{datetime.now().strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="read-cpu-") as directory:
        try:
            log(f"database {name}: one building, {2 * DAYS_AROUND + 1} days of quarter hours")
            deployment, read = prepared(postgres, name, Path(directory))
            os.environ.update(deployment.environment())
            uvloop.run(measure(read, args.rounds, args.requests))
        finally:
            postgres.drop(name)


if __name__ == "__main__":
    main()
