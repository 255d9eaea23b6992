"""``/org/{org_id}/users``: parse, delegate to the service, respond."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from energy_contracts.api.bodies import decode_body
from energy_contracts.api.openapi import json_response, openapi_body, problems
from energy_contracts.api.paging import next_link
from energy_contracts.api.responses import JSON
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

Limit = Annotated[
    int,
    Query(
        ge=1,
        le=service.MAX_PAGE_SIZE,
        description=f"Page size; default and maximum {service.MAX_PAGE_SIZE}.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(description='Opaque; taken from the previous page\'s `Link: <...>; rel="next"`.'),
]

LOCATION_HEADER = {
    "Location": {"description": "The created object's URL.", "schema": {"type": "string"}}
}
LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 `<...>; rel="next"`, present only when a next page exists.',
        "schema": {"type": "string"},
    }
}


def with_headers(response: dict[str, Any], headers: dict[str, Any]) -> dict[str, Any]:
    return {**response, "headers": headers}


def page_response(request: Request, items: list[dict[str, Any]], next_cursor: str | None) -> JSON:
    headers = next_link(request.url, next_cursor) if next_cursor is not None else None
    return JSON(items, headers=headers)


@router.post(
    "",
    summary="Create a user",
    openapi_extra=openapi_body(UserCreate, examples=USER_EXAMPLES),
    responses={
        200: with_headers(json_response(UserOut, "The created user."), LOCATION_HEADER),
        **problems(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_user(request: Request, org_id: ScopedOrgId, session: SessionDep) -> Response:
    body = await decode_body(request, UserCreate)
    user = await service.create_user(session, org_id, body)
    location = request.url_for("get_user", org_id=str(org_id), user_id=str(user.id))
    return JSON(service.user_json(user), headers={"Location": str(location)})


@router.get(
    "",
    summary="List the organisation's users",
    description="Oldest first. Paged: follow the `Link` header while there is one.",
    responses={
        200: with_headers(json_response(list[UserOut], "A page of users."), LINK_HEADER),
        **problems(401, 403, 404, 422, 503),
    },
)
async def list_users(
    request: Request,
    org_id: ScopedOrgId,
    session: SessionDep,
    limit: Limit = service.MAX_PAGE_SIZE,
    cursor: Cursor = None,
) -> Response:
    page = await service.list_users(session, org_id, limit=limit, cursor=cursor)
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
