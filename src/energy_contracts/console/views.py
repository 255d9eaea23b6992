"""What each console page shows, gathered from the domain services.

The console answers the same questions as the API with the same code: users, buildings and
contracts come from their services, a day's prices from ``effective.service`` (the very
answer ``effective-prices?day=`` gives), the cheapest window from its service, a series'
day from ``series.service``. Nothing is priced here; this module only arranges answers for
the templates, the chart and the CSV.
"""

from __future__ import annotations

import csv
import io
import uuid
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
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
from energy_contracts.errors import NotFound, Unprocessable
from energy_contracts.series import service as series_service
from energy_contracts.series.index import SERIES_INDEX
from energy_contracts.series.models import Series
from energy_contracts.tariffs import service as tariffs
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
class Overview:
    totals: Totals
    running_out: list[RunningOut]
    """Contracts whose prices stop within ``RUNNING_OUT_WITHIN``, soonest first."""
    ran_out: int
    """Contracts whose last price has already stopped holding."""
    series: list[SeriesSummary]
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
) -> list[SeriesSummary]:
    """The series the API's ``prices_known_until_before`` finds, and those without prices:
    every contract linked to one of them has no price beyond it."""
    found: list[SeriesSummary] = []
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
        found.extend(_summary(view, now) for view in page.items)
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


# --- price series --------------------------------------------------------------------------


SERIES_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """A series as the list and its page name it, with the overview's "ran out" mark."""

    series: Series
    known_until: datetime | None
    """None: the series has no prices at all."""
    ran_out: bool
    """Its last price has already stopped holding (or it never had one)."""


def _summary(view: series_service.SeriesView, now: datetime) -> SeriesSummary:
    until = view.prices_known_until
    return SeriesSummary(view.series, until, until is None or until <= now)


@dataclass(frozen=True, slots=True)
class SeriesList:
    items: list[SeriesSummary]
    next_cursor: str | None


async def series_list(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None, now: datetime
) -> SeriesList:
    """The organisation's series a page at a time, ordered by id as the API lists them."""
    page = await series_service.list_series(
        session, viewer.org_id, prices_known_until_before=None, cursor=cursor, limit=SERIES_PER_PAGE
    )
    return SeriesList([_summary(view, now) for view in page.items], page.next_cursor)


@dataclass(frozen=True, slots=True)
class SeriesPriceRow:
    start: datetime
    end: datetime
    start_local: str
    end_local: str
    price: str | None
    level: str | None


class _LocalDayPage:
    """A page of one local day: its neighbours (the page's links)."""

    __slots__ = ()
    day: date

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)


def hours_of(start: datetime, end: datetime) -> str:
    """A local day's length, e.g. ``23`` on the day clocks go forward, ``25`` going back."""
    return f"{(end - start) / timedelta(hours=1):g}"


@dataclass(frozen=True, slots=True)
class SeriesPage(_LocalDayPage):
    summary: SeriesSummary
    contract_count: int
    """Contracts index-linked to the series."""
    day: date
    today: date
    timezone: ZoneInfo
    start: datetime
    end: datetime
    rows: list[SeriesPriceRow]
    now: datetime

    @property
    def series(self) -> Series:
        return self.summary.series

    @property
    def hours(self) -> str:
        return hours_of(self.start, self.end)

    def chart_data(self) -> bytes:
        """What the day view's chart script draws, in the shape of an effective-prices
        answer: the day's slots on the series' grid (unknown ones included), their levels,
        ticks at each local hour, now; no cheapest window."""
        answer = {
            "currency": self.series.currency,
            "from": self.start,
            "to": self.end,
            "timezone": self.series.timezone,
            "intervals": [
                {"start": row.start, "end": row.end, "price": row.price, "level": row.level}
                for row in self.rows
            ],
        }
        data = {
            "answer": answer,
            "ticks": _hour_ticks(self.start, self.end, self.timezone),
            "now": self.now,
            "window": None,
        }
        return msgspec.json.encode(data)


async def series_page(
    session: AsyncSession,
    viewer: Viewer,
    series_id: uuid.UUID,
    *,
    day: date | None,
    now: datetime,
) -> SeriesPage:
    """A series and its prices over a local day of its time zone (today by default)."""
    series = await series_service.get_series(session, viewer.org_id, series_id)
    view = await series_service.view_of(session, series)
    timezone = ZoneInfo(series.timezone)
    today = now.astimezone(timezone).date()
    day = day or today
    shown = await series_service.day_of_prices(session, series, day)
    rows = [
        SeriesPriceRow(
            slot.start,
            slot.end,
            _local_time(slot.start, timezone),
            _local_time(slot.end, timezone),
            None if slot.price is None else _text(slot.price),
            slot.level,
        )
        for slot in shown.slots
    ]
    return SeriesPage(
        _summary(view, now),
        await series_service.linked_contract_count(session, series),
        day,
        today,
        timezone,
        shown.start,
        shown.end,
        rows,
        now,
    )


