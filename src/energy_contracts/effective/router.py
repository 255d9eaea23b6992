"""SPEC §6 endpoints: parse the question, ask the service, answer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from energy_contracts import pricing
from energy_contracts.api.bodies import decode_body, field_path
from energy_contracts.api.openapi import json_response, openapi_body, problems
from energy_contracts.api.responses import JSON
from energy_contracts.auth.dependencies import READ_QUERY, ScopedOrgId
from energy_contracts.db.session import get_database
from energy_contracts.effective import service
from energy_contracts.effective.schemas import (
    CheapestWindow,
    ConsumptionIn,
    CostAnswer,
    CostRequest,
    EffectiveInterval,
    EffectivePrices,
)
from energy_contracts.errors import Unprocessable

router = APIRouter(tags=["Effective prices"])

BUILDING = "/org/{org_id}/users/{user_id}/buildings/{building_id}"
USER = "/org/{org_id}/users/{user_id}"

From = Annotated[
    datetime | None,
    Query(alias="from", description="Start of the range, with an offset (inclusive)."),
]
To = Annotated[datetime | None, Query(description="End of the range, with an offset (exclusive).")]
Day = Annotated[
    date | None,
    Query(description="A local day (YYYY-MM-DD) in the building's time zone, instead of from/to."),
]
Interval = Annotated[
    int | None,
    Query(description="Resample to this grid of the local clock: 15, 30 or 60 minutes."),
]
LEVELS_DOC = (
    "`level` ranks each known price within the answer: over the known prices let med be the "
    "median and scale = max(max − min, 0.2 × mean |p|); r = (p − med) / scale; VERY_CHEAP if "
    "r ≤ −0.3, CHEAP if r ≤ −0.1, NORMAL if r < 0.1, EXPENSIVE if r < 0.3, else "
    "VERY_EXPENSIVE (all NORMAL when every price is zero). It depends on differences only, so "
    "it stays sane for negative and zero prices and for flat days."
)
COMMON_PROBLEMS = problems(401, 403, 404, 422, 503)


def _interval(value: int | None) -> int | None:
    if value is not None and value not in (15, 30, 60):
        raise Unprocessable.field("interval", "must be 15, 30 or 60")
    return value


UserId = Annotated[uuid.UUID, Path(description="The user's id.")]
BuildingId = Annotated[uuid.UUID, Path(description="The building's id.")]


@asynccontextmanager
async def _connected(request: Request) -> AsyncIterator[AsyncConnection]:
    """These answers only read, and without the ORM (see ``effective.repository``): a pooled
    connection is all they need, not an ORM session and its transaction bookkeeping.
    (``get_database`` is called, not depended on: a plain function as a dependency would
    run in a worker thread.)"""
    async with get_database(request).engine.connect() as connection:
        yield connection


async def _read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with _connected(request) as connection:
        yield connection


# scope="function": the connection goes back to the pool before the response is sent.
ReadConnection = Annotated[AsyncConnection, Depends(_read_connection, scope="function")]


async def _building_pricing(
    org_id: ScopedOrgId, user_id: UserId, building_id: BuildingId, connection: ReadConnection
) -> service.Pricing:
    # One scoped read resolves user, building, organisation and contracts together.
    return await service.building_pricing(connection, org_id, user_id, building_id)


async def _user_pricing(
    org_id: ScopedOrgId, user_id: UserId, connection: ReadConnection
) -> service.Pricing:
    return await service.user_pricing(connection, org_id, user_id)


# What prices a building (its contract over the user's) or a user (the user-level contract).
BuildingPricing = Annotated[service.Pricing, Depends(_building_pricing)]
UserPricing = Annotated[service.Pricing, Depends(_user_pricing)]


@router.get(
    f"{BUILDING}/effective-prices",
    summary="What a building pays over a range",
    description="Building contract first, the user-level contract where it has no price. "
    + LEVELS_DOC,
    responses={200: json_response(EffectivePrices), **COMMON_PROBLEMS},
)
async def building_effective_prices(
    request: Request,
    org_id: ScopedOrgId,
    user_id: UserId,
    building_id: BuildingId,
    start: From = None,
    to: To = None,
    day: Day = None,
    interval: Interval = None,
) -> Response:
    # The hot read: the building, its contracts and (when the range can be told before the
    # building is read) their prices in one statement (see service.likely_range); the
    # connection goes back to the pool before the answer is computed.
    likely = service.likely_range(org_id, building_id, start, to, day)
    async with _connected(request) as connection:
        subject = await service.building_pricing(
            connection, org_id, user_id, building_id, prices_in=likely
        )
        begin, end = service.requested_range(start, to, day, subject.timezone)
        slots = _interval(interval)
        rows = await subject.prices(connection, begin, end)
    return JSON(service.effective_answer(subject, rows, start=begin, end=end, interval=slots))


@router.get(
    f"{USER}/effective-prices",
    summary="The user-level contract's prices over a range",
    description="Only the user-level contract (no building override). " + LEVELS_DOC,
    responses={200: json_response(EffectivePrices), **COMMON_PROBLEMS},
)
async def user_effective_prices(
    subject: UserPricing,
    connection: ReadConnection,
    start: From = None,
    to: To = None,
    day: Day = None,
    interval: Interval = None,
) -> Response:
    begin, end = service.requested_range(start, to, day, subject.timezone)
    answer = await service.effective_prices(
        connection, subject, start=begin, end=end, interval=_interval(interval)
    )
    return JSON(answer)


@router.get(
    f"{BUILDING}/effective-prices/current",
    summary="The building's price interval that contains now",
    responses={200: json_response(EffectiveInterval), **COMMON_PROBLEMS},
)
async def building_current_price(
    subject: BuildingPricing, connection: ReadConnection, interval: Interval = None
) -> Response:
    answer = await service.current_interval(
        connection, subject, now=datetime.now(UTC), interval=_interval(interval)
    )
    return JSON(answer)


@router.get(
    f"{USER}/effective-prices/current",
    summary="The user-level price interval that contains now",
    responses={200: json_response(EffectiveInterval), **COMMON_PROBLEMS},
)
async def user_current_price(
    subject: UserPricing, connection: ReadConnection, interval: Interval = None
) -> Response:
    answer = await service.current_interval(
        connection, subject, now=datetime.now(UTC), interval=_interval(interval)
    )
    return JSON(answer)


@router.get(
    f"{BUILDING}/cheapest-window",
    summary="Where a flexible load of `minutes` runs cheapest",
    description="The start in [from, to − minutes] whose window is wholly known and has the "
    "lowest time-weighted mean price (ties: earliest). With contiguous=false, the cheapest "
    "slots of the contract grid adding up to `minutes` (rounded up to whole slots). "
    "`from` defaults to now and `to` to 24 hours after `from`.",
    responses={200: json_response(CheapestWindow), **COMMON_PROBLEMS},
)
async def building_cheapest_window(
    subject: BuildingPricing,
    connection: ReadConnection,
    minutes: Annotated[int, Query(description="Length of the load, in minutes.")],
    start: From = None,
    to: To = None,
    contiguous: Annotated[bool, Query(description="One window, or any cheapest slots.")] = True,
) -> Response:
    begin = start if start is not None else datetime.now(UTC)
    end = to if to is not None else begin + timedelta(hours=24)
    begin, end = service.checked_range(begin, end)
    answer = await service.cheapest_window(
        connection,
        subject,
        start=begin,
        end=end,
        minutes=minutes,
        contiguous=contiguous,
    )
    return JSON(answer)


@router.post(
    f"{BUILDING}/cost",
    summary="What a consumption profile costs in this building",
    description="Each consumption's kWh is spread evenly over its interval. Energy where the "
    "price is unknown is `uncovered_kwh`, never priced at zero. Needs only the read scope.",
    openapi_extra={
        **READ_QUERY,
        **openapi_body(
            CostRequest,
            examples={
                "two_hours": {
                    "consumption": [
                        {
                            "start": "2024-01-15T00:00:00Z",
                            "end": "2024-01-15T01:00:00Z",
                            "kwh": 1.5,
                        },
                        {"start": "2024-01-15T01:00:00Z", "end": "2024-01-15T02:00:00Z", "kwh": 2},
                    ]
                }
            },
        ),
    },
    responses={200: json_response(CostAnswer), **problems(400, 401, 403, 404, 413, 422, 503)},
)
async def building_cost(
    request: Request, subject: BuildingPricing, connection: ReadConnection
) -> Response:
    body = await decode_body(request, CostRequest)
    consumption = [_consumption(index, item) for index, item in enumerate(body.consumption)]
    return JSON(await service.consumption_cost(connection, subject, consumption))


def _consumption(index: int, item: ConsumptionIn) -> pricing.Consumption:
    for name in ("start", "end"):
        value: datetime = getattr(item, name)
        if value.tzinfo is None:
            raise Unprocessable.field(
                field_path("consumption", index, name), "must carry a UTC offset"
            )
    if item.end <= item.start:
        raise Unprocessable.field(field_path("consumption", index, "end"), "must be after start")
    kwh = _kwh(bytes(item.kwh), field_path("consumption", index, "kwh"))
    return pricing.Consumption(item.start.astimezone(UTC), item.end.astimezone(UTC), kwh)


def _kwh(raw: bytes, field: str) -> Decimal:
    if not raw or raw[:1] not in b"-0123456789":
        raise Unprocessable.field(field, "must be a number")
    try:
        value = Decimal(raw.decode())
    except InvalidOperation:
        raise Unprocessable.field(field, "must be a number") from None
    if not value.is_finite() or value < 0:
        raise Unprocessable.field(field, "must be a finite number ≥ 0")
    return value
