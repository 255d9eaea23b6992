"""OAuth clients as authentication sees them: found by id, active or revoked.

Operators create, list and revoke clients through ``orgs.clients``."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.models import OAuthClient


async def find_client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    """The token endpoint's lookup by client id alone (indexed)."""
    return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def client_is_active(session: AsyncSession, org_id: uuid.UUID, client_id: str) -> bool:
    revoked_at = await session.execute(
        select(OAuthClient.revoked_at).where(
            OAuthClient.org_id == org_id, OAuthClient.client_id == client_id
        )
    )
    row = revoked_at.first()
    return row is not None and row.revoked_at is None
