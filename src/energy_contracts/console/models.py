"""Console sign-ins, kept in the database so that any worker serves any page and a sign-out
ends the session everywhere (SPEC §13)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from energy_contracts.db.base import Base, UTCDateTime


class ConsoleSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored,
    so that a copy of this table signs nobody in."""

    __tablename__ = "console_sessions"
    __table_args__ = (
        # Signing the client's sessions out with it: a deleted client's sessions go too.
        ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["oauth_clients.org_id", "oauth_clients.client_id"],
            ondelete="CASCADE",
        ),
        Index("ix_console_sessions_expires_at", "expires_at"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[uuid.UUID]
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
