"""The CLI as an operator runs it: subprocesses against real databases (SPEC §9)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from energy_contracts.cli import app
from energy_contracts.db import migrate
from energy_contracts.settings import ENV_PREFIX, Settings
from tests.support.databases import postgres_server, throwaway_postgres_database
from tests.support.server import free_port

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POINT_ELSEWHERE = (
    "Point at one with --database-url, ENERGY_CONTRACTS_DATABASE_URL or ENERGY_CONTRACTS_DATA_DIR"
)


def run_cli(
    settings: Settings,
    *args: str,
    check: bool = True,
    database_url: str | None = None,
    columns: int = 80,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENERGY_CONTRACTS_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "ENERGY_CONTRACTS_DATA_DIR": str(settings.data_dir),
        "ENERGY_CONTRACTS_LOG_FORMAT": "json",
        "COLUMNS": str(columns),
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


def run_in(
    directory: Path, *args: str, columns: int = 80, **variables: str
) -> subprocess.CompletedProcess[str]:
    """The command as typed in ``directory`` by someone with no ENERGY_CONTRACTS_* set but
    ``variables`` (given without the prefix)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    env.update({f"{ENV_PREFIX}{name}": value for name, value in variables.items()})
    env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "energy_contracts", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=directory,
        timeout=60,
    )


def plain_url(url: str) -> str:
    """What an operator types: postgresql://… and sqlite:///…, without driver names."""
    return url.replace("+asyncpg", "").replace("+aiosqlite", "")


def columns_of(line: str) -> list[str]:
    return re.split(r" {2,}", line)


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


async def test_tables_keep_whole_ids_on_a_narrow_terminal(migrated: Settings) -> None:
    name = "Stadtwerke mit einem sehr langen Namen GmbH & Co. KG [Netz Süd]"
    org_id = json.loads(
        run_cli(migrated, "org", "create", "--name", name, "--currency", "EUR",
                "--timezone", "Europe/Vienna", "--json").stdout
    )["id"]  # fmt: skip
    client_id = json.loads(
        run_cli(migrated, "client", "create", "--org", org_id, "--name", "narrow", "--json").stdout
    )["client_id"]

    organisations = run_cli(migrated, "org", "list", columns=60).stdout.splitlines()
    clients = run_cli(migrated, "client", "list", "--org", org_id, columns=60).stdout.splitlines()

    assert columns_of(organisations[0]) == ["id", "name", "billing_currency", "timezone"]
    assert [columns_of(line) for line in organisations if line.startswith(org_id)] == [
        [org_id, name, "EUR", "Europe/Vienna"]
    ]
    assert columns_of(clients[0]) == ["client_id", "name", "scope", "created_at", "revoked_at"]
    assert len(clients) == 2
    client_id_cell, label, scope, created_at = columns_of(clients[1])
    assert (client_id_cell, label, scope) == (client_id, "narrow", "read write")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", created_at)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "create", "--name", "X", "--currency", "EURO"], "not an ISO 4217"),
        (["org", "create", "--name", "X", "--currency", "XAU"], "not an ISO 4217"),
        (["org", "create", "--name", "X", "--currency", "EUR", "--timezone", "Mars/Base"],
         "not an IANA time zone"),
        (["client", "create", "--org", str(uuid.uuid4())], "No such organisation"),
        (["client", "list", "--org", str(uuid.uuid4())], "No such organisation"),
        (["client", "revoke", "ec_nobody"], "No client ec_nobody"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_clear_error(
    migrated: Settings, args: list[str], message: str
) -> None:
    result = run_cli(migrated, *args, check=False)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert result.stdout == ""


async def test_an_org_id_that_is_no_uuid_is_a_usage_error(migrated: Settings) -> None:
    result = run_cli(migrated, "client", "list", "--org", "784daedc-2095-49ab", check=False)

    assert result.returncode == 2
    assert "Invalid value for '--org'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


async def test_bad_configuration_names_the_variable(migrated: Settings) -> None:
    result = run_cli(migrated, "org", "list", check=False, database_url="mysql://x@y/z")
    assert result.returncode == 2
    assert "ENERGY_CONTRACTS_DATABASE_URL" in result.stderr


async def test_migrate_is_idempotent(migrated: Settings) -> None:
    result = run_cli(migrated, "migrate")
    assert "migrations applied" in result.stderr


# --- the first hour: no database, the wrong database ---------------------------------------

COMMANDS_THAT_NEED_A_DATABASE = [
    ["org", "list"],
    ["org", "list", "--json"],
    ["org", "create", "--name", "Wien Energie", "--currency", "EUR"],
    ["client", "list", "--org", "784daedc-2095-49ab-8eaa-7c1c4f3d2b10"],
    ["client", "create", "--org", "784daedc-2095-49ab-8eaa-7c1c4f3d2b10", "--json"],
    ["client", "revoke", "ec_00000000000000000000000000000000"],
    ["idempotency", "purge"],
]


@pytest.mark.parametrize("args", COMMANDS_THAT_NEED_A_DATABASE, ids=" ".join)
def test_without_a_database_a_command_says_where_it_looked(tmp_path: Path, args: list[str]) -> None:
    result = run_in(tmp_path, *args)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: no database at {tmp_path / 'var' / 'energy-contracts.db'}",
        f"{POINT_ELSEWHERE}; `energy-contracts migrate` or `serve` creates it.",
    ]
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing created, not even var/


