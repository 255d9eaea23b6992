"""Server time of the console's building day view (SPEC §13: well under 100 ms).

    .venv/bin/python bench/console_day.py                       # embedded SQLite
    .venv/bin/python bench/console_day.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/console_day.py --tariff              # linked to a series, with a tariff

Builds the app in process on a fresh database (a PostgreSQL URL names a database this script
creates and drops), gives one building a 25-hour day of quarter-hour prices with a gap and a
user-level contract, signs in as the console does, then times ``--requests`` GETs of the
day view (and of its CSV). With ``--tariff`` the building's contract is energy-only,
index-linked to a series that holds those prices, and names SPEC §11's tariff: the page then
shows the breakdown and names the series and the tariff. Requests go through the ASGI
interface, so there is no network in the figure: it is what the server spends on a page,
rendering included.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from energy_contracts.app import create_app
from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.codes import zone
from energy_contracts.db import migrate
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.pricing import local_day_bounds
from energy_contracts.settings import load_settings
from energy_contracts.tariffs.schemas import SECTION_14A_EXAMPLE

DAY = date(2025, 10, 26)  # 25 hours in Europe/Vienna


def quarter_hour_prices(day: date) -> list[dict[str, Any]]:
    start, end = local_day_bounds(day, zone("Europe/Vienna"))
    prices = []
    index = 0
    while start < end:
        if not 72 <= index < 80:  # a two-hour gap in the evening
            prices.append({"price": 0.1 + index / 10_000, "timestamp": start.isoformat()})
        start += timedelta(minutes=15)
        index += 1
    return prices


async def measure(database_url: str, requests: int, *, tariff: bool = False) -> None:
    directory = Path(tempfile.mkdtemp(prefix="console-bench-"))
    key = directory / "signing-key.pem"
    key.write_bytes(new_private_key_pem())
    settings = load_settings(
        database_url=database_url, signing_key_file=key, data_dir=directory, log_level="warning"
    )
    await migrate.upgrade(settings)
    app = create_app(settings)
    # As ``serve`` does it (app.app_from_environment): start-up's objects out of the GC's way.
    gc.collect()
    gc.freeze()
    database = app.state.database
    async with database.session() as session:
        organisation = await orgs.create_organisation(
            session, name="bench", currency="EUR", timezone="Europe/Vienna"
        )
        new = await clients.create_client(session, org_id=organisation.id, name="bench")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        token = (
            await http.post(
                "/oauth2/token/",
                auth=(new.client.client_id, new.secret),
                data={"grant_type": "client_credentials"},
            )
        ).json()["access_token"]
        api = f"/api/partners/v2.0/org/{organisation.id}"
        headers = {"Authorization": f"Bearer {token}"}
        user = (
            await http.post(f"{api}/users", json={"email": "b@example.com"}, headers=headers)
        ).json()
        building = (
            await http.post(
                f"{api}/users/{user['id']}/buildings", json={"name": "b"}, headers=headers
            )
        ).json()
        building_contract: dict[str, Any] = {
            "building_id": building["id"],
            "price_interval_minutes": 15,
            "energy_prices": quarter_hour_prices(DAY),
        }
        if tariff:
            series = (
                await http.post(
                    f"{api}/price-series",
                    json={"name": "bench", "interval_minutes": 15},
                    headers=headers,
                )
            ).json()
            written = await http.put(
                f"{api}/price-series/{series['id']}/prices",
                json={"energy_prices": quarter_hour_prices(DAY)},
                headers=headers,
            )
            assert written.status_code == 200, written.text
            named = (
                await http.post(f"{api}/tariffs", json=SECTION_14A_EXAMPLE, headers=headers)
            ).json()
            building_contract = {
                "building_id": building["id"],
                "energy_price_includes_external_components": False,
                "energy_price_index": {"series_id": series["id"], "markup": 0.012},
                "tariff_id": named["id"],
            }
        for body in (
            building_contract,
            {
                "price_interval_minutes": 60,
                "energy_prices": [
                    {"price": 0.3, "timestamp": datetime(2025, 10, 26, 18, tzinfo=UTC).isoformat()}
                ],
            },
        ):
            created = await http.post(
                f"{api}/users/{user['id']}/energy-contracts",
                json={
                    "energy_contract_type": "spot_hourly",
                    "currency_energy_price": "EUR",
                    **body,
                },
                headers=headers,
            )
            assert created.status_code == 200, created.text

        form = await http.get("/console/sign-in")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        signed_in = await http.post(
            "/console/sign-in",
            data={
                "client_id": new.client.client_id,
                "client_secret": new.secret,
                "_csrf_token": csrf[1],
            },
        )
        assert signed_in.status_code == 303, signed_in.text

        page = f"/console/users/{user['id']}/buildings/{building['id']}"
        shown = await http.get(f"{page}?day={DAY}")
        assert ('<th class="part">' in shown.text) == tariff, "the breakdown is shown iff --tariff"
        for label, path in (
            ("day view", f"{page}?day={DAY}"),
            ("CSV", f"{page}/prices.csv?day={DAY}"),
        ):
            timings = []
            for _ in range(requests + 5):
                started = time.perf_counter()
                response = await http.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            timings = sorted(timings[5:])  # the first few warm caches up
            print(
                f"{label:9} {requests} requests: median {statistics.median(timings):.1f} ms, "
                f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, max {timings[-1]:.1f} ms"
            )
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to connect to as admin (e.g. .../postgres); "
        "a scratch database is made beside it and dropped",
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--tariff", action="store_true", help="an index-linked contract with a tariff"
    )
    arguments = parser.parse_args()
    if arguments.database_url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='console-bench-')}/bench.db"
        asyncio.run(measure(url, arguments.requests, tariff=arguments.tariff))
        return
    admin = arguments.database_url
    name = f"ec_console_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{admin.rsplit('/', 1)[0]}/{name}"
        asyncio.run(measure(url, arguments.requests, tariff=arguments.tariff))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
