"""Benchmarks of issue 6: each target as a ratio to a baseline measured in the same run.

    .venv/bin/python bench/run.py                       # every target but scale
    .venv/bin/python bench/run.py --only read --only ingest --repeat 3
    .venv/bin/python bench/run.py --only scale --scale-contracts 1000 --keep-db ec_bench_scale
    .venv/bin/python bench/run.py --quick               # smoke: 2 repeats, short runs

Sets up its own PostgreSQL database (dropped at the end), runs the product's CLI and server
as child processes on 127.0.0.1, prints a table of medians, baselines, ratios and verdicts,
and writes everything it measured to bench/results/. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import decode
import fixtures
import ingest
import loadgen
import read
import report
import stack
import tariffs
from report import Outcome, Verdict, pending

TARGETS = ("decode", "read", "workers", "scale", "ingest", "tariffs")
BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
READ_CONTRACTS = 10
NOISY_LOAD = 0.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=TARGETS,
        help="run only this target (repeatable); default: all but scale unless "
        "--scale-contracts is given",
    )
    parser.add_argument("--repeat", type=int, default=5, help="measurements per target (5)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--warmup", type=float, default=3, help="wrk warm-up seconds (3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument(
        "--decode-repeat", type=int, default=30, help="timed calls per decoder (30)"
    )
    parser.add_argument(
        "--scale-contracts",
        type=int,
        default=0,
        metavar="N",
        help="run the scale target with N contracts × a year of quarter hours (1000 = 35 M "
        "rows; minutes to build)",
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="keep the scale database under this name and reuse it in later runs",
    )
    parser.add_argument(
        "--keep-run-db", action="store_true", help="do not drop this run's database (debugging)"
    )
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server, without a database (default: %(default)s)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="one extra untimed run per target under py-spy"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: --repeat 2 --duration 3 --warmup 1"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.duration, args.warmup, args.decode_repeat = 2, 3, 1, 10
    selected = set(args.only or [t for t in TARGETS if t != "scale" or args.scale_contracts])
    if "scale" in selected and args.scale_contracts <= 0:
        parser.error("the scale target needs --scale-contracts N (e.g. 1000)")
    if args.keep_db and not args.scale_contracts:
        parser.error("--keep-db names the scale database: give --scale-contracts too")
    if args.repeat < 1 or args.duration < 1:
        parser.error("--repeat and --duration must be at least 1")
    args.targets = [t for t in TARGETS if t in selected]
    return args


class Run:
    """This run's database, its one-worker product server and API client, made on demand."""

    def __init__(self, args: argparse.Namespace, run_dir: Path, stack_: contextlib.ExitStack):
        self.args = args
        self.run_dir = run_dir
        self.exit = stack_
        self.postgres = stack.Postgres(args.pg)
        self.name = f"ec_bench_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
        self._deployment: stack.Deployment | None = None
        self._server: stack.Server | None = None
        self._priced: fixtures.PricedDatabase | None = None
        self._apis: dict[str, stack.Api] = {}

    @property
    def deployment(self) -> stack.Deployment:
        if self._deployment is None:
            self.postgres.create(self.name)
            if not self.args.keep_run_db:
                self.exit.callback(self._drop)
            data_dir = Path(tempfile.mkdtemp(prefix="bench-data-"))
            self.exit.callback(shutil.rmtree, data_dir, ignore_errors=True)
            self._deployment = stack.Deployment(self.name, self.postgres.url(self.name), data_dir)
            self._deployment.prepare()
            log(f"database {self.name} created and migrated")
        return self._deployment

    def _drop(self) -> None:
        self.postgres.drop(self.name)
        log(f"database {self.name} dropped")

    @property
    def priced(self) -> fixtures.PricedDatabase:
        """The read fixture: READ_CONTRACTS contracts with a year of prices each."""
        if self._priced is None:
            log(f"read fixture: {READ_CONTRACTS} contracts × a year of quarter hours")
            self._priced = fixtures.build(
                self.postgres, self.deployment, READ_CONTRACTS, self.run_dir, log
            )
        return self._priced

    @property
    def server(self) -> stack.Server:
        if self._server is None:
            server = stack.product_server(self.deployment, self.run_dir)
            self.exit.enter_context(stack.running(server))
            self._server = server
        return self._server

    def api(self, tenant: stack.Tenant) -> stack.Api:
        key = str(tenant.org_id)
        if key not in self._apis:
            api = stack.Api(self.server.base_url, tenant)
            self.exit.callback(api.close)
            self._apis[key] = api
        return self._apis[key]

    def read_settings(self) -> read.Settings:
        return read.Settings(
            repeat=self.args.repeat,
            seconds=self.args.duration,
            warmup_seconds=self.args.warmup,
            connections=self.args.connections,
            profile_dir=self.run_dir if self.args.profile else None,
        )

    def has_route(self, suffix: str) -> bool:
        """Whether the product's OpenAPI document has a path ending in ``suffix`` yet."""
        answer = httpx.get(f"{self.server.base_url}{stack.API}/openapi.json", timeout=60)
        stack.expect(answer, 200)
        return any(path.endswith(suffix) for path in answer.json()["paths"])