def test_the_data_directory_and_a_sqlite_url_are_where_it_looks(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    in_data_dir = run_in(tmp_path, "org", "list", DATA_DIR=str(data_dir))
    missing_file = tmp_path / "elsewhere" / "prices.db"
    by_url = run_in(tmp_path, "--database-url", f"sqlite:///{missing_file}", "org", "list")

    assert in_data_dir.returncode == by_url.returncode == 1
    assert in_data_dir.stderr.splitlines()[0] == (
        f"error: no database at {data_dir / 'energy-contracts.db'}"
    )
    assert by_url.stderr.splitlines()[0] == f"error: no database at {missing_file}"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]
    assert list(data_dir.iterdir()) == []


def test_migrate_creates_the_database_the_others_then_use(tmp_path: Path) -> None:
    migrated = run_in(tmp_path, "migrate")
    created = run_in(tmp_path, "org", "create", "--name", "First", "--currency", "EUR", "--json")
    listed = run_in(tmp_path, "org", "list", "--json")

    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stderr == "migrations applied\n"
    assert (tmp_path / "var" / "energy-contracts.db").is_file()
    assert json.loads(listed.stdout) == [json.loads(created.stdout)]


def test_a_file_that_is_no_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "energy-contracts.db").write_text("id,name\n")

    result = run_in(tmp_path, "org", "list")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot read the database at {tmp_path / 'var' / 'energy-contracts.db'}: "
        "file is not a database",
        f"{POINT_ELSEWHERE}.",
    ]


def test_a_sqlite_database_that_was_never_migrated_is_named(tmp_path: Path) -> None:
    path = tmp_path / "var" / "energy-contracts.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")

    result = run_in(tmp_path, "client", "list", "--org", str(uuid.uuid4()))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: the database at {path} is not migrated yet",
        "`energy-contracts migrate` creates its tables.",
    ]
    with sqlite3.connect(path) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert [name for (name,) in tables] == ["notes"]


FIRST_REVISION = ScriptDirectory.from_config(migrate.alembic_config()).get_base()


@pytest.mark.parametrize(
    ("stamped", "lines"),
    [
        (FIRST_REVISION, ["is not up to date", "`energy-contracts migrate` upgrades it."]),
        (
            "fffffffffff0",
            ["is at revision fffffffffff0, which only a newer energy-contracts knows"],
        ),
    ],
    ids=["older", "newer"],
)
def test_a_database_at_another_schema_revision_is_named(
    tmp_path: Path, stamped: str, lines: list[str]
) -> None:
    assert run_in(tmp_path, "migrate").returncode == 0
    path = tmp_path / "var" / "energy-contracts.db"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (stamped,))

    result = run_in(tmp_path, "org", "list", "--json")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: the database at {path} {lines[0]}", *lines[1:]]
    assert result.stdout == ""


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    yield from throwaway_postgres_database(in_ci=IN_CI)


def test_a_postgres_database_that_was_never_migrated_is_named(
    tmp_path: Path, empty_postgres_database: str
) -> None:
    result = run_in(tmp_path, "--database-url", empty_postgres_database, "org", "list")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: the database at {empty_postgres_database} is not migrated yet",
        "`energy-contracts migrate` creates its tables.",
    ]
    with psycopg.connect(empty_postgres_database) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_an_unreachable_postgres_server_is_named(tmp_path: Path) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/energy"

    result = run_in(tmp_path, "--database-url", url, "org", "create", "--name", "X",
                    "--currency", "EUR")  # fmt: skip

    assert result.returncode == 1
    first, second = result.stderr.splitlines()
    assert first.startswith(
        f"error: cannot connect to the database at {url.replace('hunter2', '***')}: "
    )
    assert "Connect call failed" in first
    assert second == f"{POINT_ELSEWHERE}."
    assert result.stdout == ""


def test_a_database_missing_on_the_postgres_server_is_named(tmp_path: Path) -> None:
    server = postgres_server()
    if server is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = f"{server.admin_url.rsplit('/', 1)[0]}/ec_test_never_created"

    result = run_in(tmp_path, "org", "list", DATABASE_URL=url)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot connect to the database at {url}: "
        'database "ec_test_never_created" does not exist',
        f"{POINT_ELSEWHERE}.",
    ]


# --- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        (["org", "list"], ["--json"]),
        (["prices", "import", "csv"], ["--decimal-comma", "--resolve-ambiguous-by-order"]),
        (["prices", "import", "entsoe"], ["--dry-run", "--json"]),
    ],
)
def test_help_shows_flags_whole_and_without_a_type(command: list[str], flags: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "60"})

    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert "…" not in result.stdout
    option_names = {line.split()[0] for line in result.stdout.splitlines() if line[2:4] == "--"}
    assert set(flags) <= option_names


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

    again = run_in(tmp_path, "key", "generate", "--out", str(target))
    assert again.returncode == 1
    assert again.stderr == f"error: cannot write {target}: File exists\n"
