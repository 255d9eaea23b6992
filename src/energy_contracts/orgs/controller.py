"""``/org/{org_id}``: the caller's organisation."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.handlers import get
from energy_contracts.api.openapi import problems
from energy_contracts.orgs import service
from energy_contracts.orgs.schemas import OrganisationOut


@get(
    "/org/{org_id:uuid}",
    summary="The caller's organisation",
    tags=["Organisations"],
    responses=problems(401, 403, 404, 422, 503),
)
async def get_organisation(
    org_id: FromPath[uuid.UUID], session: NamedDependency[AsyncSession]
) -> OrganisationOut:
    organisation = await service.get_organisation(session, org_id)
    return service.organisation_out(organisation)
