"""HTTP for tariffs (SPEC §11): parse, delegate, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.documentation import ETAG, LINK, LOCATION, examples
from energy_contracts.api.handlers import delete, get, post, put
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import IdCursor, page_response, page_size
from energy_contracts.api.preconditions import IfMatch, etag
from energy_contracts.api.responses import ExactJSON, location
from energy_contracts.tariffs import service
from energy_contracts.tariffs.dependencies import provide_tariff
from energy_contracts.tariffs.models import Tariff
from energy_contracts.tariffs.schemas import TARIFF_EXAMPLES, TariffIn, TariffOut

MAX_TARIFFS_PAGE = 500
RULES = (
    "A component has a `price` or `windows` (with an optional `default_price`); windows are "
    "local wall-clock `from`–`to` on the 15-minute grid (`to` up to `24:00`, after `from`), "
    "optionally on some `months` and `weekdays`; the first window that matches applies, "
    "else `default_price`, else the total is unknown there. Components of one name must not "
    "overlap in validity (`valid_from`, `valid_to` exclusive, local dates). On a contract "
    "whose prices exclude external components the total per kWh is `net = energy + "
    "components`, `vat = net × vat_percent / 100` (0 where net < 0 unless "
    "`vat_on_negative`), `price = net + vat`."
)


def _tariff_response(tariff: Tariff, headers: dict[str, str] | None = None) -> Response[TariffOut]:
    return ExactJSON(
        service.tariff_out(tariff), headers={"ETag": etag(tariff.version), **(headers or {})}
    )


class TariffController(Controller):
    path = "/org/{org_id:uuid}/tariffs"
    tags = ["Tariffs"]
    dependencies = {"tariff": Provide(provide_tariff)}

    @post(
        "",
        status_code=200,
        name="create_tariff",
        summary="Create a tariff: grid fees, levies, VAT and a standing charge",
        description=RULES + " A name already used in the organisation is a 409.",
        response_description="The created tariff.",
        response_headers=[ETAG, LOCATION],
        responses=problems(400, 401, 403, 404, 409, 413, 422, 503),
    )
    async def create_tariff(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        data: Annotated[TariffIn, examples(TARIFF_EXAMPLES)],
        session: NamedDependency[AsyncSession],
    ) -> Response[TariffOut]:
        tariff = await service.create_tariff(session, org_id, data)
        headers = location(request, "get_tariff", org_id=org_id, tariff_id=tariff.id)
        return _tariff_response(tariff, headers)

    @get(
        "",
        summary="The organisation's tariffs",
        description="Ordered by id; paged with `limit` and `cursor` (Link: rel=next).",
        response_description="One page of tariffs.",
        response_headers=[LINK],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def list_tariffs(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        cursor: IdCursor = None,
        limit: Annotated[int, page_size(maximum=MAX_TARIFFS_PAGE)] = MAX_TARIFFS_PAGE,
    ) -> Response[list[TariffOut]]:
        page = await service.list_tariffs(session, org_id, cursor=cursor, limit=limit)
        items = [service.tariff_out(tariff) for tariff in page.items]
        return page_response(request, items, page.next_cursor)

    @get(
        "/{tariff_id:uuid}",
        name="get_tariff",
        summary="One tariff",
        response_description="The tariff.",
        response_headers=[ETAG],
        responses=problems(401, 403, 404, 422, 503),
    )
    async def get_tariff(self, tariff: NamedDependency[Tariff]) -> Response[TariffOut]:
        return _tariff_response(tariff)

    @put(
        "/{tariff_id:uuid}",
        summary="Replace a tariff whole",
        description="Fields left out take their defaults, as on create. " + RULES,
        response_description="The tariff after the change.",
        response_headers=[ETAG],
        responses=problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
    )
    async def replace_tariff(
        self,
        org_id: FromPath[uuid.UUID],
        tariff_id: FromPath[uuid.UUID],
        data: Annotated[TariffIn, examples(TARIFF_EXAMPLES)],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> Response[TariffOut]:
        tariff = await service.replace_tariff(session, org_id, tariff_id, data, if_match=if_match)
        return _tariff_response(tariff)

    @delete(
        "/{tariff_id:uuid}",
        summary="Delete a tariff",
        description="A 409 carrying `contract_count` while contracts name it.",
        responses=problems(401, 403, 404, 409, 412, 422, 503),
    )
    async def delete_tariff(
        self,
        org_id: FromPath[uuid.UUID],
        tariff_id: FromPath[uuid.UUID],
        session: NamedDependency[AsyncSession],
        if_match: IfMatch = None,
    ) -> None:
        await service.delete_tariff(session, org_id, tariff_id, if_match=if_match)
