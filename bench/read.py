"""Targets 4–6: effective prices of one local day under load (wrk), against a baseline server.

Every comparison runs its two servers side by side and alternates their runs (A, B, A, B, …)
so that drift in the machine's load hits both alike; each run is preceded by nothing but the
shared warm-up. Only one server is under load at a time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import httpx

import fixtures
import loadgen
import profiling
import stack
import workload
from report import Goal, Outcome, Verdict, pending

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Settings:
    repeat: int
    seconds: float
    warmup_seconds: float
    connections: int
    profile_dir: Path | None

    def describe(self) -> str:
        return f"wrk -t1 -c{self.connections}, {self.seconds:g} s × {self.repeat} per side"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Something wrk can load: a URL and the Authorization header it needs."""

    label: str
    url: str
    authorization: Callable[[], str | None]
    server: stack.Server
    database: stack.Deployment | None = None
    """Whose PostgreSQL sessions to count per run (the product's; the bare one has none)."""


def endpoint_for(
    server: stack.Server,
    api: stack.Api,
    place: stack.Place,
    label: str,
    database: stack.Deployment,
) -> Endpoint:
    return Endpoint(
        label,
        server.base_url + api.effective_prices_path(place),
        lambda: api.headers()["Authorization"],
        server,
        database,
    )


def check_answer(api: stack.Api, place: stack.Place) -> bytes:
    """One request before any load: the answer must be right, or nothing is measured."""
    answer = api.request("GET", api.effective_prices_path(place))
    stack.expect(answer, 200)
    intervals = answer.json().get("intervals", [])
    expected = workload.expected_intervals(workload.price_year(), workload.READ_DAY)
    if len(intervals) != expected:
        raise RuntimeError(f"effective prices: {len(intervals)} intervals, expected {expected}")
    if any(interval.get("price") is None for interval in intervals):
        raise RuntimeError("effective prices: an interval without a price on a fully priced day")
    return answer.content


def route_template(base_url: str) -> str:
    document = httpx.get(f"{base_url}{stack.API}/openapi.json", timeout=30).json()
    for path in document["paths"]:
        if path.endswith("/buildings/{building_id}/effective-prices"):
            return str(path)
    raise RuntimeError("no effective-prices route in the OpenAPI document")


def bare_server(
    deployment: stack.Deployment,
    body_file: Path,
    path: str,
    log_dir: Path,
    prices: tuple[stack.Place, datetime, datetime] | None = None,
) -> stack.Server:
    """``bench/bare_server.py``: static, or with ``prices`` (probe, from, to) the
    database-backed bare endpoint."""
    port = stack.free_port()
    script = Path(__file__).resolve().parent / "bare_server.py"
    argv = [sys.executable, str(script), "--port", str(port), "--body", str(body_file)]
    argv += ["--path", path]
    kind = "captured bytes"
    if prices is not None:
        place, start, end = prices
        argv += ["--contract", str(place.contract_id)]
        argv += ["--from", start.isoformat(), "--to", end.isoformat()]
        kind = "one asyncpg statement, captured bytes"
    return stack.Server(
        name=f"bare endpoint (product stack, {kind})",
        argv=argv,
        env=deployment.environment(),
        port=port,
        log_path=log_dir / f"bare-{port}.log",
        ready_path="/healthz",
    )


