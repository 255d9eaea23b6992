"""``prices import entsoe|awattar|csv`` before it sends anything: option rules, file errors,
the dry run, and a service that is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from energy_contracts.cli import app
from energy_contracts.settings import ENV_PREFIX
from tests.support.server import free_port

FIXTURES = Path(__file__).parent / "fixtures"
SOMEONE = ["--user", str(uuid.uuid4()), "--contract", str(uuid.uuid4())]
# Nothing listens on the discard port: a test that reached the network would fail loudly.
OFFLINE: dict[str, str | None] = {
    "ENERGY_CONTRACTS_API_URL": "http://127.0.0.1:9",
    "ENERGY_CONTRACTS_CLIENT_ID": None,
    "ENERGY_CONTRACTS_CLIENT_SECRET": None,
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["prices", "import", *args], env=OFFLINE)
    return result.exit_code, result.stdout, result.stderr


AWATTAR = str(FIXTURES / "awattar_marketdata.json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["awattar", AWATTAR, "--unit", "mwh"], "No such option: --unit"),
        (["awattar", AWATTAR, "--timezone", "UTC"], "No such option: --timezone"),
        (["csv", AWATTAR, "--resolution", "PT15M"], "No such option: --resolution"),
        (["entsoe", AWATTAR, "--decimal-comma"], "No such option: --decimal-comma"),
        (["csv", AWATTAR], "Missing option '--unit'"),
        (["awattar", AWATTAR, "--tax", "-0.1"],
         "Invalid value for '--tax': tax -0.1 is negative; give it as a fraction such as 0.20"),
        (["awattar", AWATTAR, "--charges", "NaN"], "Invalid value for '--charges'"),
        (["awattar", AWATTAR], "ENERGY_CONTRACTS_CLIENT_ID"),
        (["xml", AWATTAR], "No such command 'xml'"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_and_say_what_to_change(args: list[str], message: str) -> None:
    code, stdout, stderr = run(*args, *SOMEONE)

    assert code == 2
    assert message in stderr
    assert stdout == ""


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ([], "say where the prices go: --user USER_ID --contract CONTRACT_ID, or --series"),
        (["--user", str(uuid.uuid4())], "say where the prices go"),
        (["--series", str(uuid.uuid4()), *SOMEONE], "--series imports into a series"),
        (["--series", "not-a-uuid"], "Invalid value for '--series'"),
    ],
)
def test_the_target_is_a_contract_or_a_series(target: list[str], message: str) -> None:
    code, stdout, stderr = run("awattar", AWATTAR, "--dry-run", *target)

    assert code == 2
    assert message in " ".join(stderr.split())
    assert stdout == ""


def test_a_bad_file_names_the_place_and_the_flag(tmp_path: Path) -> None:
    file = tmp_path / "autumn.csv"
    file.write_text("timestamp,price\n2024-10-27 01:00,0.15\n2024-10-27 02:00,0.14\n")

    code, stdout, stderr = run(
        "csv", str(file), "--unit", "kwh", "--timezone", "Europe/Vienna", *SOMEONE
    )

    assert code == 1
    assert stderr == (
        f"error: {file}: line 3: local time 2024-10-27T02:00:00 is ambiguous in Europe/Vienna "
        "(it occurs twice when clocks fall back) and has no UTC offset to tell which; "
        "pass --resolve-ambiguous-by-order to resolve it by file order\n"
    )
    assert stdout == ""


def test_a_file_without_prices_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "empty.csv"
    file.write_text("timestamp,price\n")

    code, _, stderr = run("csv", str(file), "--unit", "kwh", *SOMEONE)

    assert code == 1
    assert "holds no prices" in stderr


def test_a_dry_run_shows_the_end_customer_prices() -> None:
    code, stdout, _ = run(
        "awattar", AWATTAR, *SOMEONE, "--charges", "0.12", "--tax", "0.20", "--dry-run", "--json",
    )  # fmt: skip

    assert code == 0
    shown = json.loads(stdout, parse_float=Decimal)
    assert [entry["price"] for entry in shown["sample"]] == [
        Decimal("0.2586"), Decimal("0.14016"), Decimal("0.144"), Decimal("0.288096"),
    ]  # fmt: skip
    assert (shown["min_price"], shown["max_price"]) == (Decimal("0.14016"), Decimal("0.288096"))


def test_a_human_dry_run_lists_the_first_prices() -> None:
    code, stdout, _ = run(
        "entsoe", str(FIXTURES / "entsoe_a44_pt15m_a03.xml"), *SOMEONE, "--dry-run"
    )

    assert code == 0
    assert stdout.splitlines() == [
        "dry run: nothing is sent",
        "  prices     8 in 1 batch(es) of ≤10000",
        "  currency   EUR, per kWh",
        "  interval   15 min",
        "  first      2025-09-30T22:00:00Z",
        "  last       2025-09-30T23:45:00Z",
        "  min / max  -0.00049 / 0.10237",
        "    2025-09-30T22:00:00Z  0.09550",
        "    2025-09-30T22:15:00Z  0.09710",
        "    2025-09-30T22:30:00Z  0.09710",
        "    2025-09-30T22:45:00Z  0.09710",
        "    2025-09-30T23:00:00Z  -0.00049",
        "    … 3 more",
    ]


def test_without_a_service_the_import_stops_at_once_and_says_how_to_start_one() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # a closed port: the connection is refused
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    env.update(
        ENERGY_CONTRACTS_API_URL=url,
        ENERGY_CONTRACTS_CLIENT_ID="ec_00000000000000000000000000000000",
        ENERGY_CONTRACTS_CLIENT_SECRET="not-asked-for",
    )
    command = [sys.executable, "-m", "energy_contracts", "prices", "import", "awattar", AWATTAR]

    started = time.monotonic()
    result = subprocess.run(
        [*command, *SOMEONE], capture_output=True, text=True, env=env, timeout=60
    )
    took = time.monotonic() - started

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: no service answers at {url} (ConnectError: [Errno 111] Connection refused)",
        "Set ENERGY_CONTRACTS_API_URL (or --api-url) to its address, or start one with "
        "`energy-contracts serve`; its first start prints the export lines to use.",
    ]
    assert result.stdout == ""
    assert took < 5  # the client alone would retry the refused connection for 7.5 s
