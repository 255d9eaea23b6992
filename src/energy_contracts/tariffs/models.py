"""Tariffs (SPEC §11): what is added to an energy-only price, shared by many contracts.

A tariff is read and replaced whole, never queried by its parts, so its components are kept
as one JSON document (``components``: the ``TariffComponentOut`` list, numbers written with
their exact digits) next to the columns a question about the tariff needs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.db.base import Base, ExactDecimal, UTCDateTime, new_id, utcnow


class Tariff(Base):
    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    vat_percent: Mapped[Decimal] = mapped_column(ExactDecimal)
    vat_on_negative: Mapped[bool] = mapped_column(Boolean)
    standing_charge_per_day: Mapped[Decimal] = mapped_column(ExactDecimal)
    components: Mapped[str] = mapped_column(Text)
    # Bumped on every change; the ETag, If-Match, and caches of the parsed tariff use it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
