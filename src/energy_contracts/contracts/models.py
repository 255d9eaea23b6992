"""Energy contracts and their stored prices (SPEC §4, §5).

A contract may instead be index-linked to a price series (SPEC §4a: ``series_id`` with
``index_factor`` and ``index_markup``), and may name a tariff (SPEC §11: ``tariff_id``); the
foreign keys name the tables the series and tariffs domains define (``series.models``,
``tariffs.models``), so that the database refuses a link to one that does not exist or is
another organisation's.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.db.base import Base, ExactDecimal, UTCDateTime, metadata, new_id, utcnow


class EnergyContract(Base):
    __tablename__ = "energy_contracts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "user_id"], ["users.org_id", "users.id"], ondelete="CASCADE"
        ),
        # MATCH SIMPLE: checked only when building_id is set; then the building must be
        # this user's, and deleting the building deletes its contract.
        ForeignKeyConstraint(
            ["org_id", "user_id", "building_id"],
            ["buildings.org_id", "buildings.user_id", "buildings.id"],
            ondelete="CASCADE",
        ),
        # One contract per building ...
        Index("uq_energy_contracts_org_id_building_id", "org_id", "building_id", unique=True),
        # ... and one user-level contract per user.
        Index(
            "uq_energy_contracts_user_level",
            "org_id",
            "user_id",
            unique=True,
            sqlite_where=text("building_id IS NULL"),
            postgresql_where=text("building_id IS NULL"),
        ),
        # A user's contracts in the list's order (created_at, id); its (org_id, user_id)
        # prefix also serves the cascade when a user is deleted.
        Index(
            "ix_energy_contracts_org_id_user_id_created_at_id",
            "org_id",
            "user_id",
            "created_at",
            "id",
        ),
        # MATCH SIMPLE again: only a linked contract is checked. No cascade: a series with
        # linked contracts cannot be deleted (409), so the link never dangles.
        ForeignKeyConstraint(["org_id", "series_id"], ["price_series.org_id", "price_series.id"]),
        # The contracts linked to a series: counted before it is deleted, and the foreign
        # key's own check.
        Index("ix_energy_contracts_org_id_series_id", "org_id", "series_id"),
        # SPEC §11: the tariff it names (tariffs.models), of the same organisation; a tariff
        # named by contracts cannot be deleted (409). Indexed to count them.
        ForeignKeyConstraint(["org_id", "tariff_id"], ["tariffs.org_id", "tariffs.id"]),
        Index("ix_energy_contracts_org_id_tariff_id", "org_id", "tariff_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    building_id: Mapped[uuid.UUID | None] = mapped_column()
    contract_type: Mapped[str] = mapped_column(String(16))
    meter_id: Mapped[str | None] = mapped_column(String(19))
    supplier: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    includes_external_components: Mapped[bool | None] = mapped_column(Boolean)
    price_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    # SPEC §4a: set together on an index-linked contract, all null otherwise.
    series_id: Mapped[uuid.UUID | None] = mapped_column()
    index_factor: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    index_markup: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    tariff_id: Mapped[uuid.UUID | None] = mapped_column()
    # Bumped on every change of the contract or its prices; the ETag and If-Match use it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Prices are bulk data: a Core table moved in arrays, never one ORM object per row.
energy_prices = Table(
    "energy_prices",
    metadata,
    Column("org_id", Uuid, primary_key=True),
    Column("contract_id", Uuid, primary_key=True),
    Column("ts", UTCDateTime, primary_key=True),
    Column("price", ExactDecimal, nullable=False),
    ForeignKeyConstraint(
        ["org_id", "contract_id"],
        ["energy_contracts.org_id", "energy_contracts.id"],
        ondelete="CASCADE",
    ),
    sqlite_with_rowid=False,
)

PriceRow = tuple[datetime, Decimal]

_IN_UTC = operator.methodcaller("astimezone", UTC)


@dataclass(frozen=True, slots=True)
class PriceSeries(Iterable[PriceRow]):
    """Validated prices (``price_rules.parse_prices``): ascending, no instant twice.

    Held in the form they were validated in, because a year is 35,136 prices and a
    ``Decimal``, a ``str`` and a UTC ``datetime`` per price would cost more than validating
    them: ``instants`` are aware datetimes in the offsets sent; ``price_lines`` holds the
    canonical text of each exact decimal (``0.2``, never ``0.20`` or ``2E-1``), one a line, in
    the order of ``instants``. The writers hand these to the database, which converts each
    value anyway. Iterated, it yields the rows as stored: (UTC instant, ``Decimal``).
    """

    instants: list[datetime]
    price_lines: str

    def prices(self) -> list[str]:
        """The canonical text of each price."""
        return self.price_lines.split("\n") if self.instants else []

    def __len__(self) -> int:
        return len(self.instants)

    def __iter__(self) -> Iterator[PriceRow]:
        return zip(map(_IN_UTC, self.instants), map(Decimal, self.prices()), strict=True)
