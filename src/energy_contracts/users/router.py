"""``/org/{org_id}/users``: parse, delegate to the service, respond."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
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
from energy_contracts.auth.dependencies import ScopedOrgId
from energy_contracts.db.session import SessionDep
from energy_contracts.tenancy import ScopedUser
from energy_contracts.users import service
from energy_contracts.users.schemas import (
    USER_EXAMPLES,
    USER_UPDATE_EXAMPLES,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/org/{org_id}/users", tags=["Users"])

MAX_PAGE_SIZE = 1000


@router.post(
    "",
    summary="Create a user",
    openapi_extra=openapi_body(UserCreate, examples=USER_EXAMPLES),
    responses={
        200: json_response(UserOut, "The created user.", headers=LOCATION_HEADER),
        **problems(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_user(request: Request, org_id: ScopedOrgId, session: SessionDep) -> Response:
    body = await decode_body(request, UserCreate)
    user = await service.create_user(session, org_id, body)
    headers = location(request, "get_user", org_id=org_id, user_id=user.id)
    return JSON(service.user_json(user), headers=headers)


@router.get(
    "",
    summary="List the organisation's users",
    description="Oldest first. Paged: follow the `Link` header while there is one.",
    responses={
        200: json_response(list[UserOut], "A page of users.", headers=LINK_HEADER),
        **problems(401, 403, 404, 422, 503),
    },
)
async def list_users(
    request: Request,
    org_id: ScopedOrgId,
    session: SessionDep,
    limit: Annotated[int, Limit(maximum=MAX_PAGE_SIZE)],
    after: CreatedCursor,
) -> Response:
    page = await service.list_users(session, org_id, limit=limit, after=after)
    return page_response(request, [service.user_json(u) for u in page.items], page.next_cursor)


@router.get(
    "/by-ext-id/{external_user_id:path}",
    summary="Find a user by the partner's external id",
    responses={200: json_response(UserOut, "The user."), **problems(401, 403, 404, 422, 503)},
)
async def get_user_by_external_id(
    org_id: ScopedOrgId,
    external_user_id: Annotated[str, Path(description="The user's `external_user_id`.")],
    session: SessionDep,
) -> Response:
    user = await service.get_user_by_external_id(session, org_id, external_user_id)
    return JSON(service.user_json(user))


@router.get(
    "/{user_id}",
    summary="Get a user",
    responses={200: json_response(UserOut, "The user."), **problems(401, 403, 404, 422, 503)},
)
async def get_user(user: ScopedUser) -> Response:
    return JSON(service.user_json(user))


@router.put(
    "/{user_id}",
    summary="Update a user (partial)",
    description="Absent fields stay unchanged; `null` clears an optional field.",
    openapi_extra=openapi_body(UserUpdate, examples=USER_UPDATE_EXAMPLES),
    responses={
        200: json_response(UserOut, "The updated user."),
        **problems(400, 401, 403, 404, 409, 422, 503),
    },
)
async def update_user(request: Request, user: ScopedUser, session: SessionDep) -> Response:
    body = await decode_body(request, UserUpdate)
    updated = await service.update_user(session, user, body)
    return JSON(service.user_json(updated))


@router.delete(
    "/{user_id}",
    status_code=204,
    summary="Delete a user with their buildings, contracts and prices",
    responses={204: {"description": "Deleted."}, **problems(401, 403, 404, 422, 503)},
)
async def delete_user(user: ScopedUser, session: SessionDep) -> Response:
    await service.delete_user(session, user)
    return Response(status_code=204)
