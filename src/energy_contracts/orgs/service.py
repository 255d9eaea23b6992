"""Organisations: created by operators (CLI), read by their own clients."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.responses import from_row
from energy_contracts.codes import currency_code, timezone_name
from energy_contracts.errors import NotFound, Unprocessable
from energy_contracts.orgs.models import Organisation
from energy_contracts.orgs.schemas import OrganisationOut


async def create_organisation(
    session: AsyncSession, *, name: str, currency: str, timezone: str = "UTC"
) -> Organisation:
    name = name.strip()
    if not name or len(name) > 200:
        raise Unprocessable.field("name", "must be 1 to 200 characters")
    billing_currency = currency_code(currency)
    if billing_currency is None:
        raise Unprocessable.field("currency", "is not an ISO 4217 currency code")
    if timezone_name(timezone) is None:
        raise Unprocessable.field("timezone", "is not an IANA time zone")
    organisation = Organisation(
        id=uuid.uuid4(), name=name, billing_currency=billing_currency, timezone=timezone
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def list_organisations(session: AsyncSession) -> Sequence[Organisation]:
    result = await session.scalars(select(Organisation).order_by(Organisation.created_at))
    return result.all()


async def get_organisation(session: AsyncSession, org_id: uuid.UUID) -> Organisation:
    organisation = await session.get(Organisation, org_id)
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


async def organisation_exists(session: AsyncSession) -> bool:
    return (await session.scalar(select(Organisation.id).limit(1))) is not None


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return from_row(OrganisationOut, organisation)
