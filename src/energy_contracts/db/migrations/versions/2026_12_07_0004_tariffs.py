"""Tariffs and the contracts that name one (SPEC §11).

A tariff keeps its components as one JSON document (it is read and replaced whole). A
contract names a tariff with ``tariff_id``, checked by a foreign key to a tariff of the same
organisation and indexed for counting a tariff's contracts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from energy_contracts.db.base import ExactDecimal, UTCDateTime
from energy_contracts.db.migrations.sqlite_rebuild import children_kept

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("vat_percent", ExactDecimal(), nullable=False),
        sa.Column("vat_on_negative", sa.Boolean(), nullable=False),
        sa.Column("standing_charge_per_day", ExactDecimal(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_tariffs_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_tariffs")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_tariffs_org_id_name")),
    )
    # On SQLite a new constraint means rebuilding the table (see children_kept).
    with children_kept("energy_prices"), op.batch_alter_table("energy_contracts") as table:
        table.add_column(sa.Column("tariff_id", sa.Uuid(), nullable=True))
        table.create_foreign_key(
            op.f("fk_energy_contracts_org_id_tariff_id_tariffs"),
            "tariffs",
            ["org_id", "tariff_id"],
            ["org_id", "id"],
        )
    op.create_index(
        "ix_energy_contracts_org_id_tariff_id", "energy_contracts", ["org_id", "tariff_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_energy_contracts_org_id_tariff_id", table_name="energy_contracts")
    with children_kept("energy_prices"), op.batch_alter_table("energy_contracts") as table:
        table.drop_constraint(
            op.f("fk_energy_contracts_org_id_tariff_id_tariffs"), type_="foreignkey"
        )
        table.drop_column("tariff_id")
    op.drop_table("tariffs")
