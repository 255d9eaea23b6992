"""``--profile``: py-spy samples a server while one extra, untimed run loads it.

Output: py-spy's collapsed stacks (``raw`` format, one line per stack with its sample count)
and a summary of the functions that hold the most samples, inclusive and self.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import stack

INSTALL_HINT = ".venv/bin/pip install -e '.[bench]'  (py-spy)"
SAMPLES_PER_SECOND = 250


def py_spy_path() -> str:
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit(f"--profile needs py-spy: {INSTALL_HINT}")
    return found


@contextlib.contextmanager
def py_spy(server: stack.Server, out: Path, log: Callable[[str], None]) -> Iterator[None]:
    pids = server.pids()
    if not pids:
        raise RuntimeError(f"{server.name} is not running")
    argv = [
        py_spy_path(),
        "record",
        "--pid",
        str(pids[0]),
        "--subprocesses",
        "--rate",
        str(SAMPLES_PER_SECOND),
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    recorder = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        try:
            _, errors = recorder.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
            _, errors = recorder.communicate()
    if not out.exists():
        log(f"  py-spy wrote nothing: {errors.decode(errors='replace').strip()[-500:]}")
        return
    summary = out.with_suffix(".summary.txt")
    summary.write_text(summarise(out))
    log(f"  profile: {out} and {summary}")


# Inclusive figures are shown for the product's frames and the libraries it calls into, not
# for the server and framework frames that every sample passes through.
INCLUSIVE_FOR = ("energy_contracts/", "asyncpg/", "sqlalchemy/", "joserfc/", "msgspec", "json/")


# Where a sample's time goes: the innermost frame of a stack that belongs to one of these
# groups names it (first match in this order wins for a frame); a stack with none is the
# event loop's. The shares in docs/performance.md are these. Markers match the frame's text,
# ``function (path)``, so a group may name functions as well as files.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # msgspec is C: py-spy sees its time in the Python frame that called it, so the frames
    # that encode answers and decode bodies stand for it.
    (
        "msgspec (decoding bodies, encoding answers)",
        ("msgspec", "energy_contracts/api/responses.py", "energy_contracts/api/bodies.py"),
    ),
    (
        "our guards (scope, query parameters, own organisation)",
        ("require_scope (", "own_organisation (", "reject_unknown_query_parameters (", "guard"),
    ),
    ("authentication (token, caller)", ("energy_contracts/auth/",)),
    (
        "the answer (curve, tiling, levels, intervals)",
        ("energy_contracts/pricing/", "energy_contracts/effective/service.py"),
    ),
    (
        "the database (asyncpg, pool, checkout ping, statement)",
        (
            "asyncpg/",
            "sqlalchemy/",
            "greenlet",
            "energy_contracts/db/",
            "energy_contracts/effective/repository.py",
            "energy_contracts/contracts/prices.py",
        ),
    ),
    (
        "our middleware (request context, metrics, idempotency)",
        (
            "energy_contracts/observability.py",
            "energy_contracts/idempotency/",
            "energy_contracts/metrics.py",
            "prometheus_client/",
        ),
    ),
    ("our code, other (handlers, parameters)", ("energy_contracts/",)),
    ("Litestar routing (ASGI router, trie)", ("litestar/_asgi/",)),
    (
        "Litestar dependencies and parameters",
        ("litestar/_kwargs/", "litestar/di", "litestar/_signature/", "litestar/params"),
    ),
    ("Litestar, other (request, handler, response)", ("litestar/", "typing.py", "uuid.py")),
    ("uvicorn's HTTP handling", ("uvicorn/", "httptools")),
)
OTHER = "event loop and other"


def group_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, markers in GROUPS:
            if any(marker in frame for marker in markers):
                return name
    return OTHER


def summarise(raw: Path, top: int = 40) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    grouped: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(frame) for frame in stack_text.split(";")[1:]]  # [0]: the process
        for frame in set(frames):
            if any(marker in frame for marker in INCLUSIVE_FOR):
                inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
        grouped[group_of(frames)] += count
    lines = [f"{total} samples at {SAMPLES_PER_SECOND}/s (not counting idle waits)", ""]
    lines.append("by group (innermost frame of a group; see profiling.GROUPS):")
    for name, count in grouped.most_common():
        lines.append(f"  {100 * count / max(total, 1):5.1f}%  {name}")
    lines.append("")
    for title, counter in (("inclusive (product and driver frames)", inclusive), ("self", own)):
        lines.append(f"top {top} by {title} samples:")
        for frame, count in counter.most_common(top):
            lines.append(f"  {100 * count / max(total, 1):5.1f}%  {frame}")
        lines.append("")
    return "\n".join(lines)


def _short(frame: str) -> str:
    """``handler (energy_contracts/x.py:12)`` → ``handler (energy_contracts/x.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"
