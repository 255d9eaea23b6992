"""``/org/{org_id}/users/{user_id}/buildings``: parse, delegate to the service, respond."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from energy_contracts.api.bodies import decode_body
from energy_contracts.api.openapi import (
    LINK_HEADER,
    LOCATION_HEADER,
    json_response,
    openapi_body,
    problems,
)
from energy_contracts.api.paging import CreatedCursor, Limit, page_response
from energy_contracts.api.responses import JSON, location
from energy_contracts.buildings import service
from energy_contracts.buildings.schemas import (
    BUILDING_EXAMPLES,
    BUILDING_UPDATE_EXAMPLES,
    BuildingCreate,
    BuildingOut,
    BuildingUpdate,
)
from energy_contracts.db.session import SessionDep
from energy_contracts.tenancy import ScopedBuilding, ScopedUser

router = APIRouter(prefix="/org/{org_id}/users/{user_id}/buildings", tags=["Buildings"])

MAX_PAGE_SIZE = 1000


@router.post(
    "",
    summary="Create a building of the user",
    openapi_extra=openapi_body(BuildingCreate, examples=BUILDING_EXAMPLES),
    responses={
        200: json_response(BuildingOut, "The created building.", headers=LOCATION_HEADER),
        **problems(400, 401, 403, 404, 422, 503),
    },
)
async def create_building(request: Request, user: ScopedUser, session: SessionDep) -> Response:
    body = await decode_body(request, BuildingCreate)
    building = await service.create_building(session, user, body)
    headers = location(
        request, "get_building", org_id=user.org_id, user_id=user.id, building_id=building.id
    )
    return JSON(service.building_json(building), headers=headers)


@router.get(
    "",
    summary="List the user's buildings",
    description="Oldest first. Paged: follow the `Link` header while there is one.",
    responses={
        200: json_response(list[BuildingOut], "A page of buildings.", headers=LINK_HEADER),
        **problems(401, 403, 404, 422, 503),
    },
)
async def list_buildings(
    request: Request,
    user: ScopedUser,
    session: SessionDep,
    limit: Annotated[int, Limit(maximum=MAX_PAGE_SIZE)],
    after: CreatedCursor,
) -> Response:
    page = await service.list_buildings(session, user, limit=limit, after=after)
    items = [service.building_json(b) for b in page.items]
    return page_response(request, items, page.next_cursor)


@router.get(
    "/{building_id}",
    summary="Get a building",
    responses={
        200: json_response(BuildingOut, "The building."),
        **problems(401, 403, 404, 422, 503),
    },
)
async def get_building(building: ScopedBuilding) -> Response:
    return JSON(service.building_json(building))


@router.put(
    "/{building_id}",
    summary="Update a building (partial)",
    description="Absent fields stay unchanged; `null` clears an optional field.",
    openapi_extra=openapi_body(BuildingUpdate, examples=BUILDING_UPDATE_EXAMPLES),
    responses={
        200: json_response(BuildingOut, "The updated building."),
        **problems(400, 401, 403, 404, 422, 503),
    },
)
async def update_building(
    request: Request, building: ScopedBuilding, session: SessionDep
) -> Response:
    body = await decode_body(request, BuildingUpdate)
    updated = await service.update_building(session, building, body)
    return JSON(service.building_json(updated))


@router.delete(
    "/{building_id}",
    status_code=204,
    summary="Delete a building and its contract",
    responses={204: {"description": "Deleted."}, **problems(401, 403, 404, 422, 503)},
)
async def delete_building(building: ScopedBuilding, session: SessionDep) -> Response:
    await service.delete_building(session, building)
    return Response(status_code=204)
