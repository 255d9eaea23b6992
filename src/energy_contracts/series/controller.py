"""HTTP for price series (SPEC §10) and their prices: parse, delegate, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.documentation import ETAG, LINK, LOCATION, examples
from energy_contracts.api.handlers import delete, get, post, put
from energy_contracts.api.instants import (
    From,
    To,
    instant_parameter,
    open_range,
    optional_instant,
)
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import IdCursor, InstantCursor, page_response, page_size
from energy_contracts.api.preconditions import IfMatch, etag
from energy_contracts.api.responses import ExactJSON, location
from energy_contracts.contracts.schemas import (
    MAX_PRICES_PER_REQUEST,
    PriceOut,
    PricesDeleted,
    PricesIn,
    PriceWriteSummary,
)
from energy_contracts.contracts.service import prices_out
from energy_contracts.series import service
from energy_contracts.series.dependencies import provide_series
from energy_contracts.series.models import Series
from energy_contracts.series.schemas import (
    SERIES_ENTRY_VALIDITY,
    SERIES_EXAMPLES,
    SERIES_PRICES_EXAMPLES,
    SERIES_UPDATE_EXAMPLES,
    SeriesCreate,
    SeriesOut,
    SeriesUpdate,
)

MAX_SERIES_PAGE = 500
DEFAULT_PRICES_PAGE = 10_000


def _series_response(
    view: service.SeriesView, headers: dict[str, str] | None = None
) -> Response[SeriesOut]:
    return ExactJSON(service.series_out(view), headers={"ETag": view.etag, **(headers or {})})


class SeriesController(Controller):
    path = "/org/{org_id:uuid}/price-series"
    tags = ["Price series"]
    dependencies = {"series": Provide(provide_series)}

    @post(
        "",
        status_code=200,
        name="create_price_series",
        summary="Create a price series",
        description="A market price series held once (e.g. one bidding zone's day-ahead "
        "prices), which index-linked contracts follow. A name already used in the "
        "organisation is a 409.",
        response_description="The created series.",
        response_headers=[ETAG, LOCATION],
        responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    )
    async def create_series(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        data: Annotated[SeriesCreate, examples(SERIES_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> Response[SeriesOut]:
        series = await service.create_series(session, org_id, data)
        headers = location(request, "get_price_series", org_id=org_id, series_id=series.id)
        return _series_response(service.SeriesView(series, None), headers)

    @get(
        "",
        summary="The organisation's price series",
        description="Ordered by id; paged with `limit` and `cursor` (Link: rel=next). With "
        "`prices_known_until_before`, only the series whose `prices_known_until` is strictly "
        "before that instant (series without prices are left out).",
        response_description="One page of series.",
        response_headers=[LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def list_series(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        prices_known_until_before: Annotated[
            str | None,
            instant_parameter(
                "prices_known_until_before",
                "Only series whose `prices_known_until` is strictly before this instant.",
            ),
        ] = None,
        cursor: IdCursor = None,
        limit: Annotated[int, page_size(maximum=MAX_SERIES_PAGE)] = MAX_SERIES_PAGE,
    ) -> Response[list[SeriesOut]]:
        page = await service.list_series(
            session,
            org_id,
            prices_known_until_before=optional_instant(
                prices_known_until_before, "prices_known_until_before"
            ),
            cursor=cursor,
            limit=limit,
        )
        items = [service.series_out(view) for view in page.items]
        return page_response(request, items, page.next_cursor)

    @get(
        "/{series_id:uuid}",
        name="get_price_series",
        summary="One price series",
        response_description="The series.",
        response_headers=[ETAG],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_series(
        self, series: NamedDependency[Series], session: NamedDependency[AsyncSession]
    ) -> Response[SeriesOut]:
        return _series_response(await service.view_of(session, series))

    @put(
        "/{series_id:uuid}",
        summary="Change a price series (partial)",
        description="Fields that are absent stay unchanged; `null` clears `description` or "
        "`area`. `interval_minutes` and `timezone` can change only while the series has no "
        "prices (else 409); renaming onto another series' name is a 409.",
        response_description="The series after the change.",
        response_headers=[ETAG],
        responses=problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
    )
    async def update_series(
        self,
        org_id: FromPath[uuid.UUID],
        series_id: FromPath[uuid.UUID],
        data: Annotated[SeriesUpdate, examples(SERIES_UPDATE_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> Response[SeriesOut]:
        series = await service.update_series(session, org_id, series_id, data, if_match=if_match)
        return _series_response(await service.view_of(session, series))

    @delete(
        "/{series_id:uuid}",
        summary="Delete a price series and its prices",
        description="A 409 carrying `contract_count` while contracts are linked to it.",
        responses=problems(401, 403, 404, 409, 412, 422, 503),
    )
    async def delete_series(
        self,
        org_id: FromPath[uuid.UUID],
        series_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> None:
        await service.delete_series(session, org_id, series_id, if_match=if_match)

    @get(
        "/{series_id:uuid}/prices",
        summary="A series' prices in [from, to)",
        description=SERIES_ENTRY_VALIDITY,
        response_description="Prices, ascending.",
        response_headers=[ETAG, LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_prices(
        self,
        request: Request[Any, Any, Any],
        series: NamedDependency[Series],
        session: NamedDependency[AsyncSession],
        start: From = None,
        end: To = None,
        cursor: InstantCursor = None,
        limit: Annotated[
            int, page_size(maximum=MAX_PRICES_PER_REQUEST, default=DEFAULT_PRICES_PAGE)
        ] = DEFAULT_PRICES_PAGE,
    ) -> Response[list[PriceOut]]:
        since, until = open_range(start, end)
        page = await service.price_page(
            session, series, start=since, end=until, cursor=cursor, limit=limit
        )
        items = prices_out(page.items)
        return page_response(request, items, page.next_cursor, {"ETag": etag(series.version)})

    @put(
        "/{series_id:uuid}/prices",
        summary="Upsert a series' prices by timestamp",
        description="Exactly as a contract's prices: up to 100,000 prices, on the series' "
        "grid (`interval_minutes` in its time zone); a timestamp already stored gets the new "
        "price; one invalid price means none is stored. One request updates every contract "
        "linked to the series. " + SERIES_ENTRY_VALIDITY,
        response_description="What the write did.",
        response_headers=[ETAG],
        responses=problems(400, 401, 403, 404, 412, 413, 422, 503),
    )
    async def put_prices(
        self,
        org_id: FromPath[uuid.UUID],
        series_id: FromPath[uuid.UUID],
        data: Annotated[PricesIn, examples(SERIES_PRICES_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> Response[PriceWriteSummary]:
        counts, series_etag = await service.write_prices(
            session, org_id, series_id, data, if_match=if_match
        )
        return ExactJSON(PriceWriteSummary.of(counts), headers={"ETag": series_etag})

    @delete(
        "/{series_id:uuid}/prices",
        status_code=200,
        summary="Delete a series' prices in [from, to)",
        description="An absent bound is open: without `from` and `to` every price is deleted.",
        response_description="How many prices were deleted.",
        response_headers=[ETAG],
        responses=problems(401, 403, 404, 412, 422, 503),
    )
    async def delete_prices(
        self,
        series: NamedDependency[Series],
        session: NamedDependency[AsyncSession],
        start: From = None,
        end: To = None,
        if_match: IfMatch = None,
    ) -> Response[PricesDeleted]:
        # ``series``: an unknown series is a 404 before the range is looked at.
        since, until = open_range(start, end)
        deleted, series_etag = await service.delete_prices(
            session, series.org_id, series.id, start=since, end=until, if_match=if_match
        )
        return ExactJSON(PricesDeleted(deleted=deleted), headers={"ETag": series_etag})
