"""``prices import`` before it contacts anything: option rules, file errors, the dry run."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from energy_contracts.cli import app

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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "entsoe", "--unit", "mwh"], "--unit applies to --format csv only"),
        (["--format", "awattar", "--timezone", "UTC"], "--timezone applies to --format csv"),
        (["--format", "csv", "--resolution", "PT15M"], "--resolution applies to --format entsoe"),
        (["--format", "csv"], "--format csv needs --unit"),
        (["--format", "awattar", "--tax", "-0.1"], "tax -0.1 is negative"),
        (["--format", "awattar"], "ENERGY_CONTRACTS_CLIENT_ID"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_change(args: list[str], message: str) -> None:
    code, stdout, stderr = run(str(FIXTURES / "awattar_marketdata.json"), *args, *SOMEONE)

    assert code == 2
    assert message in stderr
    assert stdout == ""


def test_a_bad_file_names_the_place_and_the_flag(tmp_path: Path) -> None:
    file = tmp_path / "autumn.csv"
    file.write_text("timestamp,price\n2024-10-27 01:00,0.15\n2024-10-27 02:00,0.14\n")

    code, stdout, stderr = run(
        str(file), "--format", "csv", "--unit", "kwh", "--timezone", "Europe/Vienna", *SOMEONE
    )

    assert code == 1
    assert "autumn.csv: line 3: local time 2024-10-27T02:00:00 is ambiguous" in stderr
    assert "--resolve-ambiguous-by-order" in stderr
    assert stdout == ""


def test_a_file_without_prices_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "empty.csv"
    file.write_text("timestamp,price\n")

    code, _, stderr = run(str(file), "--format", "csv", "--unit", "kwh", *SOMEONE)

    assert code == 1
    assert "holds no prices" in stderr


def test_a_dry_run_shows_the_end_customer_prices() -> None:
    code, stdout, _ = run(
        str(FIXTURES / "awattar_marketdata.json"), "--format", "awattar", *SOMEONE,
        "--charges", "0.12", "--tax", "0.20", "--dry-run", "--json",
    )  # fmt: skip

    assert code == 0
    shown = json.loads(stdout, parse_float=Decimal)
    assert [entry["price"] for entry in shown["sample"]] == [
        Decimal("0.2586"), Decimal("0.14016"), Decimal("0.144"), Decimal("0.288096"),
    ]  # fmt: skip
    assert (shown["min_price"], shown["max_price"]) == (Decimal("0.14016"), Decimal("0.288096"))


def test_a_human_dry_run_lists_the_first_prices() -> None:
    code, stdout, _ = run(
        str(FIXTURES / "entsoe_a44_pt15m_a03.xml"), "--format", "entsoe", *SOMEONE, "--dry-run"
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
