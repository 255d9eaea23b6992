"""Outcomes of the targets: medians, ratios, verdicts; the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any


class Goal(StrEnum):
    RATIO_AT_LEAST = "ratio ≥"
    RATIO_AT_MOST = "ratio ≤"
    VALUE_AT_MOST = "median ≤"


class Verdict(StrEnum):
    PASS = "PASS"  # noqa: S105 - a verdict, not a password
    GAP = "GAP"
    PENDING = "PENDING"  # what the target measures is not in the product yet
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"  # the measurement itself failed (errors, wrong answers)


@dataclass
class Outcome:
    """One target. ``ratio`` is median(samples) / median(baseline)."""

    key: str
    title: str
    unit: str
    goal: Goal
    threshold: float
    samples: list[float] = field(default_factory=list)
    baseline_label: str = ""
    baseline: list[float] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    forced: Verdict | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        median, base = self.median, self.baseline_median
        if median is None or not base:
            return None
        return median / base

    @property
    def verdict(self) -> Verdict:
        if self.forced is not None:
            return self.forced
        judged = self.median if self.goal is Goal.VALUE_AT_MOST else self.ratio
        if judged is None:
            return Verdict.PENDING
        good = (
            judged >= self.threshold
            if self.goal is Goal.RATIO_AT_LEAST
            else (judged <= self.threshold)
        )
        return Verdict.PASS if good else Verdict.GAP

    @property
    def goal_text(self) -> str:
        suffix = f" {self.unit}" if self.goal is Goal.VALUE_AT_MOST else ""
        return f"{self.goal.value} {self.threshold:g}{suffix}"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "goal": self.goal_text,
            "median": self.median,
            "samples": self.samples,
            "baseline": self.baseline_label,
            "baseline_median": self.baseline_median,
            "baseline_samples": self.baseline,
            "ratio": self.ratio,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "context": self.context,
        }


def pending(key: str, title: str, reason: str, *, verdict: Verdict = Verdict.PENDING) -> Outcome:
    outcome = Outcome(key, title, "", Goal.RATIO_AT_LEAST, 0, reason=reason)
    outcome.forced = verdict
    return outcome


def _figure(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _spread(values: list[float]) -> str:
    if len(values) < 2:
        return ""
    return f" [{_figure(min(values))}…{_figure(max(values))}]"


def table(outcomes: list[Outcome]) -> str:
    rows = [("target", "median [min…max]", "baseline median", "ratio", "goal", "verdict")]
    for o in outcomes:
        unit = f" {o.unit}" if o.unit else ""
        baseline = (
            f"{_figure(o.baseline_median)}{unit}{_spread(o.baseline)} ({o.baseline_label})"
            if o.baseline
            else "–"
        )
        rows.append(
            (
                o.title,
                f"{_figure(o.median)}{unit}{_spread(o.samples)}" if o.samples else "–",
                baseline,
                "–" if o.ratio is None else f"{o.ratio:.3f}",
                o.goal_text if o.forced is None else "",
                o.verdict.value + (f": {o.reason}" if o.reason else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
        if index == 0:
            lines.append("  ".join("-" * width for width in [*widths, 7]))
    return "\n".join(lines)


def _git(*arguments: str) -> str:
    done = subprocess.run(
        ["git", *arguments], capture_output=True, text=True, check=False, timeout=10
    )
    return done.stdout.strip()


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def machine() -> dict[str, Any]:
    packages = (
        "litestar",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "asyncpg",
        "msgspec",
        "pydantic",
        "prometheus_client",
        "psycopg",
    )
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "load_average": os.getloadavg(),
    }


def write(results_dir: Path, payload: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    commit = _git("rev-parse", "--short", "HEAD") or "nogit"
    payload = {
        **payload,
        "git": {
            "commit": commit,
            "dirty": bool(_git("--no-optional-locks", "status", "--porcelain", "--", "src")),
        },
    }
    path = results_dir / f"{stamp}-{commit}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    latest = results_dir / "latest.json"
    latest.unlink(missing_ok=True)
    latest.symlink_to(path.name)
    return path