def check_bare_statement(deployment: stack.Deployment, server: stack.Server, org_id: object) -> int:
    """The database-backed bare endpoint's statement, run once by the same script: how many
    price rows it fetches for the probe (the day's and the entry before)."""
    answer = subprocess.run(
        [*server.argv, "--check-org", str(org_id)],
        env=deployment.environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(answer.stdout.strip().splitlines()[-1])


def compare(
    a: Endpoint,
    b: Endpoint,
    settings: Settings,
    log: Log,
    *,
    connections: int | None = None,
) -> tuple[list[loadgen.LoadResult], list[loadgen.LoadResult]]:
    """``repeat`` alternating runs of ``a`` and ``b`` at the same wrk settings."""
    first, second = compare_many([a, b], settings, log, connections=connections)
    return first, second


def compare_many(
    endpoints: list[Endpoint],
    settings: Settings,
    log: Log,
    *,
    connections: int | None = None,
) -> list[list[loadgen.LoadResult]]:
    """``repeat`` rounds over ``endpoints`` at the same wrk settings, the order of each
    round rotated by one (A B C, B C A, C A B, …), so that drift hits each alike."""
    conns = connections or settings.connections
    wrk = loadgen.Wrk(connections=conns)
    counters = {
        index: stack.SessionCounter(endpoint.database)
        for index, endpoint in enumerate(endpoints)
        if endpoint.database is not None
    }
    try:
        for endpoint in endpoints:
            wrk.run(
                endpoint.url,
                seconds=settings.warmup_seconds,
                authorization=endpoint.authorization(),
            )
        results: list[list[loadgen.LoadResult]] = [[] for _ in endpoints]
        for round_number in range(settings.repeat):
            shift = round_number % len(endpoints)
            order = list(range(len(endpoints)))[shift:] + list(range(len(endpoints)))[:shift]
            for index in order:
                endpoint = endpoints[index]
                counter = counters.get(index)
                sessions_before = counter.read() if counter else 0
                result = wrk.run(
                    endpoint.url, seconds=settings.seconds, authorization=endpoint.authorization()
                )
                if counter is not None:
                    # Connection churn shows here: a pool that opens a backend per request.
                    opened = counter.read() - sessions_before
                    result = replace(result, database_sessions=opened)
                result = replace(result, load_average=os.getloadavg()[0])
                results[index].append(result)
                churn = (
                    f"  {result.database_sessions} new DB sessions"
                    if result.database_sessions
                    else ""
                )
                log(
                    f"  {endpoint.label:<32} c={conns:<3} {result.requests_per_second:8.1f} req/s  "
                    f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                    f"load {result.load_average:.2f}{churn}"
                    + (f"  ERRORS {result.errors}" if result.errors else "")
                )
        return results
    finally:
        wrk.close()
        for counter in counters.values():
            counter.close()


def _failed_runs(*runs: list[loadgen.LoadResult]) -> int:
    return sum(result.errors for results in runs for result in results)


def _summaries(results: list[loadgen.LoadResult]) -> list[dict[str, float]]:
    return [result.as_json() for result in results]


@contextlib.contextmanager
def profiled(endpoint: Endpoint, settings: Settings, name: str, log: Log) -> Iterator[None]:
    """After the timed runs: one extra run under py-spy, written next to the results."""
    yield
    if settings.profile_dir is None:
        return
    wrk = loadgen.Wrk(connections=settings.connections)
    try:
        out = settings.profile_dir / f"profile-{name}.txt"
        with profiling.py_spy(endpoint.server, out, log):
            wrk.run(endpoint.url, seconds=settings.seconds, authorization=endpoint.authorization())
    finally:
        wrk.close()


# --- the targets ---------------------------------------------------------------------------


def read_target(
    priced: fixtures.PricedDatabase,
    product: stack.Server,
    api: stack.Api,
    settings: Settings,
    run_dir: Path,
    log: Log,
) -> list[Outcome]:
    """Target 4: requests/s of effective prices vs the database-backed bare endpoint (the
    goal) and vs the static one (context), and p99 at 16 connections; all three servers side
    by side, their runs rotated."""
    body = check_answer(api, priced.probe)
    body_file = run_dir / "effective-prices-captured.json"
    body_file.write_bytes(body)
    template = route_template(product.base_url)
    start, end = workload.day_bounds(workload.READ_DAY)
    database_bare = bare_server(
        priced.deployment, body_file, template, run_dir, (priced.probe, start, end)
    )
    rows = check_bare_statement(priced.deployment, database_bare, priced.tenant.org_id)
    expected_rows = workload.expected_intervals(workload.price_year(), workload.READ_DAY) + 1
    if rows != expected_rows:
        raise RuntimeError(f"bare statement: {rows} price rows, expected {expected_rows}")
    with (
        stack.running(bare_server(priced.deployment, body_file, template, run_dir)) as bare,
        stack.running(database_bare) as bare_db,
    ):
        path = api.effective_prices_path(priced.probe)
        static_endpoint = Endpoint(
            "bare endpoint, static", bare.base_url + path, lambda: None, bare
        )
        database_endpoint = Endpoint(
            "bare endpoint, one statement", bare_db.base_url + path, lambda: None, bare_db
        )
        for endpoint in (static_endpoint, database_endpoint):
            if httpx.get(endpoint.url, timeout=10).content != body:
                raise RuntimeError(f"{endpoint.label} does not answer the captured bytes")
        product_endpoint = endpoint_for(
            product, api, priced.probe, "effective-prices", priced.deployment
        )
        log(f"read: {len(body)} bytes per answer, {rows} price rows; {settings.describe()}")
        with (
            profiled(product_endpoint, settings, "read", log),
            profiled(database_endpoint, settings, "read-bare-database", log),
        ):
            ours, bares_db, bares = compare_many(
                [product_endpoint, database_endpoint, static_endpoint], settings, log
            )
    context = {
        "response_bytes": len(body),
        "bare_statement_rows": rows,
        "connections": settings.connections,
        "seconds_per_run": settings.seconds,
        "product_runs": _summaries(ours),
        "bare_database_runs": _summaries(bares_db),
        "bare_runs": _summaries(bares),
    }
    throughput = Outcome(
        "read",
        "read: effective-prices req/s",
        "req/s",
        Goal.RATIO_AT_LEAST,
        0.6,
        samples=[r.requests_per_second for r in ours],
        baseline_label="bare endpoint, one statement",
        baseline=[r.requests_per_second for r in bares_db],
        context=context,
    )
    static = Outcome(
        "read-static",
        "read: req/s over the static bare endpoint, for context",
        "req/s",
        Goal.RATIO_AT_LEAST,
        0,
        samples=[r.requests_per_second for r in ours],
        baseline_label="bare endpoint, static",
        baseline=[r.requests_per_second for r in bares],
    )
    p99 = Outcome(
        "read-p99",
        f"read: p99 at {settings.connections} connections",
        "ms",
        Goal.VALUE_AT_MOST,
        20,
        samples=[r.p99_ms for r in ours],
        baseline_label="bare endpoint, one statement",
        baseline=[r.p99_ms for r in bares_db],
    )
    if _failed_runs(ours, bares_db, bares):
        for outcome in (throughput, static, p99):
            outcome.forced, outcome.reason = Verdict.FAILED, "wrk saw errors (see JSON)"
    return [throughput, static, p99]


def workers_target(
    priced: fixtures.PricedDatabase,
    one_worker: stack.Server,
    api: stack.Api,
    settings: Settings,
    log_dir: Path,
    log: Log,
) -> list[Outcome]:
    """Target 6: requests/s with ``--workers 2`` over one worker."""
    check_answer(api, priced.probe)
    with stack.running(stack.product_server(priced.deployment, log_dir, workers=2)) as two:
        log(f"workers: 2 vs 1; {settings.describe()}")
        a = endpoint_for(two, api, priced.probe, "effective-prices, 2 workers", priced.deployment)
        b = endpoint_for(
            one_worker, api, priced.probe, "effective-prices, 1 worker", priced.deployment
        )
        with profiled(a, settings, "read-2-workers", log):
            twos, ones = compare(a, b, settings, log)
    outcome = Outcome(
        "workers",
        "workers: 2 vs 1, req/s",
        "req/s",
        Goal.RATIO_AT_LEAST,
        1.6,
        samples=[r.requests_per_second for r in twos],
        baseline_label="1 worker",
        baseline=[r.requests_per_second for r in ones],
        context={"two_workers": _summaries(twos), "one_worker": _summaries(ones)},
    )
    if _failed_runs(twos, ones):
        outcome.forced, outcome.reason = Verdict.FAILED, "wrk saw errors (see JSON)"
    return [outcome]


def scale_target(
    small: fixtures.PricedDatabase,
    small_server: stack.Server,
    small_api: stack.Api,
    large: fixtures.PricedDatabase,
    settings: Settings,
    log_dir: Path,
    log: Log,
) -> list[Outcome]:
    """Target 5: the read's latency with 1,000 contracts stored over 10 (one connection, so
    that the figure is the service time of one request, not queueing), plus the same at
    full concurrency for context."""
    small_body = check_answer(small_api, small.probe)
    with stack.running(stack.product_server(large.deployment, log_dir)) as large_server:
        large_api = stack.Api(large_server.base_url, large.tenant)
        try:
            large_body = check_answer(large_api, large.probe)
            # Same prices and intervals; only the contract ids in the answer differ.
            if len(large_body) != len(small_body):
                log(f"  note: answers of {len(large_body)} vs {len(small_body)} bytes")
            a = endpoint_for(
                large_server,
                large_api,
                large.probe,
                f"{large.contracts} contracts",
                large.deployment,
            )
            b = endpoint_for(
                small_server,
                small_api,
                small.probe,
                f"{small.contracts} contracts",
                small.deployment,
            )
            log(f"scale: {large.contracts} vs {small.contracts}; c=1, then {settings.describe()}")
            serial = compare(a, b, settings, log, connections=1)
            loaded = compare(a, b, settings, log)
        finally:
            large_api.close()
    latency = Outcome(
        "scale",
        f"scale: p50 latency, {large.contracts} vs {small.contracts} contracts (c=1)",
        "ms",
        Goal.RATIO_AT_MOST,
        1.3,
        samples=[r.p50_ms for r in serial[0]],
        baseline_label=f"{small.contracts} contracts",
        baseline=[r.p50_ms for r in serial[1]],
        context={
            "large_serial": _summaries(serial[0]),
            "small_serial": _summaries(serial[1]),
            "large_loaded": _summaries(loaded[0]),
            "small_loaded": _summaries(loaded[1]),
            "rows_stored_large": large.contracts * len(workload.price_year()),
        },
    )
    tail = Outcome(
        "scale-p99",
        "scale: p99 latency (c=1), for context",
        "ms",
        Goal.RATIO_AT_MOST,
        1.3,
        samples=[r.p99_ms for r in serial[0]],
        baseline_label=f"{small.contracts} contracts",
        baseline=[r.p99_ms for r in serial[1]],
    )
    loaded_rate = Outcome(
        "scale-throughput",
        f"scale: req/s at c={settings.connections}, for context",
        "req/s",
        Goal.RATIO_AT_LEAST,
        1 / 1.3,
        samples=[r.requests_per_second for r in loaded[0]],
        baseline_label=f"{small.contracts} contracts",
        baseline=[r.requests_per_second for r in loaded[1]],
    )
    if _failed_runs(*serial, *loaded):
        latency.forced, latency.reason = Verdict.FAILED, "wrk saw errors (see JSON)"
    return [latency, tail, loaded_rate]


def not_yet(key: str, title: str) -> Outcome:
    return pending(key, title, "no effective-prices route in the product yet")
