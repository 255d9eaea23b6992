from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.db.base import Base, UTCDateTime, new_id, utcnow


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "user_id"], ["users.org_id", "users.id"], ondelete="CASCADE"
        ),
        # Lets a contract's foreign key prove its building belongs to the same user.
        UniqueConstraint("org_id", "user_id", "id"),
        # The list's keyset order (created_at, id) within the user; its (org_id, user_id)
        # prefix also serves the foreign key to users (the cascade when a user is deleted).
        Index("ix_buildings_org_id_user_id_created_at_id", "org_id", "user_id", "created_at", "id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    property_type: Mapped[str | None] = mapped_column(String(50))
    occupant_type: Mapped[str | None] = mapped_column(String(50))
    space_heating: Mapped[str | None] = mapped_column(String(50))
    water_heating: Mapped[str | None] = mapped_column(String(50))
    property_size_m2: Mapped[int | None] = mapped_column(Integer)
    property_age: Mapped[int | None] = mapped_column(Integer)
    num_occupants: Mapped[int | None] = mapped_column(Integer)
    photovoltaic: Mapped[bool | None] = mapped_column(Boolean)
    street_and_number: Mapped[str | None] = mapped_column(String(100))
    street_add_info: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
