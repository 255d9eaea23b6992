"""``serve`` and ``migrate``: the two commands that create or upgrade a database.

``serve`` applies the migrations, on an empty embedded database creates a demo organisation
and client (and prints the lines that put them to use), then runs the API under uvicorn.
"""

from __future__ import annotations

import asyncio
import math
import os
import shlex
import shutil
import signal
import tempfile
from pathlib import Path
from types import FrameType
from typing import Annotated

import structlog
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.keys import load_signing_key
from energy_contracts.cli import database
from energy_contracts.cli.common import err, fail
from energy_contracts.db import migrate as migrations
from energy_contracts.metrics import MULTIPROCESS_DIR_VARIABLE
from energy_contracts.observability import configure_logging
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs
from energy_contracts.orgs.models import Organisation
from energy_contracts.settings import ConfigurationError, Settings
from energy_contracts_client._core import ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET

log = structlog.get_logger(__name__)


def migrate() -> None:
    """Apply database migrations.

    Creates the database when it does not exist yet.
    """
    settings = database.load()
    database.guarded(settings, lambda: asyncio.run(migrations.upgrade(settings)))
    err.print("migrations applied")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Apply migrations, then serve the API.

    On an empty embedded database it first creates a demo organisation and client, and prints
    their credentials once.
    """
    import uvicorn

    settings = database.load(quiet=False)
    try:
        load_signing_key(settings)  # fail before the workers start; creates it on first run
    except ConfigurationError as exc:
        fail(str(exc), code=2)
    metrics_dir = _prepare_metrics_directory(workers)
    configure_logging(settings)  # uvicorn's own lines too (log_config=None below)
    database.guarded(settings, lambda: asyncio.run(migrations.upgrade(settings)))
    _introduce_credentials(settings, f"http://{host}:{port}")
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
            # Bounds the request line and headers (431), see cli.http_server.
            http="energy_contracts.cli.http_server:HeaderLimitedProtocol",
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


def _introduce_credentials(settings: Settings, base_url: str) -> None:
    """On an empty embedded database, a demo organisation and client and the lines that use
    them; on any other, one line on where credentials come from (a secret is stored only as a
    hash, so the demo client's cannot be shown again)."""

    async def demo_client_or_first_organisation(
        session: AsyncSession,
    ) -> clients.NewClient | Organisation | None:
        existing = await orgs.list_organisations(session)
        if existing:
            return existing[0]
        if not settings.is_sqlite:
            return None
        organisation = await orgs.create_organisation(
            session, name="Demo Energy", currency="EUR", timezone="Europe/Vienna"
        )
        return await clients.create_client(session, org_id=organisation.id, name="demo")

    found = database.in_transaction(demo_client_or_first_organisation, settings=settings)
    # The banner is plain lines to copy into a shell; the one-line reminders are log lines,
    # so that a server whose logs are JSON writes nothing else.
    if isinstance(found, clients.NewClient):
        _print_demo_banner(found, base_url)
    elif found is not None:
        log.info(
            "Client secrets are shown once, when the client is made (the demo client's on the "
            f"first start). New credentials: energy-contracts client create --org {found.id}"
        )
    else:
        log.info(
            "No organisation yet: energy-contracts org create --name NAME --currency EUR, "
            "then energy-contracts client create --org ORG_ID"
        )


def _print_demo_banner(new: clients.NewClient, base_url: str) -> None:
    client_id, secret = new.client.client_id, new.secret
    exports = {ENV_API_URL: base_url, ENV_CLIENT_ID: client_id, ENV_CLIENT_SECRET: secret}
    # Plain lines, never wrapped: each is meant to be copied into a shell as it is.
    lines = [
        "",
        "Created a demo organisation and client. The secret is shown this once:",
        f"  org_id         {new.client.org_id}",
        f"  client_id      {client_id}",
        f"  client_secret  {secret}",
        "",
        "For `energy-contracts prices import` and the Python client:",
        *(f"  export {name}={shlex.quote(value)}" for name, value in exports.items()),
        "",
        "Get a token:",
        f"  curl -s -u {shlex.quote(f'{client_id}:{secret}')} "
        f"-d grant_type=client_credentials {base_url}/oauth2/token/",
        f"API docs: {base_url}/api/partners/v2.0/docs",
        "",
    ]
    typer.echo("\n".join(lines), err=True)
