"""OAuth clients as authentication sees them: found by id, checked by secret, active or
revoked. The token endpoint and the console's sign-in check a client the same way
(``verified_client``).

Operators create, list and revoke clients through ``orgs.clients``."""

from __future__ import annotations

import uuid

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.models import OAuthClient
from energy_contracts.auth.ratelimit import TokenRateLimiter, VerificationSlots
from energy_contracts.auth.secrets import verify_secret
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


class ClientRefused(Exception):
    """Unknown client id, wrong secret or revoked client: always the same answer."""


class TooManyAttempts(ClientRefused):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


async def verified_client(
    session: AsyncSession,
    client_id: str,
    secret: str,
    *,
    source: str,
    limiter: TokenRateLimiter,
    slots: VerificationSlots,
) -> OAuthClient:
    """The active client with this id and secret, asked for from ``source`` (an address);
    ``TooManyAttempts`` past the limits (see ``auth.ratelimit``), else ``ClientRefused``."""
    # No client id holds NUL (and PostgreSQL refuses it in a query): such a client is unknown.
    client = await find_client(session, client_id) if "\x00" not in client_id else None
    retry_after = (
        limiter.check_unknown(source)
        if client is None
        else limiter.check_known(client.client_id, source)
    )
    if retry_after is not None:
        raise TooManyAttempts(retry_after)
    secret_hash = client.secret_hash if client is not None else None
    # argon2 is CPU-bound: off the event loop, and only so many at once.
    valid = await to_thread.run_sync(verify_secret, secret_hash, secret, limiter=slots.limiter)
    if client is None or not valid or client.revoked_at is not None:
        raise ClientRefused
    return client
