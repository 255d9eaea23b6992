"""wrk, driven from Python: a Lua script adds the Authorization header and prints exact figures.

wrk's own summary rounds latencies to two decimals of a unit it picks; the ``done`` callback
prints requests, errors and latency percentiles in microseconds as one JSON line instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

INSTALL_HINT = "apt-get update && apt-get install -y wrk"
RESULT_MARK = "BENCH_RESULT "

LUA_SCRIPT = r"""
-- Written by bench/loadgen.py. The header value comes from the environment, not this file.
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization ~= nil and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
    "\"errors_connect\":%d,\"errors_read\":%d,\"errors_write\":%d," ..
    "\"errors_status\":%d,\"errors_timeout\":%d," ..
    "\"latency_mean_us\":%.3f,\"latency_max_us\":%d," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"p999_us\":%d}\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    bytes_per_request: float
    errors: int
    latency_mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    database_sessions: int | None = None
    """PostgreSQL sessions opened during the run (``pg_stat_database.sessions``), if counted."""
    load_average: float | None = None
    """The machine's 1-minute load average at the end of the run (other work shows here)."""

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, float]:
        return {**asdict(self), "requests_per_second": self.requests_per_second}


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(f"wrk is not installed: {INSTALL_HINT}")
    return found


def wrk_version() -> str:
    done = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip()


class Wrk:
    """One wrk configuration; ``run(url)`` is one bounded load run against 127.0.0.1."""

    def __init__(self, *, connections: int, threads: int = 1, timeout_s: int = 5) -> None:
        self.connections = connections
        self.threads = min(threads, connections)
        self.timeout_s = timeout_s
        self._dir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
        self.script = self._dir / "authorization.lua"
        self.script.write_text(LUA_SCRIPT)

    def close(self) -> None:
        self.script.unlink(missing_ok=True)
        self._dir.rmdir()

    def run(self, url: str, *, seconds: float, authorization: str | None) -> LoadResult:
        host = urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"load only ever targets this machine, not {host}")
        env = dict(os.environ)
        env["BENCH_AUTHORIZATION"] = authorization or ""
        argv = [
            wrk_path(),
            f"--threads={self.threads}",
            f"--connections={self.connections}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={self.timeout_s}s",
            "--latency",
            f"--script={self.script}",
            url,
        ]
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False, timeout=seconds + 60
        )
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
        return parse(done.stdout)


def parse(output: str) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            data = json.loads(line.removeprefix(RESULT_MARK))
            break
    else:
        raise RuntimeError(f"wrk printed no {RESULT_MARK.strip()} line:\n{output}")
    requests = int(data["requests"])
    errors = sum(int(data[k]) for k in data if k.startswith("errors_"))
    return LoadResult(
        requests=requests,
        seconds=data["duration_us"] / 1e6,
        bytes_per_request=data["bytes"] / requests if requests else 0.0,
        errors=errors,
        latency_mean_ms=data["latency_mean_us"] / 1000,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        p999_ms=data["p999_us"] / 1000,
        max_ms=data["latency_max_us"] / 1000,
    )
