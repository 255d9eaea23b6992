"""OAuth clients of an organisation: created, listed and revoked by operators (CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.auth.clients import find_client
from energy_contracts.auth.models import OAuthClient
from energy_contracts.auth.secrets import hash_secret, new_client_id, new_client_secret
from energy_contracts.auth.tokens import ALL_SCOPES
from energy_contracts.db.base import utcnow
from energy_contracts.errors import NotFound, Unprocessable
from energy_contracts.orgs.service import get_organisation
from energy_contracts.tenancy import scoped


@dataclass(frozen=True)
class NewClient:
    client: OAuthClient
    secret: str  # shown once, never stored


def parse_scope(scope: str) -> list[str]:
    """``"write read"`` → ``["read", "write"]`` (canonical order); unknown scopes are rejected."""
    requested = set(scope.split())
    unknown = requested - set(ALL_SCOPES)
    if unknown or not requested:
        raise Unprocessable.field("scope", f"must be a non-empty subset of {' '.join(ALL_SCOPES)}")
    return [s for s in ALL_SCOPES if s in requested]


async def create_client(
    session: AsyncSession, *, org_id: uuid.UUID, scope: str = "read write", name: str | None
) -> NewClient:
    await get_organisation(session, org_id)
    secret = new_client_secret()
    client = OAuthClient(
        org_id=org_id,
        client_id=new_client_id(),
        name=name,
        secret_hash=hash_secret(secret),
        scope=" ".join(parse_scope(scope)),
    )
    session.add(client)
    await session.flush()
    return NewClient(client, secret)


async def list_clients(session: AsyncSession, org_id: uuid.UUID) -> Sequence[OAuthClient]:
    await get_organisation(session, org_id)
    result = await session.scalars(scoped(OAuthClient, org_id).order_by(OAuthClient.created_at))
    return result.all()


async def revoke_client(session: AsyncSession, client_id: str) -> None:
    result = await session.execute(
        update(OAuthClient)
        .where(OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    nothing_revoked = result.rowcount == 0  # type: ignore[attr-defined]
    if nothing_revoked and await find_client(session, client_id) is None:
        raise NotFound(f"No client {client_id}.")


def client_json(client: OAuthClient) -> dict[str, object]:
    return {
        "client_id": client.client_id,
        "org_id": client.org_id,
        "name": client.name,
        "scope": client.scope,
        "created_at": client.created_at,
        "revoked_at": client.revoked_at,
    }
