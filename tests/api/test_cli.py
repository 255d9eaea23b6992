"""The CLI as an operator runs it: subprocesses against real databases (SPEC §9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from energy_contracts.settings import Settings


def run_cli(
    settings: Settings, *args: str, check: bool = True, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENERGY_CONTRACTS_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "ENERGY_CONTRACTS_DATA_DIR": str(settings.data_dir),
        "ENERGY_CONTRACTS_LOG_FORMAT": "json",
    }
    env.pop("ENERGY_CONTRACTS_DATABASE_URL", None)
    url = database_url or plain_url(settings.database_url)
    result = subprocess.run(
        [sys.executable, "-m", "energy_contracts", "--database-url", url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def plain_url(url: str) -> str:
    """What an operator types: postgresql://… and sqlite:///…, without driver names."""
    return url.replace("+asyncpg", "").replace("+aiosqlite", "")


async def test_org_and_client_lifecycle(migrated: Settings) -> None:
    created = run_cli(
        migrated, "org", "create", "--name", "Wien Energie", "--currency", "eur",
        "--timezone", "Europe/Vienna", "--json",
    )  # fmt: skip
    organisation = json.loads(created.stdout)
    assert set(organisation) == {"id", "name", "billing_currency", "timezone"}
    assert organisation["name"] == "Wien Energie"
    assert organisation["billing_currency"] == "EUR"
    assert organisation["timezone"] == "Europe/Vienna"
    org_id = organisation["id"]
    uuid.UUID(org_id)

    listed = json.loads(run_cli(migrated, "org", "list", "--json").stdout)
    assert organisation in listed

    client = json.loads(
        run_cli(migrated, "client", "create", "--org", org_id, "--scope", "read", "--json").stdout
    )
    assert set(client) == {"client_id", "client_secret", "org_id", "scope"}
    assert client["org_id"] == org_id
    assert client["scope"] == "read"
    assert len(client["client_secret"]) >= 40

    clients = json.loads(run_cli(migrated, "client", "list", "--org", org_id, "--json").stdout)
    assert [c["client_id"] for c in clients] == [client["client_id"]]
    assert clients[0]["revoked_at"] is None
    assert "client_secret" not in clients[0]
    assert client["client_secret"] not in json.dumps(clients)

    run_cli(migrated, "client", "revoke", client["client_id"])
    clients = json.loads(run_cli(migrated, "client", "list", "--org", org_id, "--json").stdout)
    assert clients[0]["revoked_at"] is not None


async def test_human_output_is_not_json(migrated: Settings) -> None:
    result = run_cli(migrated, "org", "create", "--name", "Plain", "--currency", "GBP")
    assert result.stdout.startswith("created organisation ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "create", "--name", "X", "--currency", "EURO"], "not an ISO 4217"),
        (["org", "create", "--name", "X", "--currency", "XAU"], "not an ISO 4217"),
        (["org", "create", "--name", "X", "--currency", "EUR", "--timezone", "Mars/Base"],
         "not an IANA time zone"),
        (["client", "create", "--org", str(uuid.uuid4())], "No such organisation"),
        (["client", "revoke", "ec_nobody"], "No client ec_nobody"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_clear_error(
    migrated: Settings, args: list[str], message: str
) -> None:
    result = run_cli(migrated, *args, check=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""


async def test_bad_configuration_names_the_variable(migrated: Settings) -> None:
    result = run_cli(migrated, "org", "list", check=False, database_url="mysql://x@y/z")
    assert result.returncode == 2
    assert "ENERGY_CONTRACTS_DATABASE_URL" in result.stderr


async def test_migrate_is_idempotent(migrated: Settings) -> None:
    result = run_cli(migrated, "migrate")
    assert "migrations applied" in result.stderr


def test_key_generate_writes_a_private_key(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    result = subprocess.run(
        [sys.executable, "-m", "energy_contracts", "key", "generate", "--out", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert target.stat().st_mode & 0o777 == 0o600
