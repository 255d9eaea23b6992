"""The pricing core in process: the scaled-integer core against the Fraction core it replaced.

    .venv/bin/python bench/pricing_core.py                  # every case
    .venv/bin/python bench/pricing_core.py --only read --only read-60 --repeat 15

Each case runs the same question through both cores on the benchmark's price year
(``workload``: Europe/Vienna, quarter hours of 2024, a day of 96 prices), after checking that
both give the same answer, Decimal for Decimal. Two cases measure the new core alone: the day
read with SPEC §11's example tariff added, against the same read without (the issue's target:
within 1.2×), with the tariff's curve made per read, and made once as the bulk read shares
it. Calls are timed in batches of at least ``--batch-seconds``, the two sides alternating, in
CPU time of the process, so that a noisy neighbour slows both alike and little; the table
gives the median time per call, the baseline's, and their ratio. The old core is the unit
tests' oracle, ``tests/unit/pricing/fraction_core``. Not part of the test suite; see
docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import report
import workload
from energy_contracts import pricing
from report import Goal, Outcome

REPO = Path(__file__).resolve().parent.parent
CASES = (
    "read",
    "read-60",
    "cheapest-window",
    "cheapest-slots",
    "read-tariff",
    "read-tariff-shared",
    "cost-year",
    "resample-year",
)
WARMUP_CALLS = 3
NOISY_LOAD = 0.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def old_core() -> ModuleType:
    """The frozen Fraction core of the unit tests (importable from the repository root)."""
    if str(REPO) not in sys.path:
        sys.path.append(str(REPO))
    return importlib.import_module("tests.unit.pricing.fraction_core")


@dataclass(frozen=True)
class Case:
    """``measured`` against ``baseline``: the new core against the old on one question
    (``same_answer``: both must answer it digit for digit alike), or two questions of the
    new core (with a tariff against without)."""

    key: str
    title: str
    unit: str  # "µs" or "ms" per call
    goal: Goal
    threshold: float
    measured: Callable[[], Any]
    baseline: Callable[[], Any]
    context: dict[str, Any]
    baseline_label: str = "Fraction core"
    same_answer: bool = True


@dataclass(frozen=True)
class Day:
    """The read fixture: one day of the price year as the repository hands it over."""

    tz: ZoneInfo
    start: datetime
    end: datetime
    rows: list[tuple[datetime, Decimal]]  # the day's prices and the entry before the day


def read_day() -> Day:
    year = workload.price_year()
    tz = ZoneInfo(workload.TIMEZONE)
    start, end = pricing.local_day_bounds(workload.READ_DAY, tz)
    step = timedelta(minutes=workload.INTERVAL_MINUTES)
    rows = [
        (instant, workload.price_decimal(units))
        for instant, units in zip(year.instants, year.units, strict=True)
        if start - step <= instant < end
    ]
    return Day(tz, start, end, rows)


def year_rows() -> list[tuple[datetime, Decimal]]:
    year = workload.price_year()
    return list(zip(year.instants, year.prices(), strict=True))


def metered_year(rows: list[tuple[datetime, Decimal]]) -> list[pricing.Consumption]:
    """A meter's year: one reading per quarter hour, kWh with three places, as sent."""
    step = timedelta(minutes=workload.INTERVAL_MINUTES)
    return [
        pricing.Consumption(instant, instant + step, Decimal(f"0.{(index * 37) % 900 + 100}"))
        for index, (instant, _) in enumerate(rows)
    ]


def spot_curve(core: ModuleType, rows: list[tuple[datetime, Decimal]], tz: ZoneInfo) -> Any:
    return core.build_curve_from_pairs(
        rows,
        pricing.ContractType.SPOT_HOURLY,
        interval_minutes=workload.INTERVAL_MINUTES,
        tz=tz,
        origin="contract",
    )


def read_answer(core: ModuleType, day: Day, interval: int | None) -> Callable[[], Any]:
    """What ``effective/service.py: effective_answer`` asks of the core for one day."""

    def answer() -> Any:
        curve = spot_curve(core, day.rows, day.tz)
        segments = (
            core.resample(curve, day.start, day.end, interval, day.tz)
            if interval
            else core.tile(curve, day.start, day.end)
        )
        return segments, core.levels([segment.price for segment in segments])

    return answer


