"""Price series (SPEC §10): a market price series held once, which many contracts follow.

A series' prices live in a table of their own, ``series_prices``, shaped like a contract's
``energy_prices`` (``(org_id, series_id, ts)`` primary key, exact ``price``), rather than as
rows of ``energy_prices`` told apart by an owner column:

- each price table keeps a foreign key to its owner with ``ON DELETE CASCADE``, so the
  database itself keeps prices from outliving their owner; one table shared by two kinds of
  owner could reference neither;
- the effective-prices read stays one statement on PostgreSQL: where it reads a contract's
  prices it reads the linked series' rows instead (``effective.repository``), the same index
  range scan on a key of the same shape;
- contracts' prices keep their table, key and query plans; nothing is migrated.

Both tables go through the same bulk writes and reads (``contracts.prices``): ``SERIES_PRICES``
tells those functions which table to use.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.contracts.prices import PriceTable
from energy_contracts.db.base import Base, ExactDecimal, UTCDateTime, metadata, new_id, utcnow


class Series(Base):
    __tablename__ = "price_series"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str] = mapped_column(String(3))
    interval_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(32))
    # Bumped on every change of the series or its prices; the ETag and If-Match use it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


series_prices = Table(
    "series_prices",
    metadata,
    Column("org_id", Uuid, primary_key=True),
    Column("series_id", Uuid, primary_key=True),
    Column("ts", UTCDateTime, primary_key=True),
    Column("price", ExactDecimal, nullable=False),
    ForeignKeyConstraint(
        ["org_id", "series_id"], ["price_series.org_id", "price_series.id"], ondelete="CASCADE"
    ),
    sqlite_with_rowid=False,
)

SERIES_PRICES = PriceTable(series_prices, "series_id")
