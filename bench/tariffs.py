"""Targets of issue 13: price series, tariffs and the organisation-wide read.

- ``tariffs-bulk``: with 1,000 buildings linked to one quarter-hour series and one tariff,
  buildings per second of one ``GET /org/{org_id}/effective-prices?day=`` (NDJSON, the whole
  page streamed) against one ``effective-prices?day=`` request per building made one after
  another by one client (keep-alive). Alternated, ``repeat`` times each. Goal: ≥ 10×.
- ``tariffs-link``: 10,000 contracts linked to one series through the API write no price
  row (counted in ``energy_prices`` and ``series_prices`` before and after); the daily update
  is one ``PUT`` of the series' next day, timed with the 10,000 linked against the same
  ``PUT`` into a series nobody links to. Goals: 0 rows; time ratio ≤ 1.25.
- ``tariffs-read``: a single building's ``effective-prices?day=`` under wrk load, its
  contract linked to the series with the tariff, against the same building data without the
  tariff (alternated runs, as ``read``). Goal: time per request ≤ 1.2× (so req/s ≥ 0.83×).

The day read is a winter weekday, so both of the tariff's windows cut the day. Buildings,
users and contracts are made through the API, except the 10,000 buildings of the linking
target, which are copied in (their contracts, the subject, go through the API).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import read
import stack
import workload
from report import Goal, Outcome, Verdict, pending

Log = Callable[[str], None]

BULK_BUILDINGS = 1000
LINKED_CONTRACTS = 10_000
LINKING_THREADS = 4
# A PUT of one day takes milliseconds: more of them, alternated, to see past the noise.
UPDATES_PER_REPEAT = 4
BENCH_DAY = date(2024, 1, 17)  # a Wednesday in January: both windows apply
NEXT_DAY = BENCH_DAY + timedelta(days=1)
# SPEC §11's example, in force all year: what the reads add to the series' prices.
TARIFF = {
    "name": "Wiener Netze, §14a module 3",
    "vat_percent": 20,
    "vat_on_negative": False,
    "standing_charge_per_day": 0.41,
    "components": [
        {
            "name": "grid energy",
            "kind": "grid",
            "default_price": 0.0749,
            "windows": [
                {"price": 0.0225, "months": [1, 2, 3, 10, 11, 12], "from": "00:00", "to": "06:00"},
                {
                    "price": 0.1124,
                    "months": [1, 2, 3, 10, 11, 12],
                    "weekdays": [1, 2, 3, 4, 5],
                    "from": "17:00",
                    "to": "20:00",
                },
            ],
        },
        {"name": "electricity levy", "kind": "levy", "price": 0.015},
    ],
}


def not_yet() -> list[Outcome]:
    return [pending("tariffs", "tariffs: series, tariffs, bulk", "no /tariffs route yet")]


# --- the organisation ----------------------------------------------------------------------


class Setup:
    """One organisation with the series (a year of quarter hours) and the tariff."""

    def __init__(self, api: stack.Api) -> None:
        self.api = api
        self.series = self._series("EPEX AT")
        self.idle_series = self._series("nobody links to this")
        answer = api.request("POST", f"{api.org}/tariffs", json=TARIFF)
        stack.expect(answer, 200)
        self.tariff = str(answer.json()["id"])

    def _series(self, name: str) -> str:
        answer = self.api.request(
            "POST",
            f"{self.api.org}/price-series",
            json={"name": name, "interval_minutes": 15, "timezone": workload.TIMEZONE},
        )
        stack.expect(answer, 200)
        series = str(answer.json()["id"])
        put = self.api.request(
            "PUT",
            f"{self.api.org}/price-series/{series}/prices",
            content=workload.price_year().json_body(),
            headers={"Content-Type": "application/json"},
        )
        stack.expect(put, 200)
        return series

    def linked_building(self, number: int, *, tariff: bool = True) -> stack.Place:
        """A user with one building whose contract follows the series (with the tariff)."""
        user_id = self.api.create_user(number)
        building_id = self.api.create_building(user_id, number)
        answer = self.api.request(
            "POST",
            f"{self.api.org}/users/{user_id}/energy-contracts?include_prices=false",
            json=linked_contract(self.series, building_id, self.tariff if tariff else None),
        )
        stack.expect(answer, 200)
        return stack.Place(user_id, building_id, uuid.UUID(answer.json()["id"]))


def linked_contract(series: str, building_id: uuid.UUID, tariff: str | None) -> dict[str, Any]:
    return {
        "energy_contract_type": "spot_hourly",
        "building_id": str(building_id),
        "currency_energy_price": "EUR",
        "energy_price_includes_external_components": False,
        "energy_price_index": {"series_id": series},
        "tariff_id": tariff,
    }


def day_path(api: stack.Api, place: stack.Place) -> str:
    return (
        f"{api.org}/users/{place.user_id}/buildings/{place.building_id}/effective-prices"
        f"?day={BENCH_DAY.isoformat()}"
    )


# --- tariffs-bulk --------------------------------------------------------------------------


def bulk_target(setup: Setup, repeat: int, log: Log) -> list[Outcome]:
    api = setup.api
    log(f"tariffs-bulk: {BULK_BUILDINGS} buildings linked to one series with one tariff")
    started = time.monotonic()
    places = [setup.linked_building(number) for number in range(BULK_BUILDINGS)]
    log(f"  made through the API in {time.monotonic() - started:.0f} s")
    bulk_url = f"{api.org}/effective-prices?day={BENCH_DAY.isoformat()}&limit={BULK_BUILDINGS}"
    check_bulk(api, bulk_url, places)
    one_by_one: list[float] = []
    bulk: list[float] = []
    for round_number in range(repeat):
        for kind in ("bulk", "single") if round_number % 2 == 0 else ("single", "bulk"):
            if kind == "bulk":
                seconds = timed(lambda: read_stream(api, bulk_url))
                bulk.append(BULK_BUILDINGS / seconds)
            else:
                seconds = timed(lambda: [read_single(api, place) for place in places])
                one_by_one.append(BULK_BUILDINGS / seconds)
            log(f"  {kind:<6} {BULK_BUILDINGS / seconds:9.1f} buildings/s ({seconds:.2f} s)")
    return [
        Outcome(
            "tariffs-bulk",
            f"tariffs-bulk: {BULK_BUILDINGS} buildings, one request",
            "buildings/s",
            Goal.RATIO_AT_LEAST,
            10,
            samples=bulk,
            baseline_label="one request per building",
            baseline=one_by_one,
            context={"buildings": BULK_BUILDINGS, "day": BENCH_DAY.isoformat()},
        )
    ]


def check_bulk(api: stack.Api, url: str, places: list[stack.Place]) -> None:
    """Before anything is timed: a line per building, and one line equal to its own answer."""
    lines = read_stream(api, url)
    if len(lines) != len(places):
        raise RuntimeError(f"bulk: {len(lines)} lines for {len(places)} buildings")
    probe = places[0]
    single = api.request("GET", day_path(api, probe))
    stack.expect(single, 200)
    line = next(line for line in lines if json.loads(line)["building_id"] == str(probe.building_id))
    if json.loads(line) != {
        "user_id": str(probe.user_id),
        "building_id": str(probe.building_id),
        **single.json(),
    }:
        raise RuntimeError("bulk: a line differs from the building's own answer")


def read_stream(api: stack.Api, url: str) -> list[bytes]:
    with api.http.stream("GET", url, headers=api.headers()) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"bulk read: {answer.status_code}")
        return [line.encode() for line in answer.iter_lines() if line]


def read_single(api: stack.Api, place: stack.Place) -> None:
    answer = api.http.get(day_path(api, place), headers=api.headers())
    if answer.status_code != 200:
        raise RuntimeError(f"single read: {answer.status_code}")


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# --- tariffs-link --------------------------------------------------------------------------


def link_target(
    postgres: stack.Postgres, deployment: stack.Deployment, setup: Setup, repeat: int, log: Log
) -> list[Outcome]:
    api = setup.api
    org_id = api.tenant.org_id
    user_id = api.create_user(BULK_BUILDINGS + 1)
    buildings = copy_buildings(postgres, deployment, org_id, user_id, LINKED_CONTRACTS)
    log(f"tariffs-link: {len(buildings)} buildings copied in; linking their contracts")
    before = price_rows(postgres, deployment, org_id)
    started = time.monotonic()
    link_all(api, setup, user_id, buildings)
    log(
        f"  {len(buildings)} contracts linked through the API in {time.monotonic() - started:.0f} s"
    )
    after = price_rows(postgres, deployment, org_id)
    written = {table: after[table] - before[table] for table in after}
    log(f"  price rows written by linking: {written}")

    with_links: list[float] = []
    without: list[float] = []
    rounds = UPDATES_PER_REPEAT * repeat
    for series in (setup.series, setup.idle_series):  # warm-up: plans, caches
        put_prices(api, series, next_day_body(1))
    for round_number in range(rounds):
        body = next_day_body(round_number + 2)
        order = (setup.series, setup.idle_series)
        for series in order if round_number % 2 == 0 else reversed(order):
            started = time.perf_counter()
            put_prices(api, series, body)
            elapsed_ms = (time.perf_counter() - started) * 1000
            (with_links if series == setup.series else without).append(elapsed_ms)
        log(f"  PUT next day: {with_links[-1]:.1f} ms linked, {without[-1]:.1f} ms not")
    check_linked_contract_sees(api, user_id, round_number=rounds + 1)
    rows = Outcome(
        "tariffs-link-rows",
        f"tariffs-link: price rows written by linking {len(buildings)} contracts",
        "rows",
        Goal.VALUE_AT_MOST,
        0,
        samples=[float(written["energy_prices"])],
        context={"written": written, "before": before, "after": after},
    )
    update = Outcome(
        "tariffs-link-update",
        f"tariffs-link: one PUT of a day, {len(buildings)} linked vs none",
        "ms",
        Goal.RATIO_AT_MOST,
        1.25,
        samples=with_links,
        baseline_label="series nobody links to",
        baseline=without,
        context={"requests_per_update": 1, "prices_per_update": 96},
    )
    return [rows, update]


def copy_buildings(
    postgres: stack.Postgres,
    deployment: stack.Deployment,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    count: int,
) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    now = datetime.now(UTC)
    with postgres.connect(deployment.database) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY buildings (org_id, id, user_id, name, timezone, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for number, building_id in enumerate(ids):
                copy.write_row(
                    (org_id, building_id, user_id, f"Linked {number}", workload.TIMEZONE, now, now)
                )
        connection.commit()
    return ids


def price_rows(
    postgres: stack.Postgres, deployment: stack.Deployment, org_id: uuid.UUID
) -> dict[str, int]:
    with postgres.connect(deployment.database) as connection:
        counts = {}
        for table in ("energy_prices", "series_prices"):
            row = connection.execute(
                f"SELECT count(*) FROM {table} WHERE org_id = %s",  # constant names
                (org_id,),
            ).fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts


def link_all(api: stack.Api, setup: Setup, user_id: uuid.UUID, buildings: list[uuid.UUID]) -> None:
    apis = [stack.Api(str(api.http.base_url), api.tenant) for _ in range(LINKING_THREADS)]

    def link(share: tuple[stack.Api, list[uuid.UUID]]) -> None:
        client, mine = share
        for building_id in mine:
            # Without the derived prices in the answer: a year of the series each.
            answer = client.request(
                "POST",
                f"{client.org}/users/{user_id}/energy-contracts?include_prices=false",
                json=linked_contract(setup.series, building_id, setup.tariff),
            )
            stack.expect(answer, 200)

    try:
        shares = [(client, buildings[i::LINKING_THREADS]) for i, client in enumerate(apis)]
        with ThreadPoolExecutor(LINKING_THREADS) as pool:
            list(pool.map(link, shares))
    finally:
        for client in apis:
            client.close()


def next_day_body(variant: int) -> bytes:
    """The next day's 96 quarter hours, every price changed from the last update."""
    start, end = workload.day_bounds(NEXT_DAY)
    year = workload.price_year().variant(variant)
    prices = [
        {"price": str(price), "timestamp": instant.isoformat()}
        for instant, price in zip(year.instants, year.prices(), strict=True)
        if start <= instant < end
    ]
    return (
        json.dumps({"energy_prices": prices})
        .replace('"price": "', '"price": ')
        .replace('", "timestamp"', ', "timestamp"')
        .encode()
    )


