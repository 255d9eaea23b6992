"""``/org/{org_id}/users``: parse, delegate to the service, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.documentation import LINK, LOCATION, examples
from energy_contracts.api.handlers import delete, get, post, put
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import CreatedCursor, page_response, page_size
from energy_contracts.api.responses import ExactJSON, location
from energy_contracts.users import service
from energy_contracts.users.dependencies import provide_user
from energy_contracts.users.models import User
from energy_contracts.users.schemas import (
    USER_EXAMPLES,
    USER_UPDATE_EXAMPLES,
    UserCreate,
    UserOut,
    UserUpdate,
)

MAX_PAGE_SIZE = 1000


class UserController(Controller):
    path = "/org/{org_id:uuid}/users"
    tags = ["Users"]
    dependencies = {"user": Provide(provide_user)}

    @post(
        "",
        status_code=200,
        summary="Create a user",
        response_description="The created user.",
        response_headers=[LOCATION],
        responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    )
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        data: Annotated[UserCreate, examples(USER_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> Response[UserOut]:
        user = await service.create_user(session, org_id, data)
        headers = location(request, "get_user", org_id=org_id, user_id=user.id)
        return ExactJSON(service.user_out(user), headers=headers)

    @get(
        "",
        summary="List the organisation's users",
        description="Oldest first. Paged: follow the `Link` header while there is one.",
        response_description="A page of users.",
        response_headers=[LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        cursor: CreatedCursor = None,
        limit: Annotated[int, page_size(maximum=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
    ) -> Response[list[UserOut]]:
        page = await service.list_users(session, org_id, limit=limit, cursor=cursor)
        items = [service.user_out(user) for user in page.items]
        return page_response(request, items, page.next_cursor)

    @get(
        "/by-ext-id/{external_user_id:path}",
        summary="Find a user by the partner's external id",
        response_description="The user.",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_user_by_external_id(
        self,
        org_id: FromPath[uuid.UUID],
        external_user_id: Annotated[
            str, PathParameter(description="The user's `external_user_id`.")
        ],
        session: NamedDependency[AsyncSession],
    ) -> UserOut:
        # A path parameter of type path keeps its leading '/'.
        found = await service.get_user_by_external_id(
            session, org_id, external_user_id.removeprefix("/")
        )
        return service.user_out(found)

    @get(
        "/{user_id:uuid}",
        name="get_user",
        summary="Get a user",
        response_description="The user.",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_user(self, user: NamedDependency[User]) -> UserOut:
        return service.user_out(user)

    @put(
        "/{user_id:uuid}",
        summary="Update a user (partial)",
        description="Absent fields stay unchanged; `null` clears an optional field.",
        response_description="The updated user.",
        responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    )
    async def update_user(
        self,
        user: NamedDependency[User],
        data: Annotated[UserUpdate, examples(USER_UPDATE_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> UserOut:
        updated = await service.update_user(session, user, data)
        return service.user_out(updated)

    @delete(
        "/{user_id:uuid}",
        summary="Delete a user with their buildings, contracts and prices",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def delete_user(
        self, user: NamedDependency[User], session: NamedDependency[AsyncSession]
    ) -> None:
        await service.delete_user(session, user)
