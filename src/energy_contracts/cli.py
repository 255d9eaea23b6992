"""The ``energy-contracts`` command: serve, migrate, organisations, clients, keys."""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.keys import load_signing_key, new_private_key_pem
from energy_contracts.db import migrate as migrations
from energy_contracts.db.engine import Database
from energy_contracts.errors import ProblemError
from energy_contracts.feeds_cli import prices_app
from energy_contracts.idempotency.store import purge_all_expired
from energy_contracts.metrics import MULTIPROCESS_DIR_VARIABLE
from energy_contracts.observability import configure_logging
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.settings import ConfigurationError, Settings, load_settings

app = typer.Typer(
    help="energy-contracts: electricity contracts and prices for flexibility partners.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
client_app = typer.Typer(help="OAuth clients of an organisation.", no_args_is_help=True)
key_app = typer.Typer(help="Access-token signing keys.", no_args_is_help=True)
idempotency_app = typer.Typer(help="Stored Idempotency-Key answers.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(client_app, name="client")
app.add_typer(key_app, name="key")
app.add_typer(idempotency_app, name="idempotency")
app.add_typer(prices_app, name="prices")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON value, nothing else.")]


@app.callback()
def main_options(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="postgresql://user@host:port/db or sqlite:///path "
            "(default: ENERGY_CONTRACTS_DATABASE_URL, else an embedded SQLite file in ./var/).",
        ),
    ] = None,
) -> None:
    # Through the environment, so that server worker processes see the same setting.
    if database_url:
        os.environ["ENERGY_CONTRACTS_DATABASE_URL"] = database_url


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        database = Database(settings)
        try:
            async with database.session() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except ProblemError as exc:
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(1) from None


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str) + "\n")


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = _settings()
    asyncio.run(migrations.upgrade(settings))
    err.print("migrations applied")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Apply migrations, then serve the API (creating a demo organisation on first run)."""
    import uvicorn

    settings = _settings()
    try:
        load_signing_key(settings)  # fail before the workers start; creates it on first run
    except ConfigurationError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    metrics_dir = _prepare_metrics_directory(workers)
    configure_logging(settings)  # uvicorn's own lines too (log_config=None below)
    asyncio.run(migrations.upgrade(settings))
    if settings.is_sqlite:
        _create_demo_organisation_once(settings, host, port)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to die by it; a
    # shutdown that was asked for and went well exits 0 instead.
    signal.signal(signal.SIGTERM, _exit_after_graceful_shutdown)
    try:
        uvicorn.run(
            "energy_contracts.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_seconds),
            access_log=False,
            log_config=None,
            log_level=settings.log_level,
            # Forwarded headers are only believed from the proxies named in the settings:
            # from anyone else they would let a client choose the scheme of our URLs.
            proxy_headers=settings.forwarded_allow_ips is not None,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _exit_after_graceful_shutdown(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _prepare_metrics_directory(workers: int) -> Path | None:
    """Prometheus multiprocess mode for several workers: a directory they all write to,
    empty at start (stale files would add a dead process's counts). Returns the directory
    to remove at exit, if we made it."""
    configured = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return None
    if workers == 1:
        return None
    made = Path(tempfile.mkdtemp(prefix="energy-contracts-metrics-"))
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(made)  # inherited by the workers
    return made


def _create_demo_organisation_once(settings: Settings, host: str, port: int) -> None:
    async def create(session: AsyncSession) -> clients.NewClient | None:
        if await orgs.organisation_exists(session):
            return None
        org = await orgs.create_organisation(
            session, name="Demo Energy", currency="EUR", timezone="Europe/Vienna"
        )
        return await clients.create_client(session, org_id=org.id, name="demo")

    new = _in_transaction(settings, create)
    if new is None:
        return
    base = f"http://{host}:{port}"
    err.print(
        "\n[bold]Created a demo organisation and client[/bold] (shown once):\n"
        f"  org_id        {new.client.org_id}\n"
        f"  client_id     {new.client.client_id}\n"
        f"  client_secret {new.secret}\n\n"
        "Get a token:\n"
        f"  curl -s -u '{new.client.client_id}:{new.secret}' "
        f"-d grant_type=client_credentials {base}/oauth2/token/\n"
        f"API docs: {base}/api/partners/v2.0/docs\n",
        highlight=False,
        soft_wrap=True,
    )


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Organisation name.")],
    currency: Annotated[str, typer.Option(help="Billing currency, ISO 4217 (e.g. EUR).")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
    as_json: JsonOption = False,
) -> None:
    """Create an organisation."""
    organisation = _in_transaction(
        _settings(),
        lambda s: orgs.create_organisation(s, name=name, currency=currency, timezone=timezone),
    )
    data = msgspec.structs.asdict(orgs.organisation_out(organisation))
    if as_json:
        _print_json(data)
    else:
        out.print(f"created organisation {organisation.id} ({organisation.name})")


@org_app.command("list")
def org_list(as_json: JsonOption = False) -> None:
    """List organisations."""
    organisations = _in_transaction(_settings(), orgs.list_organisations)
    rows = [msgspec.structs.asdict(orgs.organisation_out(o)) for o in organisations]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "billing_currency", "timezone")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    out.print(table)


@client_app.command("create")
def client_create(
    org: Annotated[uuid.UUID, typer.Option(help="Organisation id.")],
    scope: Annotated[str, typer.Option(help='"read", "write" or "read write".')] = "read write",
    name: Annotated[str | None, typer.Option(help="A label for people.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an OAuth client; its secret is printed once."""
    new = _in_transaction(
        _settings(), lambda s: clients.create_client(s, org_id=org, scope=scope, name=name)
    )
    data = {
        "client_id": new.client.client_id,
        "client_secret": new.secret,
        "org_id": str(new.client.org_id),
        "scope": new.client.scope,
    }
    if as_json:
        _print_json(data)
        return
    out.print(f"client_id      {data['client_id']}", highlight=False)
    out.print(f"client_secret  {data['client_secret']}   (shown once)", highlight=False)
    out.print(f"scope          {data['scope']}", highlight=False)


@client_app.command("list")
def client_list(
    org: Annotated[uuid.UUID, typer.Option(help="Organisation id.")],
    as_json: JsonOption = False,
) -> None:
    """List an organisation's clients (never their secrets)."""
    found = _in_transaction(_settings(), lambda s: clients.list_clients(s, org))
    rows = [clients.client_json(c) for c in found]
    if as_json:
        _print_json(rows)
        return
    columns = ("client_id", "name", "scope", "created_at", "revoked_at")
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row[column] or "") for column in columns))
    out.print(table)


@client_app.command("revoke")
def client_revoke(client_id: Annotated[str, typer.Argument(help="The client to revoke.")]) -> None:
    """Revoke a client: its tokens stop working within 60 seconds."""
    _in_transaction(_settings(), lambda s: clients.revoke_client(s, client_id))
    err.print(f"revoked {client_id}")


@key_app.command("generate")
def key_generate(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the PEM (mode 600).")],
) -> None:
    """Write a new EC P-256 signing key for ENERGY_CONTRACTS_SIGNING_KEY_FILE."""
    descriptor = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_private_key_pem())
    err.print(f"wrote {out_file}")


@idempotency_app.command("purge")
def idempotency_purge(as_json: JsonOption = False) -> None:
    """Delete stored answers older than 24 hours (writes also remove some as they go)."""
    settings = _settings()

    async def purge() -> int:
        database = Database(settings)
        try:
            return await purge_all_expired(database)
        finally:
            await database.dispose()

    deleted = asyncio.run(purge())
    if as_json:
        _print_json({"deleted": deleted})
    else:
        err.print(f"deleted {deleted} expired idempotency key(s)")


def main() -> None:
    app()
