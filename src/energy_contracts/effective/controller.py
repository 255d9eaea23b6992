"""SPEC §6 endpoints: parse the question, ask the service, answer.

Thin HTTP over the pure ``pricing`` package: the repository loads exactly the rows a question
needs, ``pricing`` answers it. These answers only read, and without the ORM (see
``effective.repository``): a pooled connection is all they need, not a session.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from litestar import Controller, Request
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncConnection

from energy_contracts import pricing
from energy_contracts.api.documentation import LINK, examples
from energy_contracts.api.explain import field_path
from energy_contracts.api.handlers import get, post
from energy_contracts.api.instants import (
    LOCAL_DAY_SCHEMA,
    Day,
    From,
    To,
    instant,
    local_day,
    optional_instant,
    utc_instant,
)
from energy_contracts.api.openapi import problems
from energy_contracts.api.paging import BY_ID, IdCursor, next_link, page_of, page_size
from energy_contracts.auth.caller import REQUIRED_SCOPE
from energy_contracts.contracts.price_rules import MAX_DECIMAL_PLACES, decimal_places
from energy_contracts.db.engine import Database
from energy_contracts.db.session import READS_ONLY
from energy_contracts.effective import bulk, repository, service
from energy_contracts.effective.schemas import (
    BuildingEffectivePrices,
    CheapestWindow,
    ConsumptionIn,
    CostAnswer,
    CostRequest,
    EffectiveInterval,
    EffectivePrices,
)
from energy_contracts.errors import Unprocessable

TAGS = ["Effective prices"]
LEVELS_DOC = (
    "`level` ranks each known price within the answer: over the known prices let med be the "
    "median and scale = max(max − min, 0.2 × mean |p|); r = (p − med) / scale; VERY_CHEAP if "
    "r ≤ −0.3, CHEAP if r ≤ −0.1, NORMAL if r < 0.1, EXPENSIVE if r < 0.3, else "
    "VERY_EXPENSIVE (all NORMAL when every price is zero). It depends on differences only, so "
    "it stays sane for negative and zero prices and for flat days."
)
COMMON_PROBLEMS = problems(401, 403, 404, 422, 503)
TARIFF_DOC = (
    " Where a contract names a tariff, `price` is the total per kWh (energy + grid + levy + "
    "other + VAT), `breakdown` gives its parts and `includes_external_components` is true; "
    "levels, windows and costs use that total. `price_basis` says whether the known prices "
    "compared include external components."
)
CURRENT_DOC = (
    "A 404 of problem type `no-current-price` when no price is known now (never an invented "
    "interval)."
)
# A year of minutes: longer than any range a question may span.
MAX_WINDOW_MINUTES = 366 * 24 * 60
MAX_KWH = Decimal(10) ** 9

Interval = Annotated[
    Literal[15, 30, 60] | None,
    QueryParameter(description="Resample to this grid of the local clock: 15, 30 or 60 minutes."),
]
COST_EXAMPLES = {
    "two_hours": {
        "consumption": [
            {"start": "2024-01-15T00:00:00Z", "end": "2024-01-15T01:00:00Z", "kwh": 1.5},
            {"start": "2024-01-15T01:00:00Z", "end": "2024-01-15T02:00:00Z", "kwh": 2},
        ]
    }
}


async def provide_building_pricing(
    org_id: FromPath[uuid.UUID],
    user_id: FromPath[uuid.UUID],
    building_id: FromPath[uuid.UUID],
    connection: NamedDependency[AsyncConnection],
) -> service.Pricing:
    # One scoped read resolves user, building, organisation and contracts together.
    return await service.building_pricing(connection, org_id, user_id, building_id)


async def provide_user_pricing(
    org_id: FromPath[uuid.UUID],
    user_id: FromPath[uuid.UUID],
    connection: NamedDependency[AsyncConnection],
) -> service.Pricing:
    return await service.user_pricing(connection, org_id, user_id)


class BuildingPrices(Controller):
    """What a building pays: its contract over the user-level one, instant by instant."""

    path = "/org/{org_id:uuid}/users/{user_id:uuid}/buildings/{building_id:uuid}"
    tags = TAGS
    dependencies = {"subject": Provide(provide_building_pricing)}

    @get(
        "/effective-prices",
        summary="What a building pays over a range",
        description="Building contract first, the user-level contract where it has no price. "
        + LEVELS_DOC
        + TARIFF_DOC,
        responses=COMMON_PROBLEMS,
    )
    async def effective_prices(
        self,
        org_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        building_id: FromPath[uuid.UUID],
        database: NamedDependency[Database],
        start: From = None,
        end: To = None,
        day: Day = None,
        interval: Interval = None,
    ) -> EffectivePrices:
        # The hot read: the building, its contracts and (when the range can be told before
        # the building is read) their prices in one statement (see service.likely_range);
        # the connection goes back to the pool before the answer is computed.
        since, until = optional_instant(start, "from"), optional_instant(end, "to")
        local = None if day is None else local_day(day)
        likely = service.likely_range(org_id, building_id, since, until, local)
        async with database.engine.connect() as connection:
            subject = await service.building_pricing(
                connection, org_id, user_id, building_id, prices_in=likely
            )
            begin, finish = service.requested_range(since, until, local, subject.timezone)
            rows = await subject.prices(connection, begin, finish)
        return await service.computed_answer(
            subject, rows, start=begin, end=finish, interval=interval
        )

    @get(
        "/effective-prices/current",
        summary="The building's price interval that contains now",
        description=CURRENT_DOC,
        responses=COMMON_PROBLEMS,
    )
    async def current_price(
        self,
        subject: NamedDependency[service.Pricing],
        connection: NamedDependency[AsyncConnection],
        interval: Interval = None,
    ) -> EffectiveInterval:
        return await service.current_interval(
            connection, subject, now=datetime.now(UTC), interval=interval
        )

    @get(
        "/cheapest-window",
        summary="Where a flexible load of `minutes` runs cheapest",
        description="The start in [from, to − minutes] whose window is wholly known and has "
        "the lowest time-weighted mean price (ties: earliest). With contiguous=false, the "
        "cheapest slots of the contract grid adding up to `minutes` (rounded up to whole "
        "slots). `from` defaults to now and `to` to 24 hours after `from`; instead of them, "
        "`day` is that local day of the building (both at once is a 422). When no window is "
        "wholly known, the 422 names the range (`from` and `to`, or `day`)." + TARIFF_DOC,
        responses=COMMON_PROBLEMS,
    )
    async def cheapest_window(
        self,
        subject: NamedDependency[service.Pricing],
        connection: NamedDependency[AsyncConnection],
        minutes: Annotated[
            int, QueryParameter(ge=1, le=MAX_WINDOW_MINUTES, description="Length of the load.")
        ],
        start: From = None,
        end: To = None,
        day: Day = None,
        contiguous: Annotated[
            bool, QueryParameter(description="One window, or any cheapest slots.")
        ] = True,
    ) -> CheapestWindow:
        range_fields: tuple[str, ...] = ("from", "to")
        if day is not None:
            since, until = optional_instant(start, "from"), optional_instant(end, "to")
            begin, finish = service.requested_range(since, until, local_day(day), subject.timezone)
            range_fields = ("day",)
        else:
            begin = instant(start, "from") if start is not None else datetime.now(UTC)
            finish = instant(end, "to") if end is not None else begin + timedelta(hours=24)
            begin, finish = service.checked_range(begin, finish)
        return await service.cheapest_window(
            connection,
            subject,
            start=begin,
            end=finish,
            minutes=minutes,
            contiguous=contiguous,
            range_fields=range_fields,
        )

    @post(
        "/cost",
        status_code=200,
        summary="What a consumption profile costs in this building",
        description="Each consumption's kWh is spread evenly over its interval. Energy where "
        "the price is unknown is `uncovered_kwh`, never priced at zero. Each piece names the "
        "contract it was priced by. With a tariff, `standing_charge` adds its daily charge "
        "(and VAT on it) over the consumption's span to `total_cost`. Needs only the read "
        "scope." + TARIFF_DOC,
        opt={REQUIRED_SCOPE: "read", READS_ONLY: True},
        responses=problems(400, 401, 403, 404, 413, 422, 503),
    )
    async def cost(
        self,
        subject: NamedDependency[service.Pricing],
        connection: NamedDependency[AsyncConnection],
        data: Annotated[CostRequest, examples(COST_EXAMPLES)],
    ) -> CostAnswer:
        consumption = await service.computed(
            lambda: [_consumption(index, item) for index, item in enumerate(data.consumption)],
            size=len(data.consumption),
        )
        return await service.consumption_cost(connection, subject, consumption)


class UserPrices(Controller):
    """The user-level contract alone, on the organisation's clock."""

    path = "/org/{org_id:uuid}/users/{user_id:uuid}"
    tags = TAGS
    dependencies = {"subject": Provide(provide_user_pricing)}

    @get(
        "/effective-prices",
        summary="The user-level contract's prices over a range",
        description="Only the user-level contract (no building override). "
        + LEVELS_DOC
        + TARIFF_DOC,
        responses=COMMON_PROBLEMS,
    )
    async def effective_prices(
        self,
        subject: NamedDependency[service.Pricing],
        connection: NamedDependency[AsyncConnection],
        start: From = None,
        end: To = None,
        day: Day = None,
        interval: Interval = None,
    ) -> EffectivePrices:
        since, until = optional_instant(start, "from"), optional_instant(end, "to")
        local = None if day is None else local_day(day)
        begin, finish = service.requested_range(since, until, local, subject.timezone)
        return await service.effective_prices(
            connection, subject, start=begin, end=finish, interval=interval
        )

    @get(
        "/effective-prices/current",
        summary="The user-level price interval that contains now",
        description=CURRENT_DOC,
        responses=COMMON_PROBLEMS,
    )
    async def current_price(
        self,
        subject: NamedDependency[service.Pricing],
        connection: NamedDependency[AsyncConnection],
        interval: Interval = None,
    ) -> EffectiveInterval:
        return await service.current_interval(
            connection, subject, now=datetime.now(UTC), interval=interval
        )


