"""The Python client's organisation-wide read against a running ``serve`` (not part of
``bench/run.py``): what the client holds while it streams a page, and its buildings per
second against one ``effective_prices`` call per building.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python bench/client_bulk.py [BUILDINGS] [sqlite|postgresql]

It starts ``energy-contracts serve`` on a new database (the client tests' helper), makes
BUILDINGS buildings (default 1,000) whose contracts follow one quarter-hour series with the
SPEC §11 tariff, and prints: the NDJSON page's size; the peak of Python allocations
(``tracemalloc``) while ``iter_organisation_effective_prices`` walks it without keeping the
lines; buildings per second of that walk untraced, and of 100 single-building reads made one
after another. One run on a shared machine: compare the figures of one run, not across runs.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from tests.client.running import running_service
from tests.client.test_client_tariffs import SECTION_14A

from energy_contracts_client import (
    EnergyContractsClient,
    NewBuilding,
    NewContract,
    NewPriceSeries,
    NewUser,
    Price,
    PriceIndex,
)

DAY = date(2025, 1, 15)  # a Wednesday in January: both grid windows cut the day
SINGLE_READS = 100


def populate(api: EnergyContractsClient, buildings: int) -> None:
    series = api.create_series(NewPriceSeries(name="EPEX AT", interval_minutes=15))
    start = datetime(2025, 1, 14, 23, tzinfo=UTC)  # local midnight in Vienna
    quarters = [Price(Decimal(q - 40) / 1000, start + timedelta(minutes=15 * q)) for q in range(96)]
    api.put_series_prices(series.id, quarters)
    tariff = api.create_tariff(SECTION_14A)
    user = api.create_user(NewUser(email="bulk@example.com"))

    def one(n: int) -> None:
        building = api.create_building(user.id, NewBuilding(name=f"building {n}"))
        api.create_contract(
            user.id,
            NewContract(
                energy_contract_type="spot_hourly",
                building_id=building.id,
                currency_energy_price="EUR",
                energy_price_includes_external_components=False,
                energy_price_index=PriceIndex(series.id),
                tariff_id=tariff.id,
            ),
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(buildings)))


def measure(url: str, api: EnergyContractsClient, buildings: int) -> None:
    token = api._core.auth.sync_token()
    raw = httpx.get(
        f"{url}/api/partners/v2.0/org/{api.org_id}/effective-prices",
        params={"day": DAY.isoformat(), "limit": buildings},
        headers={"Authorization": f"Bearer {token}"},
        timeout=300,
    ).content
    lines = raw.splitlines()
    longest = max(len(line) for line in lines)
    print(f"page: {len(lines)} lines, {len(raw)} bytes, longest line {longest} bytes")
    del lines
    del raw

    tracemalloc.start()
    count = sum(1 for _ in api.iter_organisation_effective_prices(DAY, page_size=buildings))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"client walking the page: {count} lines, peak traced allocations {peak / 1e6:.2f} MB")

    began = time.perf_counter()
    count = sum(1 for _ in api.iter_organisation_effective_prices(DAY, page_size=buildings))
    bulk = count / (time.perf_counter() - began)
    places = [
        (line.user_id, line.building_id)
        for line in api.iter_organisation_effective_prices(DAY, page_size=SINGLE_READS)
    ][:SINGLE_READS]
    began = time.perf_counter()
    for user_id, building_id in places:
        api.effective_prices(user_id, building_id, day=DAY)
    single = len(places) / (time.perf_counter() - began)
    print(
        f"bulk {bulk:.0f} buildings/s, one request each {single:.0f} buildings/s, "
        f"ratio {bulk / single:.1f}"
    )


def main() -> None:
    buildings = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    backend = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    with tempfile.TemporaryDirectory() as directory:
        services = running_service(backend, Path(directory))
        service = next(services)
        try:
            with service.client() as api:
                populate(api, buildings)
                measure(service.url, api, buildings)
        finally:
            services.close()


if __name__ == "__main__":
    main()
