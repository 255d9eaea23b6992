"""OAuth clients as authentication sees them: found by id, active or revoked.

Operators create, list and revoke clients through ``orgs.clients``."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.models import OAuthClient
from energy_contracts.tenancy import scoped


async def find_client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    """The token endpoint's lookup by client id alone (indexed): the organisation is not
    known before the client is, and client ids are unique random values."""
    return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def client_is_active(session: AsyncSession, org_id: uuid.UUID, client_id: str) -> bool:
    revoked_at = await session.execute(
        scoped(OAuthClient, org_id, client_id=client_id).with_only_columns(OAuthClient.revoked_at)
    )
    row = revoked_at.first()
    return row is not None and row.revoked_at is None
