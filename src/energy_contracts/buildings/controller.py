"""``/org/{org_id}/users/{user_id}/buildings``: parse, delegate to the service, answer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.documentation import LINK, LOCATION, examples
from energy_contracts.api.handlers import delete, get, post, put
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import CreatedCursor, page_response, page_size
from energy_contracts.api.responses import ExactJSON, location
from energy_contracts.buildings import service
from energy_contracts.buildings.dependencies import provide_building
from energy_contracts.buildings.models import Building
from energy_contracts.buildings.schemas import (
    BUILDING_EXAMPLES,
    BUILDING_UPDATE_EXAMPLES,
    BuildingCreate,
    BuildingOut,
    BuildingUpdate,
)
from energy_contracts.users.dependencies import provide_user
from energy_contracts.users.models import User

MAX_PAGE_SIZE = 1000


class BuildingController(Controller):
    path = "/org/{org_id:uuid}/users/{user_id:uuid}/buildings"
    tags = ["Buildings"]
    dependencies = {"user": Provide(provide_user), "building": Provide(provide_building)}

    @post(
        "",
        status_code=200,
        summary="Create a building of the user",
        response_description="The created building.",
        response_headers=[LOCATION],
        responses=problems(400, 401, 403, 404, 413, 422, 503),
    )
    async def create_building(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[User],
        data: Annotated[BuildingCreate, examples(BUILDING_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> Response[BuildingOut]:
        building = await service.create_building(session, user, data)
        headers = location(
            request, "get_building", org_id=user.org_id, user_id=user.id, building_id=building.id
        )
        return ExactJSON(service.building_out(building), headers=headers)

    @get(
        "",
        summary="List the user's buildings",
        description="Oldest first. Paged: follow the `Link` header while there is one.",
        response_description="A page of buildings.",
        response_headers=[LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def list_buildings(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        cursor: CreatedCursor = None,
        limit: Annotated[int, page_size(maximum=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
    ) -> Response[list[BuildingOut]]:
        page = await service.list_buildings(session, user, limit=limit, cursor=cursor)
        items = [service.building_out(building) for building in page.items]
        return page_response(request, items, page.next_cursor)

    @get(
        "/{building_id:uuid}",
        name="get_building",
        summary="Get a building",
        response_description="The building.",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_building(self, building: NamedDependency[Building]) -> BuildingOut:
        return service.building_out(building)

    @put(
        "/{building_id:uuid}",
        summary="Update a building (partial)",
        description="Absent fields stay unchanged; `null` clears an optional field.",
        response_description="The updated building.",
        responses=problems(400, 401, 403, 404, 413, 422, 503),
    )
    async def update_building(
        self,
        building: NamedDependency[Building],
        data: Annotated[BuildingUpdate, examples(BUILDING_UPDATE_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> BuildingOut:
        updated = await service.update_building(session, building, data)
        return service.building_out(updated)

    @delete(
        "/{building_id:uuid}",
        summary="Delete a building and its contract",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def delete_building(
        self, building: NamedDependency[Building], session: NamedDependency[AsyncSession]
    ) -> None:
        await service.delete_building(session, building)