def put_prices(api: stack.Api, series: str, body: bytes) -> None:
    answer = api.request(
        "PUT",
        f"{api.org}/price-series/{series}/prices",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    stack.expect(answer, 200)
    if answer.json()["updated"] != 96:
        raise RuntimeError(f"daily update: {answer.json()}")


def check_linked_contract_sees(api: stack.Api, user_id: uuid.UUID, round_number: int) -> None:
    """One linked contract's derived prices are the last update's."""
    listed = api.request("GET", f"{api.org}/users/{user_id}/energy-contracts?include_prices=false")
    stack.expect(listed, 200)
    contract = listed.json()[0]["id"]
    start, _ = workload.day_bounds(NEXT_DAY)
    answer = api.request(
        "GET",
        f"{api.org}/users/{user_id}/energy-contracts/{contract}/prices"
        f"?from={start.isoformat().replace('+00:00', 'Z')}&limit=1",
    )
    stack.expect(answer, 200)
    expected = workload.price_year().variant(round_number)
    index = expected.instants.index(start)
    if json.loads(answer.text, parse_float=Decimal)[0]["price"] != expected.prices()[index]:
        raise RuntimeError("a linked contract does not see its series' last update")


# --- tariffs-read --------------------------------------------------------------------------


def read_target(
    setup: Setup, server: stack.Server, deployment: stack.Deployment, settings: read.Settings,
    log: Log,
) -> list[Outcome]:  # fmt: skip
    api = setup.api
    with_tariff = setup.linked_building(LINKED_CONTRACTS + 2)
    without = setup.linked_building(LINKED_CONTRACTS + 3, tariff=False)
    for place in (with_tariff, without):
        stack.expect(api.request("GET", day_path(api, place)), 200)
    endpoints = [
        read.Endpoint(
            label,
            server.base_url + day_path(api, place),
            lambda: api.headers()["Authorization"],
            server,
            deployment,
        )
        for label, place in (("with the tariff", with_tariff), ("without a tariff", without))
    ]
    log(f"tariffs-read: {settings.describe()}")
    ours, theirs = read.compare(endpoints[0], endpoints[1], settings, log)
    outcome = Outcome(
        "tariffs-read",
        "tariffs-read: a day with a tariff, time per request",
        "ms",
        Goal.RATIO_AT_MOST,
        1.2,
        samples=[1000 / result.requests_per_second for result in ours],
        baseline_label="the same read without a tariff",
        baseline=[1000 / result.requests_per_second for result in theirs],
        context={
            "with_tariff": [result.as_json() for result in ours],
            "without_tariff": [result.as_json() for result in theirs],
        },
    )
    if any(result.errors for result in [*ours, *theirs]):
        outcome.forced = Verdict.FAILED
        outcome.reason = "wrk saw errors"
    return [outcome]


def run(
    postgres: stack.Postgres,
    deployment: stack.Deployment,
    server: stack.Server,
    api: stack.Api,
    repeat: int,
    settings: read.Settings,
    log: Log,
) -> list[Outcome]:
    setup = Setup(api)
    return [
        *bulk_target(setup, repeat, log),
        *link_target(postgres, deployment, setup, repeat, log),
        *read_target(setup, server, deployment, settings, log),
    ]
