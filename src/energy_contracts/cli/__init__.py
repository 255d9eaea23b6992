"""The ``energy-contracts`` command: ``serve`` and ``migrate``, and one sub-app per noun
(``org``, ``client``, ``key``, ``idempotency``, ``prices``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from energy_contracts.cli import client, idempotency, key, org, prices, serve

app = typer.Typer(
    help="energy-contracts: electricity contracts and prices for flexibility partners.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command()(serve.serve)
app.command()(serve.migrate)
app.add_typer(org.app, name="org")
app.add_typer(client.app, name="client")
app.add_typer(key.app, name="key")
app.add_typer(idempotency.app, name="idempotency")
app.add_typer(prices.app, name="prices")


@app.callback()
def main_options(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="postgresql://user@host:port/db or sqlite:///path "
            "(default: ENERGY_CONTRACTS_DATABASE_URL, else an embedded SQLite file in "
            "ENERGY_CONTRACTS_DATA_DIR, ./var/ by default).",
        ),
    ] = None,
) -> None:
    # Through the environment, so that server worker processes see the same setting.
    if database_url:
        os.environ["ENERGY_CONTRACTS_DATABASE_URL"] = database_url


def main() -> None:
    app()