SERIES_CSV_COLUMNS = ("start", "end", "price", "level")


def series_prices_csv(page: SeriesPage) -> str:
    """The day's table: ``start`` and ``end`` as instants with the local offset, ``price``
    exactly as stored (empty where unknown), its ``level`` among the day's prices."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SERIES_CSV_COLUMNS)
    for row in page.rows:
        writer.writerow(
            [
                row.start.astimezone(page.timezone).isoformat(),
                row.end.astimezone(page.timezone).isoformat(),
                row.price or "",
                row.level or "",
            ]
        )
    return out.getvalue()


# --- a building's day ----------------------------------------------------------------------


BREAKDOWN_PARTS = ("energy", "grid", "levy", "other", "vat")
PRICE_BASES = {
    "all_in": "all-in: grid fees, levies and taxes included",
    "energy_only": "energy only: without grid fees, levies and taxes",
    "mixed": "mixed: some prices include grid fees, levies and taxes and some do not, "
    "so levels and the cheapest window compare unlike prices",
}


@dataclass(frozen=True, slots=True)
class PricedBy:
    """A contract that prices the building, as the day view names it."""

    contract_id: uuid.UUID
    source: str
    """``building`` or ``user``, as in the answer."""
    series_id: uuid.UUID | None
    series_name: str | None
    """Index-linked (SPEC §4a): its energy price is this series' × factor + markup."""
    factor: Decimal | None
    markup: Decimal | None
    tariff_id: uuid.UUID | None
    tariff_name: str | None

    @property
    def label(self) -> str:
        """E.g. ``building · series EPEX AT × 1.2 + 0.01 · tariff Wiener Netze``."""
        parts = [self.source]
        if self.series_id is not None:
            formula = f"series {self.series_name or self.series_id}"
            if self.factor is not None and self.factor != 1:
                formula += f" × {_text(self.factor)}"
            if self.markup:
                formula += f" + {_text(self.markup)}"
            parts.append(formula)
        if self.tariff_id is not None:
            parts.append(f"tariff {self.tariff_name or self.tariff_id}")
        return " · ".join(parts)

    @property
    def sentence(self) -> str:
        """E.g. ``the building's contract, series EPEX AT × 1.2 + 0.01, tariff Wiener
        Netze``."""
        whose = "the building's contract" if self.source == "building" else "the user's contract"
        return ", ".join([whose, *self.label.split(" · ")[1:]])


@dataclass(frozen=True, slots=True)
class TableRow:
    start: datetime
    end: datetime
    start_local: str
    end_local: str
    price: str | None
    breakdown: dict[str, str] | None
    """``BREAKDOWN_PARTS`` as exact text where a tariff applies, else None."""
    includes_external_components: bool | None
    level: str | None
    source: str | None
    contract_id: uuid.UUID | None
    priced_by: PricedBy | None


