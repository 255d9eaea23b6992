"""HTTP for energy contracts (SPEC §4) and their prices (SPEC §5): parse, delegate, respond."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from energy_contracts.api.bodies import decode_json
from energy_contracts.api.openapi import (
    ETAG_HEADER,
    LINK_HEADER,
    LOCATION_HEADER,
    json_response,
    openapi_body,
    problems,
)
from energy_contracts.api.paging import IdCursor, InstantCursor, Limit, page_response
from energy_contracts.api.responses import JSON, location
from energy_contracts.auth.dependencies import ScopedOrgId
from energy_contracts.contracts import service
from energy_contracts.contracts.price_rules import instant_param, non_finite_number_field
from energy_contracts.contracts.schemas import (
    CONTRACT_EXAMPLES,
    CONTRACT_UPDATE_EXAMPLES,
    MAX_PRICES_PER_REQUEST,
    PRICES_EXAMPLES,
    ContractIn,
    ContractOut,
    PriceOut,
    PricesDeleted,
    PricesIn,
    PriceWriteSummary,
)
from energy_contracts.db.session import SessionDep
from energy_contracts.errors import BadRequest, Unprocessable
from energy_contracts.tenancy import ScopedUser

router = APIRouter(tags=["Energy contracts"])

CONTRACTS = "/org/{org_id}/users/{user_id}/energy-contracts"
CONTRACT = CONTRACTS + "/{contract_id}"
PRICES = CONTRACT + "/prices"
MAX_CONTRACTS_PAGE = 500
DEFAULT_PRICES_PAGE = 10_000

T = TypeVar("T")

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The contract\'s ETag (e.g. `"3"`) from an earlier response, or `*`. '
        "A stale ETag is a 412; without the header the write is unconditional.",
    ),
]
IncludePrices = Annotated[
    bool,
    Query(description="false: `energy_prices` is returned empty (page them via `/prices`)."),
]
From = Annotated[
    str | None,
    Query(
        alias="from",
        description="Start (inclusive), ISO 8601 with an offset. Absent: no lower bound.",
        examples=["2024-01-01T00:00:00+01:00"],
    ),
]
To = Annotated[
    str | None,
    Query(
        alias="to",
        description="End (exclusive), ISO 8601 with an offset. Absent: no upper bound.",
        examples=["2024-01-02T00:00:00+01:00"],
    ),
]


async def _decode(request: Request, type_: type[T]) -> T:
    """msgspec decoding; a body that is JSON but for a NaN/Infinity literal is a 422 naming
    the field (SPEC §5), any other malformed body a 400."""
    body = await request.body()
    try:
        return decode_json(body, type_)
    except BadRequest:
        located = non_finite_number_field(body)
        if located is None:
            raise
        raise Unprocessable(f"{located.field}: {located.message}", errors=[located]) from None


def _contract_response(
    view: service.ContractView, *, include_prices: bool, headers: dict[str, str] | None = None
) -> Response:
    content = service.contract_out(view, include_prices=include_prices)
    return JSON(content, headers={"ETag": view.etag, **(headers or {})})


def _range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    return (
        instant_param(start, "from") if start is not None else None,
        instant_param(end, "to") if end is not None else None,
    )


@router.post(
    CONTRACTS,
    name="create_energy_contract",
    summary="Register a user's energy contract",
    description="Creates the user-level contract (no `building_id`) or a building's contract. "
    "At most one of each: a second is a 409 carrying `existing_contract_id`. Prices sent "
    "with it are stored with it, or nothing is stored.",
    openapi_extra=openapi_body(ContractIn, examples=CONTRACT_EXAMPLES),
    responses={
        200: json_response(
            ContractOut, "The created contract.", headers=ETAG_HEADER | LOCATION_HEADER
        ),
        **problems(400, 401, 403, 404, 409, 413, 422, 503),
    },
)
async def create_contract(
    request: Request, user: ScopedUser, session: SessionDep, include_prices: IncludePrices = True
) -> Response:
    body = await _decode(request, ContractIn)
    view = await service.create_contract(session, user, body)
    headers = location(
        request,
        "get_energy_contract",
        org_id=user.org_id,
        user_id=user.id,
        contract_id=view.contract.id,
    )
    return _contract_response(view, include_prices=include_prices, headers=headers)


@router.get(
    CONTRACTS,
    name="list_user_energy_contracts",
    summary="The user's energy contracts",
    responses={
        200: json_response(list[ContractOut], "The user-level and building contracts."),
        **problems(401, 403, 404, 503),
    },
)
async def list_user_contracts(
    user: ScopedUser, session: SessionDep, include_prices: IncludePrices = True
) -> Response:
    views = await service.list_user_contracts(session, user, include_prices=include_prices)
    return JSON([service.contract_out(view, include_prices=include_prices) for view in views])


@router.get(
    CONTRACT,
    name="get_energy_contract",
    summary="One energy contract",
    responses={
        200: json_response(ContractOut, "The contract.", headers=ETAG_HEADER),
        **problems(401, 403, 404, 503),
    },
)
async def get_contract(
    contract_id: uuid.UUID,
    user: ScopedUser,
    session: SessionDep,
    include_prices: IncludePrices = True,
) -> Response:
    view = await service.get_contract(session, user, contract_id, include_prices=include_prices)
    return _contract_response(view, include_prices=include_prices)


@router.put(
    CONTRACT,
    name="update_energy_contract",
    summary="Change an energy contract (partial)",
    description="Fields that are absent stay unchanged; `null` clears an optional field. "
    "Prices sent are upserted by timestamp. `energy_contract_type` and "
    "`price_interval_minutes` can change only while the contract has no prices (else 409).",
    openapi_extra=openapi_body(ContractIn, examples=CONTRACT_UPDATE_EXAMPLES),
    responses={
        200: json_response(ContractOut, "The contract after the change.", headers=ETAG_HEADER),
        **problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
    },
)
async def update_contract(
    request: Request,
    contract_id: uuid.UUID,
    user: ScopedUser,
    session: SessionDep,
    if_match: IfMatch = None,
    include_prices: IncludePrices = True,
) -> Response:
    body = await _decode(request, ContractIn)
    view = await service.update_contract(
        session, user, contract_id, body, if_match=if_match, include_prices=include_prices
    )
    return _contract_response(view, include_prices=include_prices)


@router.delete(
    CONTRACT,
    name="delete_energy_contract",
    summary="Delete an energy contract and its prices",
    status_code=204,
    responses={204: {"description": "Deleted."}, **problems(401, 403, 404, 412, 503)},
)
async def delete_contract(
    contract_id: uuid.UUID, user: ScopedUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    await service.delete_contract(session, user, contract_id, if_match=if_match)
    return Response(status_code=204)


@router.get(
    "/org/{org_id}/energy-contracts",
    name="list_organisation_energy_contracts",
    summary="Every energy contract of the organisation",
    description="Ordered by contract id; paged with `limit` and `cursor` (Link: rel=next).",
    responses={
        200: json_response(list[ContractOut], "One page of contracts.", headers=LINK_HEADER),
        **problems(401, 403, 404, 422, 503),
    },
)
async def list_organisation_contracts(
    request: Request,
    org_id: ScopedOrgId,
    session: SessionDep,
    *,
    user_id: Annotated[uuid.UUID | None, Query(description="Only this user's.")] = None,
    building_id: Annotated[uuid.UUID | None, Query(description="Only this building's.")] = None,
    limit: Annotated[int, Limit(maximum=MAX_CONTRACTS_PAGE)],
    after: IdCursor,
    include_prices: IncludePrices = True,
) -> Response:
    page = await service.list_organisation_contracts(
        session,
        org_id,
        user_id=user_id,
        building_id=building_id,
        after=after,
        limit=limit,
        include_prices=include_prices,
    )
    content = [service.contract_out(view, include_prices=include_prices) for view in page.items]
    return page_response(request, content, page.next_cursor)


@router.get(
    PRICES,
    name="get_energy_contract_prices",
    summary="A contract's prices in [from, to)",
    responses={
        200: json_response(list[PriceOut], "Prices, ascending.", headers=ETAG_HEADER | LINK_HEADER),
        **problems(401, 403, 404, 422, 503),
    },
)
async def get_prices(
    request: Request,
    contract_id: uuid.UUID,
    user: ScopedUser,
    session: SessionDep,
    *,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Limit(maximum=MAX_PRICES_PER_REQUEST, default=DEFAULT_PRICES_PAGE)],
    after: InstantCursor,
) -> Response:
    since, until = _range(start, end)
    page, contract_etag = await service.price_page(
        session, user, contract_id, start=since, end=until, after=after, limit=limit
    )
    headers = {"ETag": contract_etag}
    return page_response(request, service.prices_out(page.items), page.next_cursor, headers)


@router.put(
    PRICES,
    name="put_energy_contract_prices",
    summary="Upsert prices by timestamp",
    description="Up to 100,000 prices; a timestamp already stored gets the new price. "
    "Counts: `unchanged` are prices already stored with the same value. "
    "One invalid price means none is stored.",
    openapi_extra=openapi_body(PricesIn, examples=PRICES_EXAMPLES),
    responses={
        200: json_response(PriceWriteSummary, "What the write did.", headers=ETAG_HEADER),
        **problems(400, 401, 403, 404, 412, 413, 422, 503),
    },
)
async def put_prices(
    request: Request,
    contract_id: uuid.UUID,
    user: ScopedUser,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    body = await _decode(request, PricesIn)
    counts, contract_etag = await service.write_prices(
        session, user, contract_id, body, if_match=if_match
    )
    summary = PriceWriteSummary(
        received=counts.received,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )
    return JSON(summary, headers={"ETag": contract_etag})


@router.delete(
    PRICES,
    name="delete_energy_contract_prices",
    summary="Delete the prices in [from, to)",
    description="An absent bound is open: without `from` and `to` every price is deleted.",
    responses={
        200: json_response(PricesDeleted, "How many prices were deleted.", headers=ETAG_HEADER),
        **problems(401, 403, 404, 412, 422, 503),
    },
)
async def delete_prices(
    contract_id: uuid.UUID,
    user: ScopedUser,
    session: SessionDep,
    start: From = None,
    end: To = None,
    if_match: IfMatch = None,
) -> Response:
    since, until = _range(start, end)
    deleted, contract_etag = await service.delete_prices(
        session, user, contract_id, start=since, end=until, if_match=if_match
    )
    return JSON(PricesDeleted(deleted=deleted), headers={"ETag": contract_etag})
