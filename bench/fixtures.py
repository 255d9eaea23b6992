"""Databases holding a year of quarter-hour prices for N building contracts.

Users, buildings and contracts are created through the API (so they are exactly what the
product writes); the prices are then loaded with a raw binary COPY straight into
``energy_prices`` (the stream framed by hand, rows differing only in ids; foreign-key
triggers off for that session, ``session_replication_role = replica``), because 35 M rows
through the API would take most of an hour. Both the
10-contract and the 1,000-contract database are built this way, then ``VACUUM (ANALYZE)``-ed,
so they differ only in how much is stored.

A database built under ``--keep-db NAME`` is described by ``bench/.cache/NAME.json`` and
reused by later runs while it still matches; a database of that name without the file is
never touched.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stack
import workload

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
CACHE_FORMAT = 1
PRICE_VARIANTS = 8
COMMIT_EVERY_CONTRACTS = 25


@dataclass(frozen=True, slots=True)
class PricedDatabase:
    deployment: stack.Deployment
    tenant: stack.Tenant
    contracts: int
    probe: stack.Place
    """The building whose effective prices are read: the middle one created, price variant 0."""

    def as_json(self) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "database": self.deployment.database,
            "data_dir": str(self.deployment.data_dir),
            "contracts": self.contracts,
            "org_id": str(self.tenant.org_id),
            "client_id": self.tenant.client_id,
            "client_secret": self.tenant.client_secret,
            "probe": self.probe.as_json(),
        }


Log = Callable[[str], None]


def build(
    postgres: stack.Postgres,
    deployment: stack.Deployment,
    contracts: int,
    log_dir: Path,
    log: Log,
) -> PricedDatabase:
    """Into an existing, empty-or-migrated database: one organisation, ``contracts`` users each
    with one building and its 15-minute spot contract, and a year of prices for every one."""
    deployment.prepare()
    tenant = deployment.create_tenant(f"Bench Energy {contracts}")
    started = time.monotonic()
    places: list[stack.Place] = []
    with stack.running(stack.product_server(deployment, log_dir)) as server:
        api = stack.Api(server.base_url, tenant)
        try:
            for number in range(contracts):
                places.append(api.new_place(number))
                if (number + 1) % 100 == 0:
                    log(f"  {number + 1}/{contracts} contracts created through the API")
        finally:
            api.close()
    log(f"  {contracts} users, buildings, contracts via API in {time.monotonic() - started:.1f} s")
    probe_index = contracts // 2
    load_prices(postgres, deployment.database, tenant.org_id, places, probe_index, log)
    return PricedDatabase(deployment, tenant, contracts, places[probe_index])


def load_prices(
    postgres: stack.Postgres,
    database: str,
    org_id: uuid.UUID,
    places: list[stack.Place],
    probe_index: int,
    log: Log,
) -> None:
    year = workload.price_year()
    streams = [
        workload.CopyStream.of(year.variant(v) if v else year) for v in range(PRICE_VARIANTS)
    ]
    statement = workload.copy_statement("energy_prices")
    started = time.monotonic()
    with postgres.connect(database) as connection:
        # Skips the per-row foreign-key trigger: every contract_id was just created through
        # the API, and _verify checks the result. The stored table is the same either way.
        connection.execute("SET session_replication_role = replica")
        connection.commit()
        with connection.cursor() as cursor:
            for start in range(0, len(places), COMMIT_EVERY_CONTRACTS):
                batch = places[start : start + COMMIT_EVERY_CONTRACTS]
                with connection.transaction(), cursor.copy(statement) as copy:
                    copy.write(workload.COPY_SIGNATURE)
                    for offset, place in enumerate(batch):
                        index = start + offset
                        variant = 0 if index == probe_index else 1 + index % (PRICE_VARIANTS - 1)
                        copy.write(streams[variant].rows_for(org_id, place.contract_id))
                    copy.write(workload.COPY_TRAILER)
                done = start + len(batch)
                if done % 100 == 0 or done == len(places):
                    rate = done * len(year) / (time.monotonic() - started)
                    log(f"  {done}/{len(places)} contracts' prices copied ({rate:,.0f} rows/s)")
        _verify(connection, org_id, places[probe_index], year, len(places))
    log(f"  {len(places) * len(year):,} price rows in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    with postgres.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) energy_prices")
        connection.execute("ANALYZE")
    log(f"  VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s")


def _verify(
    connection: Any, org_id: uuid.UUID, probe: stack.Place, year: workload.PriceYear, total: int
) -> None:
    """The hand-framed COPY stream decodes to exactly the generated rows."""
    count = connection.execute(
        "SELECT count(*) FROM energy_prices WHERE org_id = %s AND contract_id = %s",
        (org_id, probe.contract_id),
    ).fetchone()[0]
    if count != len(year):
        raise RuntimeError(f"probe contract holds {count} prices, expected {len(year)}")
    indexes = [0, 1, 7_000, len(year) // 2, len(year) - 1]
    expected = workload.sample_rows(year, indexes)
    for instant, price in expected:
        row = connection.execute(
            "SELECT price FROM energy_prices WHERE org_id = %s AND contract_id = %s AND ts = %s",
            (org_id, probe.contract_id, instant),
        ).fetchone()
        if row is None or row[0] != price:
            raise RuntimeError(f"COPY stream mismatch at {instant}: {row} != {price}")
    contracts = connection.execute(
        "SELECT count(*) FROM energy_contracts WHERE org_id = %s", (org_id,)
    ).fetchone()[0]
    if contracts != total:
        raise RuntimeError(f"{contracts} contracts stored, expected {total}")


# --- the cache of kept databases -----------------------------------------------------------


def cache_file(name: str) -> Path:
    return CACHE_DIR / f"{name}.json"


def kept_deployment(postgres: stack.Postgres, name: str) -> stack.Deployment:
    return stack.Deployment(name, postgres.url(name), CACHE_DIR / name)


def reuse(postgres: stack.Postgres, name: str, contracts: int, log: Log) -> PricedDatabase | None:
    """The kept database ``name`` if it exists and still holds what ``contracts`` asks for."""
    path = cache_file(name)
    exists = postgres.exists(name)
    if exists and not path.exists():
        raise SystemExit(
            f"database {name} exists but {path} does not: not made by bench/, left alone. "
            "Pick another --keep-db name or drop it yourself."
        )
    if not exists or not path.exists():
        return None
    state = json.loads(path.read_text())
    if state.get("format") != CACHE_FORMAT or state.get("contracts") != contracts:
        log(f"kept database {name} holds other data ({state.get('contracts')} contracts): rebuild")
        return None
    tenant = stack.Tenant(uuid.UUID(state["org_id"]), state["client_id"], state["client_secret"])
    probe = stack.Place.from_json(state["probe"])
    with postgres.connect(name) as connection:
        try:
            stored = connection.execute(
                "SELECT count(*) FROM energy_contracts WHERE org_id = %s", (tenant.org_id,)
            ).fetchone()
        except Exception as exc:  # any failure means the cache cannot be trusted
            log(f"kept database {name} unreadable ({exc}): rebuild")
            return None
    if stored is None or stored[0] != contracts:
        log(f"kept database {name} holds {stored} contracts, expected {contracts}: rebuild")
        return None
    deployment = kept_deployment(postgres, name)
    deployment.prepare()  # migrations added since it was built
    log(f"reusing kept database {name} ({contracts} contracts)")
    return PricedDatabase(deployment, tenant, contracts, probe)


def build_kept(
    postgres: stack.Postgres, name: str, contracts: int, log_dir: Path, log: Log
) -> PricedDatabase:
    path = cache_file(name)
    if postgres.exists(name):
        postgres.drop(name)  # ours: reuse() checked the cache file
    path.unlink(missing_ok=True)
    postgres.create(name)
    deployment = kept_deployment(postgres, name)
    priced = build(postgres, deployment, contracts, log_dir, log)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(priced.as_json(), indent=2) + "\n")
    path.chmod(0o600)
    return priced
