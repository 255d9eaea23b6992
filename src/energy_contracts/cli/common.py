"""What every command of ``energy-contracts`` shares: how a noun's sub-app is declared, and
how results, tables and errors reach the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, highlight=False, soft_wrap=True)

_json = msgspec.json.Encoder(decimal_format="number")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON value on stdout, nothing else.")
]


def sub_app(help: str) -> typer.Typer:
    """A noun's group of commands. Plain Click help: Typer's rich panels show ``<bool>`` for
    flags and cut long option names."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


def print_json(value: Any) -> None:
    """One JSON value on stdout; decimals as exact numbers, instants in ISO 8601."""
    typer.echo(_json.encode(value).decode())


def print_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows as plain, left-aligned columns, one line each, whatever the terminal's width.

    Written by hand because rich fits a table to the terminal by cutting or wrapping cells,
    and ids are copied from these tables: a line that is too long is better than a cut id.
    """
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max(len(line[index]) for line in [list(columns), *cells]) for index in range(len(columns))
    ]
    for line in [list(columns), *cells]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def fail(message: str, *more: str, code: int = 1) -> NoReturn:
    """``error: message`` (and any further lines) on stderr, then exit with ``code``."""
    err.print(f"[red]error:[/red] {escape(message)}")
    for line in more:
        err.print(escape(line))
    raise typer.Exit(code)


def note(message: str) -> None:
    err.print(f"[yellow]note:[/yellow] {escape(message)}")