def _consumption(index: int, item: ConsumptionIn) -> pricing.Consumption:
    start, end = (_instant(item, index, name) for name in ("start", "end"))
    if end <= start:
        raise Unprocessable.field(field_path("consumption", index, "end"), "must be after start")
    kwh = _kwh(bytes(item.kwh), field_path("consumption", index, "kwh"))
    return pricing.Consumption(start, end, kwh)


def _instant(item: ConsumptionIn, index: int, name: str) -> datetime:
    value = utc_instant(getattr(item, name))
    if isinstance(value, str):
        raise Unprocessable.field(field_path("consumption", index, name), value)
    return value


def _kwh(raw: bytes, field: str) -> Decimal:
    """An amount of energy: an exact decimal, 0 ≤ kWh < 1e9 (more is a unit mistake), at
    most 19 decimal places (more cannot be held exactly)."""
    if not raw or raw[:1] not in b"-0123456789":
        raise Unprocessable.field(field, "must be a number")
    try:
        value = Decimal(raw.decode())
    except InvalidOperation:
        raise Unprocessable.field(field, "must be a number") from None
    if not value.is_finite() or not 0 <= value < MAX_KWH:
        raise Unprocessable.field(field, "must be a number from 0 to less than 1e9")
    if decimal_places(value) > MAX_DECIMAL_PLACES:
        raise Unprocessable.field(field, f"must have at most {MAX_DECIMAL_PLACES} decimal places")
    return value


