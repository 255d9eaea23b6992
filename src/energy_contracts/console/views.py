"""What each console page shows, gathered from the domain services.

The console answers the same questions as the API with the same code: users, buildings and
contracts come from their services, a day's prices from ``effective.service`` (the very
answer ``effective-prices?day=`` gives), the cheapest window from its service. Nothing is
priced here; this module only arranges answers for the templates, the chart and the CSV.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from energy_contracts.api.bodies import decode_body
from energy_contracts.api.paging import Page
from energy_contracts.buildings import service as buildings
from energy_contracts.buildings.models import Building
from energy_contracts.console import repository
from energy_contracts.console.repository import Totals
from energy_contracts.console.sessions import Viewer
from energy_contracts.contracts import service as contracts
from energy_contracts.effective import service as effective
from energy_contracts.effective.schemas import CheapestWindow, EffectivePrices
from energy_contracts.errors import Unprocessable
from energy_contracts.series import service as series_service
from energy_contracts.series.index import SERIES_INDEX
from energy_contracts.users import service as users
from energy_contracts.users.models import User
from energy_contracts.users.schemas import UserCreate

RUNNING_OUT_WITHIN = timedelta(hours=48)
OVERVIEW_PAGE = 1000
USERS_PER_PAGE = 50
BUILDINGS_SHOWN = 200
WINDOW_CHOICES = (30, 60, 120, 180, 240, 360)
DEFAULT_WINDOW_MINUTES = 120


# --- overview ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunningOut:
    contract_id: uuid.UUID
    user_id: uuid.UUID
    building_id: uuid.UUID | None
    known_until: datetime


@dataclass(frozen=True, slots=True)
class SeriesRunningOut:
    series_id: uuid.UUID
    name: str
    interval_minutes: int
    area: str | None
    known_until: datetime | None
    """None: the series has no prices at all."""
    ran_out: bool
    """Its last price has already stopped holding (or it never had one)."""


@dataclass(frozen=True, slots=True)
class Overview:
    totals: Totals
    running_out: list[RunningOut]
    """Contracts whose prices stop within ``RUNNING_OUT_WITHIN``, soonest first."""
    ran_out: int
    """Contracts whose last price has already stopped holding."""
    series: list[SeriesRunningOut]
    """Price series without prices, then those whose prices stop within
    ``RUNNING_OUT_WITHIN`` (or stopped already), soonest first."""


async def overview(session: AsyncSession, viewer: Viewer, now: datetime) -> Overview:
    totals = await repository.totals(session, viewer.org_id)
    running_out: list[RunningOut] = []
    ran_out = 0
    # The same rule as the API's `prices_known_until_before` (SPEC §5, linked contracts by
    # their series), read a page at a time.
    cursor: str | None = None
    while True:
        page = await contracts.list_organisation_contracts(
            session,
            viewer.org_id,
            user_id=None,
            building_id=None,
            prices_known_until_before=now + RUNNING_OUT_WITHIN,
            cursor=cursor,
            limit=OVERVIEW_PAGE,
            include_prices=False,
            index=SERIES_INDEX,
        )
        for view in page.items:
            until = view.prices_known_until
            if until is None:
                continue
            if until <= now:
                ran_out += 1
            else:
                contract = view.contract
                running_out.append(
                    RunningOut(contract.id, contract.user_id, contract.building_id, until)
                )
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    running_out.sort(key=lambda item: item.known_until)
    return Overview(totals, running_out, ran_out, await _series_running_out(session, viewer, now))


async def _series_running_out(
    session: AsyncSession, viewer: Viewer, now: datetime
) -> list[SeriesRunningOut]:
    """The series the API's ``prices_known_until_before`` finds, and those without prices:
    every contract linked to one of them has no price beyond it."""
    found: list[SeriesRunningOut] = []
    cursor: str | None = None
    while True:
        page = await series_service.list_series(
            session,
            viewer.org_id,
            prices_known_until_before=now + RUNNING_OUT_WITHIN,
            or_without_prices=True,
            cursor=cursor,
            limit=OVERVIEW_PAGE,
        )
        for view in page.items:
            series, until = view.series, view.prices_known_until
            found.append(
                SeriesRunningOut(
                    series.id,
                    series.name,
                    series.interval_minutes,
                    series.area,
                    until,
                    until is None or until <= now,
                )
            )
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    found.sort(key=lambda item: (item.known_until is not None, item.known_until or now))
    return found


# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserList:
    users: list[User]
    query: str
    next_cursor: str | None


async def user_list(
    session: AsyncSession, viewer: Viewer, *, query: str, cursor: str | None
) -> UserList:
    """Every user, a page at a time, or the ones whose email or external id is ``query``."""
    query = query.strip()
    if query:
        found = await users.search_users(session, viewer.org_id, query)
        return UserList(found, query, None)
    page = await users.list_users(session, viewer.org_id, limit=USERS_PER_PAGE, cursor=cursor)
    return UserList(list(page.items), "", page.next_cursor)


async def create_user(session: AsyncSession, viewer: Viewer, email: str, external_id: str) -> User:
    """A new user from the console's form, decoded and checked as the API's body is."""
    fields: dict[str, Any] = {"email": email.strip()}
    if external_id.strip():
        fields["external_user_id"] = external_id.strip()
    body = decode_body(msgspec.json.encode(fields), UserCreate)
    return await users.create_user(session, viewer.org_id, body)


@dataclass(frozen=True, slots=True)
class UserPage:
    user: User
    buildings: list[Building]
    more_buildings: bool
    contracts: list[contracts.ContractView]


async def user_page(session: AsyncSession, viewer: Viewer, user_id: uuid.UUID) -> UserPage:
    user = await users.get_user(session, viewer.org_id, user_id)
    page: Page[Building] = await buildings.list_buildings(
        session, user, limit=BUILDINGS_SHOWN, cursor=None
    )
    views = await contracts.list_user_contracts(
        session, user, include_prices=False, index=SERIES_INDEX
    )
    return UserPage(user, list(page.items), page.next_cursor is not None, views)


# --- a building's day ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    start: datetime
    end: datetime
    start_local: str
    end_local: str
    price: str | None
    level: str | None
    source: str | None
    contract_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class DayView:
    user: User
    building: Building
    day: date
    today: date
    timezone: ZoneInfo
    answer: EffectivePrices
    rows: list[TableRow]
    window_minutes: int
    window: CheapestWindow | None
    window_problem: str | None
    now: datetime

    @property
    def hours(self) -> str:
        """The day's length, e.g. ``23`` on the day clocks go forward."""
        length = self.answer.to - self.answer.from_
        return f"{length / timedelta(hours=1):g}"

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)

    def local(self, instant: datetime) -> str:
        return _local_time(instant, self.timezone)

    def chart_data(self) -> bytes:
        """What the chart script draws: the answer itself, ticks at each local hour (so a
        23- or 25-hour day is laid out as it passes), now, and the cheapest window."""
        start, end = self.answer.from_, self.answer.to
        ticks = []
        hour = start
        while hour <= end:
            ticks.append({"at": hour, "label": hour.astimezone(self.timezone).strftime("%H:%M")})
            hour += timedelta(hours=1)
        window = None
        if self.window is not None:
            window = {
                "start": self.window.start,
                "end": self.window.end,
                "average_price": self.window.average_price,
                "label": f"{self.local(self.window.start)}–{self.local(self.window.end)}",
            }
        data = {
            "answer": self.answer,
            "ticks": ticks,
            "now": self.now,
            "window": window,
        }
        return msgspec.json.encode(data)