def vienna_tariff(tz: ZoneInfo) -> pricing.Tariff:
    """SPEC §11's example: a winter night rate and a weekday evening peak on the grid, a
    default rate, a flat levy, 20 % VAT (not on negative prices)."""
    winter = (1, 2, 3, 10, 11, 12)
    return pricing.Tariff(
        tz,
        (
            pricing.TariffComponent(
                "grid energy",
                pricing.ComponentKind.GRID,
                windows=(
                    pricing.TariffWindow(Decimal("0.0225"), 0, 6 * 60, winter),
                    pricing.TariffWindow(
                        Decimal("0.1124"), 17 * 60, 20 * 60, winter, (1, 2, 3, 4, 5)
                    ),
                ),
                default_price=Decimal("0.0749"),
            ),
            pricing.TariffComponent(
                "electricity levy", pricing.ComponentKind.LEVY, price=Decimal("0.015")
            ),
        ),
        vat_percent=Decimal(20),
        vat_on_negative=False,
        standing_charge_per_day=Decimal("0.41"),
    )


def read_with_tariff(day: Day, tariff: pricing.Tariff, *, shared: bool) -> Callable[[], Any]:
    """The day read with a tariff added: the tariff's curve of the day made for this read, or
    (``shared``) made once, as the bulk read shares it between buildings."""
    surcharges = pricing.tariff_curve(tariff, day.start, day.end)

    def answer() -> Any:
        curve = spot_curve(pricing, day.rows, day.tz)
        day_surcharges = surcharges if shared else pricing.tariff_curve(tariff, day.start, day.end)
        totals = pricing.with_tariff(curve, day_surcharges, tariff)
        segments = pricing.tile(totals, day.start, day.end)
        return segments, pricing.levels([segment.price for segment in segments])

    return answer


def cases(selected: set[str]) -> list[Case]:
    old = old_core()
    new: ModuleType = pricing
    day = read_day()
    found: list[Case] = []
    faster = (Goal.RATIO_AT_MOST, 1.0)  # never slower than the core it replaced
    read_context = {"intervals": len(day.rows) - 1, "day": str(workload.READ_DAY)}
    if "read" in selected:
        found.append(
            Case(
                "read",
                "day read: curve, tile, levels",
                "µs",
                *faster,
                read_answer(new, day, None),
                read_answer(old, day, None),
                read_context,
            )
        )
    if "read-60" in selected:
        found.append(
            Case(
                "read-60",
                "day read, interval=60",
                "µs",
                *faster,
                read_answer(new, day, 60),
                read_answer(old, day, 60),
                read_context,
            )
        )
    day_curve = spot_curve(new, day.rows, day.tz)
    if "cheapest-window" in selected:
        found.append(
            Case(
                "cheapest-window",
                "cheapest 2 h window of a day",
                "µs",
                *faster,
                lambda: new.cheapest_window(day_curve, day.start, day.end, 120),
                lambda: old.cheapest_window(day_curve, day.start, day.end, 120),
                read_context,
            )
        )
    if "cheapest-slots" in selected:
        found.append(
            Case(
                "cheapest-slots",
                "cheapest 2 h of 15-min slots",
                "µs",
                *faster,
                lambda: new.cheapest_slots(day_curve, day.start, day.end, 120, 15, day.tz),
                lambda: old.cheapest_slots(day_curve, day.start, day.end, 120, 15, day.tz),
                read_context,
            )
        )
    if {"read-tariff", "read-tariff-shared"} & selected:
        tariff = vienna_tariff(day.tz)
        within = (Goal.RATIO_AT_MOST, 1.2)  # the target for a read with a tariff
        for key, title, shared in (
            ("read-tariff", "day read with a tariff", False),
            ("read-tariff-shared", "day read, tariff curve shared", True),
        ):
            if key in selected:
                found.append(
                    Case(
                        key,
                        title,
                        "µs",
                        *within,
                        read_with_tariff(day, tariff, shared=shared),
                        read_answer(new, day, None),
                        read_context,
                        baseline_label="without tariff",
                        same_answer=False,
                    )
                )
    if {"cost-year", "resample-year"} & selected:
        rows = year_rows()
        year_curve = spot_curve(new, rows, day.tz)
        first, last = year_curve[0].start, year_curve[-1].end
        year_context = {"prices": len(rows)}
        if "cost-year" in selected:
            consumption = metered_year(rows)
            found.append(
                Case(
                    "cost-year",
                    "cost of a year of quarter hours",
                    "ms",
                    *faster,
                    lambda: new.cost(year_curve, consumption),
                    lambda: old.cost(year_curve, consumption),
                    {**year_context, "consumptions": len(consumption)},
                )
            )
        if "resample-year" in selected:
            found.append(
                Case(
                    "resample-year",
                    "a year resampled to hours",
                    "ms",
                    *faster,
                    lambda: new.resample(year_curve, first, last, 60, day.tz),
                    lambda: old.resample(year_curve, first, last, 60, day.tz),
                    year_context,
                )
            )
    return found


