"""Price series and index-linked contracts (SPEC §10, §4a).

A series holds one market price series of an organisation; its prices get a table of their
own, keyed like a contract's (org_id, series_id, ts), so both go through the same bulk
paths and a series' prices are deleted with it. A contract links to a series with
``series_id`` (checked by a foreign key, indexed for counting a series' contracts), a
``index_factor`` and a ``index_markup``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from energy_contracts.db.base import ExactDecimal, UTCDateTime
from energy_contracts.db.migrations.sqlite_rebuild import children_kept

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "price_series",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("area", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_price_series_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_price_series")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_price_series_org_id_name")),
    )
    op.create_table(
        "series_prices",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "series_id"],
            ["price_series.org_id", "price_series.id"],
            name=op.f("fk_series_prices_org_id_series_id_price_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "series_id", "ts", name=op.f("pk_series_prices")),
        sqlite_with_rowid=False,
    )
    # On SQLite a new constraint means rebuilding the table (see children_kept).
    with children_kept("energy_prices"), op.batch_alter_table("energy_contracts") as table:
        table.add_column(sa.Column("series_id", sa.Uuid(), nullable=True))
        table.add_column(sa.Column("index_factor", ExactDecimal(), nullable=True))
        table.add_column(sa.Column("index_markup", ExactDecimal(), nullable=True))
        table.create_foreign_key(
            op.f("fk_energy_contracts_org_id_series_id_price_series"),
            "price_series",
            ["org_id", "series_id"],
            ["org_id", "id"],
        )
    op.create_index(
        "ix_energy_contracts_org_id_series_id", "energy_contracts", ["org_id", "series_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_energy_contracts_org_id_series_id", table_name="energy_contracts")
    with children_kept("energy_prices"), op.batch_alter_table("energy_contracts") as table:
        table.drop_constraint(
            op.f("fk_energy_contracts_org_id_series_id_price_series"), type_="foreignkey"
        )
        table.drop_column("index_markup")
        table.drop_column("index_factor")
        table.drop_column("series_id")
    op.drop_table("series_prices")
    op.drop_table("price_series")
