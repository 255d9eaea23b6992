"""``energy-contracts key``: access-token signing keys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.cli.common import err, fail, sub_app

app = sub_app("Access-token signing keys.")


@app.command("generate")
def generate(
    out_file: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the PEM (mode 600).")
    ],
) -> None:
    """Write a new EC P-256 signing key for ENERGY_CONTRACTS_SIGNING_KEY_FILE."""
    try:
        descriptor = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:  # it exists (never overwritten), or the directory does not
        fail(f"cannot write {out_file}: {error.strerror}")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_private_key_pem())
    err.print(f"wrote {out_file}")