@dataclass(frozen=True, slots=True)
class DayView(_LocalDayPage):
    user: User
    building: Building
    day: date
    today: date
    timezone: ZoneInfo
    answer: EffectivePrices
    rows: list[TableRow]
    window_minutes: int | None
    """None: no window was asked for (the CSV has none)."""
    window: CheapestWindow | None
    """None: no window of that length has known prices this day, or none was asked for."""
    now: datetime
    priced_by: list[PricedBy]
    """The building's contract, then the user-level one (those that exist)."""

    @property
    def has_breakdown(self) -> bool:
        """A tariff applies somewhere this day: the table shows its parts."""
        return any(row.breakdown is not None for row in self.rows)

    @property
    def price_basis(self) -> str | None:
        return self.answer.price_basis

    @property
    def price_basis_text(self) -> str:
        basis = self.answer.price_basis
        if basis is not None:
            return PRICE_BASES[basis]
        if any(row.price is not None for row in self.rows):
            return (
                "the contracts do not say whether their prices include grid fees, levies and taxes"
            )
        return "no price is known"

    @property
    def hours(self) -> str:
        return hours_of(self.answer.from_, self.answer.to)

    def local(self, instant: datetime) -> str:
        return _local_time(instant, self.timezone)

    def chart_data(self) -> bytes:
        """What the chart script draws: the answer itself, ticks at each local hour (so a
        23- or 25-hour day is laid out as it passes), now, and the cheapest window."""
        ticks = _hour_ticks(self.answer.from_, self.answer.to, self.timezone)
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
    window_minutes: int | None,
    now: datetime,
) -> DayView:
    user = await users.get_user(session, viewer.org_id, user_id)
    building = await buildings.get_building(session, viewer.org_id, user_id, building_id)
    # As the API's effective-prices: the day's prices read along with the building when its
    # zone is known; else read once here, so that the answer and the window share one read.
    likely = effective.likely_range(viewer.org_id, building_id, None, None, day)
    subject = await effective.building_pricing(
        connection, viewer.org_id, user_id, building_id, prices_in=likely
    )
    today = now.astimezone(subject.timezone).date()
    day = day or today
    start, end = effective.requested_range(None, None, day, subject.timezone)
    prices = await subject.prices(connection, start, end)
    subject = replace(subject, prefetched=prices, prefetched_span=(start, end))
    answer = await effective.effective_prices(
        connection, subject, start=start, end=end, interval=None
    )
    window = None
    if window_minutes is not None:
        with suppress(Unprocessable):  # no window of known prices: the page says so
            window = await effective.cheapest_window(
                connection, subject, start=start, end=end, minutes=window_minutes, contiguous=True
            )
    priced_by = [await _priced_by(session, viewer, applicable) for applicable in subject.contracts]
    by_contract = {item.contract_id: item for item in priced_by}
    rows = [
        TableRow(
            interval.start,
            interval.end,
            _local_time(interval.start, subject.timezone),
            _local_time(interval.end, subject.timezone),
            None if interval.price is None else _text(interval.price),
            None
            if interval.breakdown is None
            else {part: _text(getattr(interval.breakdown, part)) for part in BREAKDOWN_PARTS},
            interval.includes_external_components,
            interval.level,
            interval.source,
            interval.contract_id,
            None if interval.contract_id is None else by_contract.get(interval.contract_id),
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
        now,
        priced_by,
    )


async def _priced_by(
    session: AsyncSession, viewer: Viewer, applicable: effective.ApplicableContract
) -> PricedBy:
    """The names of the series and the tariff the pricing read (ids, if either went
    meanwhile)."""
    terms = applicable.contract
    series_name = tariff_name = None
    if terms.series_id is not None:
        try:
            series = await series_service.get_series(session, viewer.org_id, terms.series_id)
            series_name = series.name
        except NotFound:
            pass
    if terms.tariff_id is not None:
        try:
            tariff = await tariffs.get_tariff(session, viewer.org_id, terms.tariff_id)
            tariff_name = tariff.name
        except NotFound:
            pass
    return PricedBy(
        terms.id,
        applicable.source,
        terms.series_id,
        series_name,
        terms.index_factor,
        terms.index_markup,
        terms.tariff_id,
        tariff_name,
    )


def _hour_ticks(start: datetime, end: datetime, timezone: ZoneInfo) -> list[dict[str, Any]]:
    """A tick at each hour from ``start`` to ``end``, labelled with the local wall clock: a
    23-hour day has no 02:00, a 25-hour day two."""
    ticks = []
    hour = start
    while hour <= end:
        ticks.append({"at": hour, "label": hour.astimezone(timezone).strftime("%H:%M")})
        hour += timedelta(hours=1)
    return ticks


def _text(value: Decimal) -> str:
    """Exact, in fixed notation (``0.00000012``, never ``1.2E-7``)."""
    return format(value, "f")


def _local_time(instant: datetime, timezone: ZoneInfo) -> str:
    """Wall-clock time with its offset, so that the repeated hour of a 25-hour day reads
    as two different hours."""
    local = instant.astimezone(timezone)
    return local.strftime("%H:%M ") + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def script_json(document: bytes) -> str:
    """JSON that can stand inside a <script> element: no ``<``, ``>`` or ``&`` in it."""
    return document.decode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


CSV_COLUMNS = (
    "start",
    "end",
    "price",
    *BREAKDOWN_PARTS,
    "includes_external_components",
    "price_basis",
    "level",
    "source",
    "contract_id",
    "series_id",
    "tariff_id",
)


def prices_csv(view: DayView) -> str:
    """The day's table: ``start`` and ``end`` as instants with the local offset, ``price``
    exactly as the answer has it (the total where a tariff applies; empty where unknown),
    its breakdown (empty without a tariff), and the day's ``price_basis`` on every row. The
    columns are the same whether a tariff applies or not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    basis = view.price_basis or ""
    for row in view.rows:
        parts = row.breakdown or {}
        priced_by = row.priced_by
        writer.writerow(
            [
                row.start.astimezone(view.timezone).isoformat(),
                row.end.astimezone(view.timezone).isoformat(),
                row.price or "",
                *(parts.get(part, "") for part in BREAKDOWN_PARTS),
                _flag(row.includes_external_components),
                basis,
                row.level or "",
                row.source or "",
                row.contract_id or "",
                "" if priced_by is None else priced_by.series_id or "",
                "" if priced_by is None else priced_by.tariff_id or "",
            ]
        )
    return out.getvalue()


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()
