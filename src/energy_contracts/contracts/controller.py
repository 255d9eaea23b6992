"""HTTP for energy contracts (SPEC §4) and their prices (SPEC §5): parse, delegate, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.documentation import ETAG, LINK, LOCATION, examples
from energy_contracts.api.handlers import delete, get, post, put
from energy_contracts.api.instants import From, To, instant_parameter, open_range, optional_instant
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import IdCursor, InstantCursor, page_response, page_size
from energy_contracts.api.preconditions import IfMatch
from energy_contracts.api.responses import ExactJSON, location
from energy_contracts.contracts import price_service, service
from energy_contracts.contracts.index import SeriesIndex
from energy_contracts.contracts.named_tariff import TariffCatalogue
from energy_contracts.contracts.schemas import (
    CONTRACT_EXAMPLES,
    CONTRACT_UPDATE_EXAMPLES,
    ENTRY_VALIDITY,
    MAX_PRICES_PER_REQUEST,
    PRICES_EXAMPLES,
    ContractCreate,
    ContractOut,
    ContractUpdate,
    PriceOut,
    PricesDeleted,
    PricesIn,
    PriceWriteSummary,
)
from energy_contracts.users.dependencies import provide_user
from energy_contracts.users.models import User

MAX_CONTRACTS_PAGE = 500
DEFAULT_PRICES_PAGE = 10_000
TAGS = ["Energy contracts"]

IncludePrices = Annotated[
    bool,
    QueryParameter(
        description="false: `energy_prices` is returned empty (page them via `/prices`)."
    ),
]


def _contract_response(
    view: service.ContractView, *, include_prices: bool, headers: dict[str, str] | None = None
) -> ExactJSON:
    content = service.contract_out(view, include_prices=include_prices)
    return ExactJSON(content, headers={"ETag": view.etag, **(headers or {})})


class ContractController(Controller):
    path = "/org/{org_id:uuid}/users/{user_id:uuid}/energy-contracts"
    tags = TAGS
    dependencies = {"user": Provide(provide_user)}

    @post(
        "",
        status_code=200,
        name="create_energy_contract",
        summary="Register a user's energy contract",
        description="Creates the user-level contract (no `building_id`) or a building's "
        "contract. At most one of each: a second is a 409 carrying `existing_contract_id`. "
        "Prices sent with it are stored with it, or nothing is stored.",
        response_description="The created contract.",
        response_headers=[ETAG, LOCATION],
        responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    )
    async def create_contract(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[User],
        data: Annotated[ContractCreate, examples(CONTRACT_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        series_index: NamedDependency[SeriesIndex],
        tariff_catalogue: NamedDependency[TariffCatalogue],
        include_prices: IncludePrices = True,
    ) -> Response[ContractOut]:
        view = await service.create_contract(
            session,
            user,
            data,
            index=series_index,
            tariffs=tariff_catalogue,
            include_prices=include_prices,
        )
        headers = location(
            request,
            "get_energy_contract",
            org_id=user.org_id,
            user_id=user.id,
            contract_id=view.contract.id,
        )
        return _contract_response(view, include_prices=include_prices, headers=headers)

    @get(
        "",
        name="list_user_energy_contracts",
        summary="The user's energy contracts",
        response_description="The user-level and building contracts.",
        responses=problems(401, 403, 404, 422, 503),
    )
    async def list_user_contracts(
        self,
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        series_index: NamedDependency[SeriesIndex],
        include_prices: IncludePrices = True,
    ) -> list[ContractOut]:
        views = await service.list_user_contracts(
            session, user, include_prices=include_prices, index=series_index
        )
        return [service.contract_out(view, include_prices=include_prices) for view in views]

    @get(
        "/{contract_id:uuid}",
        name="get_energy_contract",
        summary="One energy contract",
        response_description="The contract.",
        response_headers=[ETAG],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_contract(
        self,
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        series_index: NamedDependency[SeriesIndex],
        include_prices: IncludePrices = True,
    ) -> Response[ContractOut]:
        view = await service.get_contract(
            session, user, contract_id, include_prices=include_prices, index=series_index
        )
        return _contract_response(view, include_prices=include_prices)

    @put(
        "/{contract_id:uuid}",
        name="update_energy_contract",
        summary="Change an energy contract (partial)",
        description="Fields that are absent stay unchanged; `null` clears an optional field. "
        "Prices sent are upserted by timestamp. `energy_contract_type` and "
        "`price_interval_minutes` can change only while the contract has no prices (else 409). "
        "Linking a contract that has prices to a series is a 409, and so are prices sent to a "
        "linked contract.",
        response_description="The contract after the change.",
        response_headers=[ETAG],
        responses=problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
    )
    async def update_contract(
        self,
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        data: Annotated[ContractUpdate, examples(CONTRACT_UPDATE_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        series_index: NamedDependency[SeriesIndex],
        tariff_catalogue: NamedDependency[TariffCatalogue],
        if_match: IfMatch = None,
        include_prices: IncludePrices = True,
    ) -> Response[ContractOut]:
        view = await service.update_contract(
            session,
            user,
            contract_id,
            data,
            if_match=if_match,
            include_prices=include_prices,
            index=series_index,
            tariffs=tariff_catalogue,
        )
        return _contract_response(view, include_prices=include_prices)

    @delete(
        "/{contract_id:uuid}",
        name="delete_energy_contract",
        summary="Delete an energy contract and its prices",
        responses=problems(401, 403, 404, 412, 422, 503),
    )
    async def delete_contract(
        self,
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> None:
        await service.delete_contract(session, user, contract_id, if_match=if_match)

    @get(
        "/{contract_id:uuid}/prices",
        name="get_energy_contract_prices",
        summary="A contract's prices in [from, to)",
        description="An index-linked contract's prices are derived from its series: "
        "`series × factor + markup` at each of the series' instants. " + ENTRY_VALIDITY,
        response_description="Prices, ascending.",
        response_headers=[ETAG, LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_prices(
        self,
        request: Request[Any, Any, Any],
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        series_index: NamedDependency[SeriesIndex],
        start: From = None,
        end: To = None,
        cursor: InstantCursor = None,
        limit: Annotated[
            int, page_size(maximum=MAX_PRICES_PER_REQUEST, default=DEFAULT_PRICES_PAGE)
        ] = DEFAULT_PRICES_PAGE,
    ) -> Response[list[PriceOut]]:
        since, until = open_range(start, end)
        page, contract_etag = await price_service.price_page(
            session,
            user,
            contract_id,
            start=since,
            end=until,
            cursor=cursor,
            limit=limit,
            index=series_index,
        )
        items = service.prices_out(page.items)
        return page_response(request, items, page.next_cursor, {"ETag": contract_etag})

    @put(
        "/{contract_id:uuid}/prices",
        name="put_energy_contract_prices",
        summary="Upsert prices by timestamp",
        description="Up to 100,000 prices; a timestamp already stored gets the new price. "
        "Counts: `unchanged` are prices already stored with the same value. "
        "One invalid price means none is stored. An index-linked contract stores no prices "
        "(409). " + ENTRY_VALIDITY,
        response_description="What the write did.",
        response_headers=[ETAG],
        responses=problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
    )
    async def put_prices(
        self,
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        data: Annotated[PricesIn, examples(PRICES_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> Response[PriceWriteSummary]:
        counts, contract_etag = await price_service.write_prices(
            session, user, contract_id, data, if_match=if_match
        )
        return ExactJSON(PriceWriteSummary.of(counts), headers={"ETag": contract_etag})

    @delete(
        "/{contract_id:uuid}/prices",
        status_code=200,
        name="delete_energy_contract_prices",
        summary="Delete the prices in [from, to)",
        description="An absent bound is open: without `from` and `to` every price is deleted. "
        "An index-linked contract has no prices of its own to delete (409).",
        response_description="How many prices were deleted.",
        response_headers=[ETAG],
        responses=problems(401, 403, 404, 409, 412, 422, 503),
    )
    async def delete_prices(
        self,
        contract_id: FromPath[uuid.UUID],
        user: NamedDependency[User],
        session: NamedDependency[AsyncSession],
        start: From = None,
        end: To = None,
        if_match: IfMatch = None,
    ) -> Response[PricesDeleted]:
        since, until = open_range(start, end)
        deleted, contract_etag = await price_service.delete_prices(
            session, user, contract_id, start=since, end=until, if_match=if_match
        )
        return ExactJSON(PricesDeleted(deleted=deleted), headers={"ETag": contract_etag})


@get(
    "/org/{org_id:uuid}/energy-contracts",
    name="list_organisation_energy_contracts",
    summary="Every energy contract of the organisation",
    description="Ordered by contract id; paged with `limit` and `cursor` (Link: rel=next). "
    "With `prices_known_until_before`, only the contracts whose `prices_known_until` is "
    "strictly before that instant: those about to run out of prices (contracts without "
    "prices are left out).",
    tags=TAGS,
    response_description="One page of contracts.",
    response_headers=[LINK],
    responses=problems(401, 403, 404, 422, 503),
)
async def list_organisation_contracts(
    request: Request[Any, Any, Any],
    org_id: FromPath[uuid.UUID],
    session: NamedDependency[AsyncSession],
    series_index: NamedDependency[SeriesIndex],
    user_id: Annotated[uuid.UUID | None, QueryParameter(description="Only this user's.")] = None,
    building_id: Annotated[
        uuid.UUID | None, QueryParameter(description="Only this building's.")
    ] = None,
    prices_known_until_before: Annotated[
        str | None,
        instant_parameter(
            "prices_known_until_before",
            "Only contracts whose `prices_known_until` is strictly before this instant.",
        ),
    ] = None,
    cursor: IdCursor = None,
    limit: Annotated[int, page_size(maximum=MAX_CONTRACTS_PAGE)] = MAX_CONTRACTS_PAGE,
    include_prices: IncludePrices = True,
) -> Response[list[ContractOut]]:
    page = await service.list_organisation_contracts(
        session,
        org_id,
        user_id=user_id,
        building_id=building_id,
        prices_known_until_before=optional_instant(
            prices_known_until_before, "prices_known_until_before"
        ),
        cursor=cursor,
        limit=limit,
        include_prices=include_prices,
        index=series_index,
    )
    content = [service.contract_out(view, include_prices=include_prices) for view in page.items]
    return page_response(request, content, page.next_cursor)
