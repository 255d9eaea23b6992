"""Indexes in the order the lists are read, so that a page is an index range scan.

Users and buildings are paged by the keyset (created_at, id), a user's contracts are listed
in that order: each index holds the WHERE equality columns, then the ORDER BY columns. The
buildings index also leads with (org_id, user_id), so it replaces the index that served
only that prefix (and the foreign key to users).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_users_org_id_created_at_id", "users", ["org_id", "created_at", "id"])
    op.create_index(
        "ix_buildings_org_id_user_id_created_at_id",
        "buildings",
        ["org_id", "user_id", "created_at", "id"],
    )
    op.drop_index("ix_buildings_org_id_user_id", table_name="buildings")
    op.create_index(
        "ix_energy_contracts_org_id_user_id_created_at_id",
        "energy_contracts",
        ["org_id", "user_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_energy_contracts_org_id_user_id_created_at_id", table_name="energy_contracts")
    op.create_index("ix_buildings_org_id_user_id", "buildings", ["org_id", "user_id"])
    op.drop_index("ix_buildings_org_id_user_id_created_at_id", table_name="buildings")
    op.drop_index("ix_users_org_id_created_at_id", table_name="users")
