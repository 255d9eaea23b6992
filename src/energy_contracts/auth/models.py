from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.db.base import Base, UTCDateTime, utcnow


class OAuthClient(Base):
    __tablename__ = "oauth_clients"
    # Looked up by client_id alone at the token endpoint; client ids are 128-bit random
    # values, so a plain (non-unique) index suffices and the key still leads with org_id.
    __table_args__ = (Index("ix_oauth_clients_client_id", "client_id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