EFFECTIVE_PRICES = "/buildings/{building_id}/effective-prices"
PUT_PRICES = "/energy-contracts/{contract_id}/prices"


def run_target(target: str, run: Run) -> list[Outcome]:
    args = run.args
    if target == "decode":
        return decode.run(args.decode_repeat, log)
    if target == "ingest":
        if not run.has_route(PUT_PRICES):
            return ingest.not_yet()
        tenant = run.deployment.create_tenant("Bench Ingest")
        profile_dir = run.run_dir if args.profile else None
        return ingest.run(
            run.postgres, run.deployment, run.server, run.api(tenant), args.repeat, profile_dir, log
        )
    if target == "tariffs":
        if not run.has_route("/tariffs"):
            return tariffs.not_yet()
        tenant = run.deployment.create_tenant("Bench Tariffs")
        return tariffs.run(
            run.postgres,
            run.deployment,
            run.server,
            run.api(tenant),
            args.repeat,
            run.read_settings(),
            log,
        )
    titles = {
        "read": "read: effective-prices req/s",
        "workers": "workers: 2 vs 1, req/s",
        "scale": "scale: latency, many vs 10 contracts",
    }
    if not run.has_route(EFFECTIVE_PRICES):
        return [read.not_yet(target, titles[target])]
    priced = run.priced
    api = run.api(priced.tenant)
    settings = run.read_settings()
    if target == "read":
        return read.read_target(priced, run.server, api, settings, run.run_dir, log)
    if target == "workers":
        return read.workers_target(priced, run.server, api, settings, run.run_dir, log)
    large = scale_database(run)
    return read.scale_target(priced, run.server, api, large, settings, run.run_dir, log)


def scale_database(run: Run) -> fixtures.PricedDatabase:
    args = run.args
    contracts = args.scale_contracts
    if args.keep_db:
        kept = fixtures.reuse(run.postgres, args.keep_db, contracts, log)
        if kept is not None:
            return kept
        log(f"building kept scale database {args.keep_db}: {contracts} contracts (minutes)")
        return fixtures.build_kept(run.postgres, args.keep_db, contracts, run.run_dir, log)
    name = f"{run.name}_scale"
    run.postgres.create(name)
    run.exit.callback(run.postgres.drop, name)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-data-"))
    run.exit.callback(shutil.rmtree, data_dir, ignore_errors=True)
    deployment = stack.Deployment(name, run.postgres.url(name), data_dir)
    log(f"building scale database {name}: {contracts} contracts (use --keep-db to keep it)")
    return fixtures.build(run.postgres, deployment, contracts, run.run_dir, log)


def _stop_on_sigterm(signum: int, _frame: object) -> None:
    # Unwind like Ctrl-C: servers stopped, databases dropped.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    loadgen.wrk_path()  # fail before any setup if the load generator is missing
    started = time.time()
    load_before = os.getloadavg()
    if load_before[0] > NOISY_LOAD:
        log(f"warning: load average {load_before[0]:.2f}: other work is running, figures are noisy")
    run_dir = Path(tempfile.mkdtemp(prefix="bench-run-"))
    outcomes: list[Outcome] = []
    postgres = stack.Postgres(args.pg)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with contextlib.ExitStack() as exit_stack:
        run = Run(args, run_dir, exit_stack)
        for target in args.targets:
            log(f"== {target}")
            try:
                outcomes.extend(run_target(target, run))
            except Exception as exc:  # one broken target must not hide the others' figures
                log(f"{target} failed: {exc!r}")
                outcomes.append(
                    pending(target, target, f"{type(exc).__name__}: {exc}", verdict=Verdict.FAILED)
                )
    load_after = os.getloadavg()
    print()
    print(report.table(outcomes))
    payload: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": report.machine(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "noisy": max(load_before[0], load_after[0]) > NOISY_LOAD,
        "postgres": postgres.facts(),
        "wrk": loadgen.wrk_version(),
        "logs_and_profiles": str(run_dir),
        "outcomes": [o.as_json() for o in outcomes],
    }
    path = report.write(args.results_dir, payload)
    print(f"\nresults: {path}\nserver logs and profiles: {run_dir}")
    return 1 if any(o.verdict is Verdict.FAILED for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
