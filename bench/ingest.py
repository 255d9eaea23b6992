"""Targets 1 and 2: ``PUT …/prices`` of a year of quarter hours vs a raw binary COPY.

The baseline is psycopg's ``cursor.copy("COPY … FROM STDIN (FORMAT BINARY)")`` with
``set_types(uuid, uuid, timestamptz, numeric)`` and ``write_row`` of Python values prepared
beforehand, in one transaction, into an *equivalent* table in the same database:

- ``bench_baseline.energy_contracts (LIKE public.energy_contracts INCLUDING ALL)`` and
  ``bench_baseline.energy_prices (LIKE public.energy_prices INCLUDING ALL)``: same columns and
  types, defaults, NOT NULLs, CHECKs, the same primary key and every other index, same
  storage and table options (reloptions); both logged tables in the same tablespace;
- every foreign key of ``energy_prices`` re-created on the baseline table, pointing at the
  baseline contracts table (today: ``(org_id, contract_id)`` → ``(org_id, id)`` ``ON DELETE
  CASCADE``), so each copied row pays the same referential check;
- not copied: the contracts table's own foreign keys (to users, buildings), which no price
  row touches, and triggers (the product's triggers, if it ever has any, count as its cost;
  they are listed in the result).

Each repetition, interleaved so drift hits both alike, on a freshly checkpointed database:
COPY into a new baseline contract; PUT the same year into a new, empty product contract
(inserted = 35,136); PUT every price changed over it (updated = 35,136). Times are wall
clock at the client, each including its commit; the PUT's include HTTP and the server's
JSON decoding of a body encoded beforehand.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import profiling
import stack
import workload
from report import Goal, Outcome, Verdict

BASELINE_SCHEMA = "bench_baseline"
Log = Callable[[str], None]


def create_baseline_tables(connection: Any) -> dict[str, Any]:
    """The equivalent tables; returns what was created, for the result file."""
    statements = [
        f"DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE",
        f"CREATE SCHEMA {BASELINE_SCHEMA}",
        f"CREATE TABLE {BASELINE_SCHEMA}.energy_contracts "
        "(LIKE public.energy_contracts INCLUDING ALL)",
        f"CREATE TABLE {BASELINE_SCHEMA}.energy_prices (LIKE public.energy_prices INCLUDING ALL)",
    ]
    for table in ("energy_contracts", "energy_prices"):
        row = connection.execute(
            "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", (f"public.{table}",)
        ).fetchone()
        if row and row[0]:
            statements.append(f"ALTER TABLE {BASELINE_SCHEMA}.{table} SET ({', '.join(row[0])})")
    foreign_keys = connection.execute(
        "SELECT conname, confrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'public.energy_prices'::regclass AND contype = 'f'"
    ).fetchall()
    for name, referenced, definition in foreign_keys:
        if referenced not in ("energy_contracts", "public.energy_contracts"):
            raise RuntimeError(f"energy_prices has a foreign key to {referenced}: extend bench/")
        definition = definition.replace(
            f"REFERENCES {referenced}(", f"REFERENCES {BASELINE_SCHEMA}.energy_contracts("
        )
        statements.append(
            f"ALTER TABLE {BASELINE_SCHEMA}.energy_prices ADD CONSTRAINT {name} {definition}"
        )
    if not foreign_keys:
        raise RuntimeError("energy_prices has no foreign key to energy_contracts any more")
    for statement in statements:
        connection.execute(statement)
    triggers = connection.execute(
        "SELECT tgname FROM pg_trigger "
        "WHERE tgrelid = 'public.energy_prices'::regclass AND NOT tgisinternal"
    ).fetchall()
    indexes = connection.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'energy_prices'",
        (BASELINE_SCHEMA,),
    ).fetchall()
    return {
        "ddl": statements,
        "baseline_indexes": [row[0] for row in indexes],
        "product_triggers_not_copied": [row[0] for row in triggers],
    }


def _new_baseline_contract(connection: Any, org_id: uuid.UUID) -> uuid.UUID:
    contract_id = uuid.uuid4()
    connection.execute(
        f"INSERT INTO {BASELINE_SCHEMA}.energy_contracts (org_id, id, user_id, building_id, "
        "contract_type, currency, price_interval_minutes, version, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, 'spot_hourly', 'EUR', 15, 1, now(), now())",
        (org_id, contract_id, uuid.uuid4(), uuid.uuid4()),
    )
    return contract_id


def _checkpoint(connection: Any) -> None:
    # Both sides then start with no dirty buffers and pay the same full-page writes.
    connection.execute("CHECKPOINT")


def raw_copy(connection: Any, rows: list[tuple[object, ...]]) -> float:
    """Seconds for one binary COPY of ``rows`` into the baseline table, commit included."""
    statement = workload.copy_statement(f"{BASELINE_SCHEMA}.energy_prices")
    started = time.perf_counter()
    with connection.transaction(), connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(list(workload.COPY_TYPES))
        for row in rows:
            copy.write_row(row)
    return time.perf_counter() - started


def put_prices(api: stack.Api, place: stack.Place, body: bytes) -> tuple[float, dict[str, int]]:
    headers = {"Content-Type": "application/json", **api.headers()}
    path = api.prices_path(place)
    started = time.perf_counter()
    answer = api.http.put(path, content=body, headers=headers)
    elapsed = time.perf_counter() - started
    stack.expect(answer, 200)
    counts: dict[str, int] = answer.json()
    return elapsed, counts


def run(
    postgres: stack.Postgres,
    deployment: stack.Deployment,
    server: stack.Server,
    api: stack.Api,
    repeat: int,
    profile_dir: Path | None,
    log: Log,
) -> list[Outcome]:
    year = workload.price_year()
    rows_per_request = len(year)
    new_body = year.json_body()
    overwrite_body = year.variant(1).json_body()
    org_id = api.tenant.org_id
    copy_rates: list[float] = []
    new_rates: list[float] = []
    overwrite_rates: list[float] = []
    answers: list[dict[str, Any]] = []
    log(
        f"ingest: {rows_per_request:,} rows per request, body {len(new_body):,} bytes; "
        f"{repeat} × (raw COPY, PUT new, PUT overwrite)"
    )
    with (
        postgres.connect(deployment.database, autocommit=True) as admin,
        postgres.connect(deployment.database) as copier,
    ):
        equivalence = create_baseline_tables(admin)
        for number in range(repeat):
            contract_id = _new_baseline_contract(admin, org_id)
            rows = year.rows(org_id, contract_id)
            _checkpoint(admin)
            copy_rates.append(rows_per_request / raw_copy(copier, rows))

            place = api.new_place(10_000 + number)
            _checkpoint(admin)
            seconds, counts = put_prices(api, place, new_body)
            _expect_counts(counts, inserted=rows_per_request)
            new_rates.append(rows_per_request / seconds)

            _checkpoint(admin)
            seconds, over = put_prices(api, place, overwrite_body)
            _expect_counts(over, updated=rows_per_request)
            overwrite_rates.append(rows_per_request / seconds)
            stored = _stored_prices(admin, org_id, place.contract_id)
            if stored != rows_per_request:
                raise RuntimeError(
                    f"{stored} prices stored after the PUTs, expected {rows_per_request}"
                )
            answers.append({"new": counts, "overwrite": over})
            log(
                f"  #{number + 1}: COPY {copy_rates[-1]:,.0f} rows/s, PUT new {new_rates[-1]:,.0f} "
                f"rows/s, PUT overwrite {overwrite_rates[-1]:,.0f} rows/s"
            )
        if profile_dir is not None:
            _profile(api, server, new_body, overwrite_body, profile_dir, log)
    context = {
        "rows_per_request": rows_per_request,
        "body_bytes": len(new_body),
        "equivalent_table": equivalence,
        "answers": answers,
        "copy_median_seconds": rows_per_request / statistics.median(copy_rates),
    }
    return [
        Outcome(
            "ingest-new",
            "ingest: PUT new rows",
            "rows/s",
            Goal.RATIO_AT_LEAST,
            0.85,
            samples=new_rates,
            baseline_label="raw binary COPY",
            baseline=copy_rates,
            context=context,
        ),
        Outcome(
            "ingest-overwrite",
            "ingest: PUT overwrite",
            "rows/s",
            Goal.RATIO_AT_LEAST,
            0.75,
            samples=overwrite_rates,
            baseline_label="raw binary COPY",
            baseline=copy_rates,
        ),
    ]


def _stored_prices(connection: Any, org_id: uuid.UUID, contract_id: uuid.UUID) -> int:
    row = connection.execute(
        "SELECT count(*) FROM energy_prices WHERE org_id = %s AND contract_id = %s",
        (org_id, contract_id),
    ).fetchone()
    return int(row[0])


def _expect_counts(counts: dict[str, int], *, inserted: int = 0, updated: int = 0) -> None:
    expected = {
        "received": inserted + updated,
        "inserted": inserted,
        "updated": updated,
        "unchanged": 0,
    }
    if counts != expected:
        raise RuntimeError(f"PUT prices answered {counts}, expected {expected}")


def _profile(
    api: stack.Api,
    server: stack.Server,
    new_body: bytes,
    overwrite_body: bytes,
    profile_dir: Path,
    log: Log,
) -> None:
    """One more new-rows PUT and one more overwrite, each under py-spy (untimed)."""
    place = api.new_place(20_000)
    with profiling.py_spy(server, profile_dir / "profile-ingest-new.txt", log):
        put_prices(api, place, new_body)
    with profiling.py_spy(server, profile_dir / "profile-ingest-overwrite.txt", log):
        put_prices(api, place, overwrite_body)


def not_yet() -> list[Outcome]:
    outcomes = []
    for key, title in (
        ("ingest-new", "ingest: PUT new rows"),
        ("ingest-overwrite", "ingest: PUT overwrite"),
    ):
        outcome = Outcome(key, title, "rows/s", Goal.RATIO_AT_LEAST, 0)
        outcome.forced, outcome.reason = Verdict.PENDING, "no PUT …/prices route in the product yet"
        outcomes.append(outcome)
    return outcomes
