"""Changing a table's constraints on SQLite, without losing the rows of its children.

SQLite changes a table's constraints only by rebuilding it: Alembic's batch mode copies the
table, drops the original and renames the copy. Migrations run with foreign keys enforced,
and dropping a table deletes its rows first, so every ``ON DELETE CASCADE`` child row would
go with them. ``children_kept`` keeps those rows aside around the rebuild and puts them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def children_kept(*children: str) -> Iterator[None]:
    """Around ``op.batch_alter_table(parent)``: the rows of ``children`` (tables whose
    foreign keys to ``parent`` cascade) survive the rebuild. Nothing to do elsewhere."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    # Table names are constants of the migrations, no input.
    for child in children:
        op.execute(f"CREATE TEMP TABLE kept_{child} AS SELECT * FROM {child}")  # noqa: S608
    yield
    for child in children:
        op.execute(f"INSERT INTO {child} SELECT * FROM kept_{child}")  # noqa: S608
        op.execute(f"DROP TABLE kept_{child}")
