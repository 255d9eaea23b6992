"""``energy-contracts idempotency``: the stored answers to Idempotency-Key requests."""

from __future__ import annotations

from energy_contracts.cli import database
from energy_contracts.cli.common import JsonOption, err, print_json, sub_app
from energy_contracts.idempotency.store import purge_all_expired

app = sub_app("Stored Idempotency-Key answers.")


@app.command("purge")
def purge(as_json: JsonOption = False) -> None:
    """Delete stored answers older than 24 hours (writes also remove some as they go)."""
    deleted = database.run(purge_all_expired)
    if as_json:
        print_json({"deleted": deleted})
    else:
        err.print(f"deleted {deleted} expired idempotency key(s)")
