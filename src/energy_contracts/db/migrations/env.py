"""Alembic environment. Always given a live connection by ``energy_contracts.db.migrate``.

Migrations are written by hand, so upgrading needs no model metadata; autogenerate
comparisons (the migrations test) import ``energy_contracts.models`` for the whole schema.
"""

from alembic import context

from energy_contracts.db.base import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
