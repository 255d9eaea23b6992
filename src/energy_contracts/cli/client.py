"""``energy-contracts client``: the OAuth clients of an organisation."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from energy_contracts.cli import database
from energy_contracts.cli.common import JsonOption, err, print_json, print_table, sub_app
from energy_contracts.orgs import clients

app = sub_app("OAuth clients of an organisation.")

OrgOption = Annotated[
    uuid.UUID, typer.Option("--org", metavar="ORG_ID", help="The organisation's id.")
]


@app.command("create")
def create(
    org: OrgOption,
    scope: Annotated[str, typer.Option(help='"read", "write" or "read write".')] = "read write",
    name: Annotated[str | None, typer.Option(help="A label for people.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an OAuth client; its secret is printed once (only its hash is stored)."""
    new = database.in_transaction(
        lambda s: clients.create_client(s, org_id=org, scope=scope, name=name)
    )
    data = {
        "client_id": new.client.client_id,
        "client_secret": new.secret,
        "org_id": str(new.client.org_id),
        "scope": new.client.scope,
    }
    if as_json:
        print_json(data)
        return
    typer.echo(f"client_id      {data['client_id']}")
    typer.echo(f"client_secret  {data['client_secret']}   (shown once)")
    typer.echo(f"scope          {data['scope']}")


@app.command("list")
def list_(org: OrgOption, as_json: JsonOption = False) -> None:
    """List an organisation's clients (never their secrets)."""
    rows = [
        clients.client_json(c)
        for c in database.in_transaction(lambda s: clients.list_clients(s, org))
    ]
    if as_json:
        print_json(rows)
        return
    columns = ("client_id", "name", "scope", "created_at", "revoked_at")
    print_table(columns, [[row[column] for column in columns] for row in rows])


@app.command("revoke")
def revoke(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID", help="The client to revoke.")],
) -> None:
    """Revoke a client: its tokens stop working within 60 seconds."""
    database.in_transaction(lambda s: clients.revoke_client(s, client_id))
    err.print(f"revoked {client_id}")