NDJSON = "application/x-ndjson"
MAX_BULK_PAGE = 10_000
DEFAULT_BULK_PAGE = 1_000
BulkDay = Annotated[
    str,
    QueryParameter(
        name="day",
        description="A local day (YYYY-MM-DD): each building's own, in its time zone.",
        schema_extra=LOCAL_DAY_SCHEMA,
    ),
]


@get(
    "/org/{org_id:uuid}/effective-prices",
    summary="What every building of the organisation pays on its local day (NDJSON)",
    description="One line per building of the organisation, ordered by building id (as its "
    'lowercase text), each `{"user_id", "building_id", ...}` followed by exactly the '
    "members of that building's `effective-prices?day=` answer, for the building's own local "
    "day (23, 24 or 25 hours in its time zone). Streamed as it is computed; paged with "
    "`limit` and `cursor` (Link: rel=next, sent before the first line). How a partner's "
    "optimiser fetches tomorrow's prices for every building after the day-ahead auction. "
    + LEVELS_DOC
    + TARIFF_DOC,
    tags=TAGS,
    media_type=NDJSON,
    response_headers=[LINK],
    responses={
        200: ResponseSpec(
            data_container=BuildingEffectivePrices,
            media_type=NDJSON,
            description="Newline-delimited JSON: one such object per line, one line per "
            "building of the page.",
            generate_examples=False,
        ),
        **problems(401, 403, 404, 422, 503),
    },
)
async def organisation_effective_prices(
    request: Request[Any, Any, Any],
    org_id: FromPath[uuid.UUID],
    database: NamedDependency[Database],
    day: BulkDay,
    interval: Interval = None,
    cursor: IdCursor = None,
    limit: Annotated[
        int, page_size(maximum=MAX_BULK_PAGE, default=DEFAULT_BULK_PAGE)
    ] = DEFAULT_BULK_PAGE,
) -> Stream:
    local = local_day(day)
    async with database.engine.connect() as connection:
        found = await repository.buildings_page(
            connection, org_id, after_id=BY_ID.after(cursor), limit=limit + 1
        )
    page = page_of(found, limit, BY_ID, lambda building: building.id)
    headers = {} if page.next_cursor is None else next_link(request, page.next_cursor)
    return Stream(
        bulk.lines(database, org_id, page.items, day=local, interval=interval),
        media_type=NDJSON,
        headers=headers,
    )


def document_bulk_link(document: dict[str, Any], *, api_prefix: str) -> None:
    """The organisation-wide answer's 200 is a ``ResponseSpec`` (to document a line's schema
    under its media type), which Litestar writes without the handler's ``Link`` header."""
    operation = document["paths"][f"{api_prefix}/org/{{org_id}}/effective-prices"]["get"]
    operation["responses"]["200"]["headers"] = {
        "Link": {"description": LINK.description, "required": False, "schema": {"type": "string"}}
    }