async def day_view(
    session: AsyncSession,
    connection: AsyncConnection,
    viewer: Viewer,
    user_id: uuid.UUID,
    building_id: uuid.UUID,
    *,
    day: date | None,
    window_minutes: int,
    now: datetime,
) -> DayView:
    user = await users.get_user(session, viewer.org_id, user_id)
    building = await buildings.get_building(session, viewer.org_id, user_id, building_id)
    subject = await effective.building_pricing(connection, viewer.org_id, user_id, building_id)
    today = now.astimezone(subject.timezone).date()
    day = day or today
    start, end = effective.requested_range(None, None, day, subject.timezone)
    answer = await effective.effective_prices(
        connection, subject, start=start, end=end, interval=None
    )
    window, window_problem = None, None
    try:
        window = await effective.cheapest_window(
            connection, subject, start=start, end=end, minutes=window_minutes, contiguous=True
        )
    except Unprocessable as refused:
        window_problem = refused.detail
    rows = [
        TableRow(
            interval.start,
            interval.end,
            _local_time(interval.start, subject.timezone),
            _local_time(interval.end, subject.timezone),
            None if interval.price is None else str(interval.price),
            interval.level,
            interval.source,
            interval.contract_id,
        )
        for interval in answer.intervals
    ]
    return DayView(
        user,
        building,
        day,
        today,
        subject.timezone,
        answer,
        rows,
        window_minutes,
        window,
        window_problem,
        now,
    )


def _local_time(instant: datetime, timezone: ZoneInfo) -> str:
    """Wall-clock time with its offset, so that the repeated hour of a 25-hour day reads
    as two different hours."""
    local = instant.astimezone(timezone)
    return local.strftime("%H:%M ") + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def script_json(document: bytes) -> str:
    """JSON that can stand inside a <script> element: no ``<``, ``>`` or ``&`` in it."""
    return document.decode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def prices_csv(view: DayView) -> str:
    """The day's table: ``start`` and ``end`` as instants with the local offset, ``price``
    exactly as stored (empty where unknown)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["start", "end", "price", "level", "source", "contract_id"])
    for row in view.rows:
        writer.writerow(
            [
                row.start.astimezone(view.timezone).isoformat(),
                row.end.astimezone(view.timezone).isoformat(),
                row.price or "",
                row.level or "",
                row.source or "",
                row.contract_id or "",
            ]
        )
    return out.getvalue()