def calls_per_batch(function: Callable[[], Any], batch_seconds: float) -> int:
    """How many calls take about ``batch_seconds`` (doubling until a tenth of it is seen)."""
    calls = 1
    while True:
        started = time.process_time()
        for _ in range(calls):
            function()
        elapsed = time.process_time() - started
        if elapsed >= batch_seconds / 10:
            return max(1, round(calls * batch_seconds / elapsed))
        calls *= 2


def time_batch(function: Callable[[], Any], calls: int, unit: str) -> float:
    """CPU time per call, in ``unit``, over one batch of ``calls``; a collection first, so
    that one batch's garbage is not billed to the next. CPU time of this process, not wall
    time: the work is single-threaded, and other processes on the machine then count less."""
    gc.collect()
    started = time.process_time_ns()
    for _ in range(calls):
        function()
    per_call_ns = (time.process_time_ns() - started) / calls
    return per_call_ns / (1e3 if unit == "µs" else 1e6)


def measure(case: Case, repeat: int, batch_seconds: float) -> Outcome:
    # Digit for digit, not merely equal in value.
    if case.same_answer and repr(case.measured()) != repr(case.baseline()):
        raise RuntimeError(f"{case.key}: the two cores disagree")
    for _ in range(WARMUP_CALLS):
        case.measured()
        case.baseline()
    measured_calls = calls_per_batch(case.measured, batch_seconds)
    baseline_calls = calls_per_batch(case.baseline, batch_seconds)
    measured: list[float] = []
    baseline: list[float] = []
    for _ in range(repeat):
        measured.append(time_batch(case.measured, measured_calls, case.unit))
        baseline.append(time_batch(case.baseline, baseline_calls, case.unit))
    log(
        f"{case.key}: {statistics.median(measured):.1f} {case.unit}, "
        f"{case.baseline_label} {statistics.median(baseline):.1f} {case.unit} "
        f"({measured_calls} and {baseline_calls} calls a batch)"
    )
    return Outcome(
        case.key,
        case.title,
        case.unit,
        case.goal,
        case.threshold,
        samples=measured,
        baseline_label=case.baseline_label,
        baseline=baseline,
        context={
            **case.context,
            "calls_per_batch": {"measured": measured_calls, "baseline": baseline_calls},
        },
    )


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", action="append", choices=CASES, help="this case (repeatable)")
    parser.add_argument("--repeat", type=int, default=7, help="batches per core and case (7)")
    parser.add_argument(
        "--batch-seconds", type=float, default=0.2, help="length of one batch (0.2 s)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.batch_seconds <= 0:
        parser.error("--repeat must be at least 1 and --batch-seconds positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    load = os.getloadavg()[0]
    if load > NOISY_LOAD:
        log(f"warning: load average {load:.2f}: other work is running, figures are noisy")
    started = datetime.now(UTC)
    outcomes = [
        measure(case, args.repeat, args.batch_seconds) for case in cases(set(args.only or CASES))
    ]
    print()
    print(report.table(outcomes))
    python = sys.version.split()[0]
    print(f"\n{started:%Y-%m-%d %H:%M} UTC, load average {load:.2f}, Python {python}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
