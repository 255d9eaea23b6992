"""Initial schema: organisations, OAuth clients, users, buildings, contracts, prices, keys.

Every table of tenant data leads its primary and unique keys with org_id, so that the
schema can be distributed by organisation (e.g. Citus) without changing a key.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from energy_contracts.db.base import ExactDecimal, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("billing_currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(50), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_oauth_clients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "client_id", name=op.f("pk_oauth_clients")),
    )
    op.create_index("ix_oauth_clients_client_id", "oauth_clients", ["client_id"])
    op.create_table(
        "users",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("external_user_id", sa.String(100), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=True),
        sa.Column("street_and_number", sa.String(100), nullable=True),
        sa.Column("street_add_info", sa.String(100), nullable=True),
        sa.Column("town", sa.String(100), nullable=True),
        sa.Column("zip_code", sa.String(20), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_users_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("org_id", "email_key", name=op.f("uq_users_org_id_email_key")),
        sa.UniqueConstraint(
            "org_id", "external_user_id", name=op.f("uq_users_org_id_external_user_id")
        ),
    )
    op.create_table(
        "buildings",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("property_type", sa.String(50), nullable=True),
        sa.Column("occupant_type", sa.String(50), nullable=True),
        sa.Column("space_heating", sa.String(50), nullable=True),
        sa.Column("water_heating", sa.String(50), nullable=True),
        sa.Column("property_size_m2", sa.Integer(), nullable=True),
        sa.Column("property_age", sa.Integer(), nullable=True),
        sa.Column("num_occupants", sa.Integer(), nullable=True),
        sa.Column("photovoltaic", sa.Boolean(), nullable=True),
        sa.Column("street_and_number", sa.String(100), nullable=True),
        sa.Column("street_add_info", sa.String(100), nullable=True),
        sa.Column("town", sa.String(100), nullable=True),
        sa.Column("zip_code", sa.String(20), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_buildings_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("org_id", "user_id", "id", name=op.f("uq_buildings_org_id_user_id_id")),
    )
    op.create_index("ix_buildings_org_id_user_id", "buildings", ["org_id", "user_id"])
    op.create_table(
        "energy_contracts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("contract_type", sa.String(16), nullable=False),
        sa.Column("meter_id", sa.String(19), nullable=True),
        sa.Column("supplier", sa.String(100), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("includes_external_components", sa.Boolean(), nullable=True),
        sa.Column("price_interval_minutes", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_energy_contracts_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id", "building_id"],
            ["buildings.org_id", "buildings.user_id", "buildings.id"],
            name=op.f("fk_energy_contracts_org_id_user_id_building_id_buildings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_energy_contracts")),
    )
    op.create_index(
        "uq_energy_contracts_org_id_building_id",
        "energy_contracts",
        ["org_id", "building_id"],
        unique=True,
    )
    op.create_index(
        "uq_energy_contracts_user_level",
        "energy_contracts",
        ["org_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("building_id IS NULL"),
        postgresql_where=sa.text("building_id IS NULL"),
    )
    op.create_table(
        "energy_prices",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "contract_id"],
            ["energy_contracts.org_id", "energy_contracts.id"],
            name=op.f("fk_energy_prices_org_id_contract_id_energy_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "contract_id", "ts", name=op.f("pk_energy_prices")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.LargeBinary(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_idempotency_keys_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "client_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_table("energy_prices")
    op.drop_index("uq_energy_contracts_user_level", table_name="energy_contracts")
    op.drop_index("uq_energy_contracts_org_id_building_id", table_name="energy_contracts")
    op.drop_table("energy_contracts")
    op.drop_index("ix_buildings_org_id_user_id", table_name="buildings")
    op.drop_table("buildings")
    op.drop_table("users")
    op.drop_index("ix_oauth_clients_client_id", table_name="oauth_clients")
    op.drop_table("oauth_clients")
    op.drop_table("organisations")
