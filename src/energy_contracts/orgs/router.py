from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from energy_contracts.api.responses import JSON
from energy_contracts.auth.dependencies import ScopedOrgId
from energy_contracts.db.session import SessionDep
from energy_contracts.orgs import service
from energy_contracts.orgs.schemas import OrganisationOut

router = APIRouter(tags=["Organisations"])


@router.get(
    "/org/{org_id}",
    summary="The caller's organisation",
    response_model=OrganisationOut,
    response_class=JSON,
)
async def get_organisation(org_id: ScopedOrgId, session: SessionDep) -> Response:
    organisation = await service.get_organisation(session, org_id)
    return JSON(service.organisation_json(organisation))
