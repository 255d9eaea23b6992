"""``energy-contracts org``: organisations (tenants), made by operators."""

from __future__ import annotations

from typing import Annotated

import typer

from energy_contracts.cli import database
from energy_contracts.cli.common import JsonOption, print_json, print_table, sub_app
from energy_contracts.orgs import service as orgs

app = sub_app("Organisations (tenants).")


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Organisation name.")],
    currency: Annotated[
        str, typer.Option(metavar="CODE", help="Billing currency, ISO 4217 (e.g. EUR).")
    ],
    timezone: Annotated[
        str, typer.Option(metavar="ZONE", help="IANA time zone (e.g. Europe/Vienna).")
    ] = "UTC",
    as_json: JsonOption = False,
) -> None:
    """Create an organisation."""
    organisation = database.in_transaction(
        lambda s: orgs.create_organisation(s, name=name, currency=currency, timezone=timezone)
    )
    if as_json:
        print_json(orgs.organisation_out(organisation))
    else:
        typer.echo(f"created organisation {organisation.id} ({organisation.name})")


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List organisations."""
    rows = [orgs.organisation_out(o) for o in database.in_transaction(orgs.list_organisations)]
    if as_json:
        print_json(rows)
        return
    columns = ("id", "name", "billing_currency", "timezone")
    print_table(columns, [[getattr(row, column) for column in columns] for row in rows])
