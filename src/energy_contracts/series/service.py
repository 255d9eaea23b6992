"""The rules of price series (SPEC §10) and of writing their prices.

A series' prices follow the contract price rules (``contracts.price_rules``: exact decimals,
one instant once, the grid of ``interval_minutes`` in the series' time zone) and go through
the same bulk paths (``contracts.prices`` on ``SERIES_PRICES``), pages and preconditions.

Decisions where the SPEC is silent:

- ``currency`` defaults to the organisation's billing currency (the only one allowed), and
  ``timezone`` to the organisation's.
- Changing ``interval_minutes`` or ``timezone`` while the series has prices is a 409, as for
  a contract: its prices were checked against the old grid. Re-sending the current value is
  not a change. A new interval is also set on the contracts linked to the series, whose
  interval is the series' (SPEC §4a).
- A name already used by another series of the organisation is a 409 naming ``name``, on
  create and on rename.
- Every write locks the series row first and checks ``If-Match`` against its version, which
  changes whenever the series or its prices change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts import pricing
from energy_contracts.api.paging import BY_ID, Page, page_of
from energy_contracts.api.preconditions import check_if_match, etag
from energy_contracts.api.validation import sent_fields, valid_timezone
from energy_contracts.codes import currency_code, zone
from energy_contracts.contracts import prices
from energy_contracts.contracts import repository as contracts
from energy_contracts.contracts.models import PriceRow
from energy_contracts.contracts.price_rules import Grid, parse_prices
from energy_contracts.contracts.price_service import page_of_prices, price_items
from energy_contracts.contracts.prices import WriteCounts
from energy_contracts.contracts.schemas import PricesIn
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import Conflict, FieldError, NotFound, Unprocessable
from energy_contracts.orgs.models import Organisation
from energy_contracts.orgs.service import get_organisation
from energy_contracts.series import repository
from energy_contracts.series.models import SERIES_PRICES, Series
from energy_contracts.series.schemas import SeriesCreate, SeriesOut, SeriesUpdate

_UTC = zone("UTC")


@dataclass(frozen=True, slots=True)
class SeriesView:
    series: Series
    prices_known_until: datetime | None

    @property
    def etag(self) -> str:
        return etag(self.series.version)


def series_out(view: SeriesView) -> SeriesOut:
    series = view.series
    return SeriesOut(
        id=series.id,
        name=series.name,
        description=series.description,
        currency=series.currency,
        interval_minutes=series.interval_minutes,
        timezone=series.timezone,
        area=series.area,
        prices_known_until=view.prices_known_until,
        created_at=series.created_at,
        updated_at=series.updated_at,
    )


def known_until(series: Series, last: datetime | None) -> datetime | None:
    """When the series' last price stops holding: one interval after it."""
    if last is None:
        return None
    return pricing.entry_end(
        last,
        pricing.ContractType.SPOT_HOURLY,
        interval_minutes=series.interval_minutes,
        tz=_UTC,  # elapsed time: no calendar involved
    )


# --- the series ----------------------------------------------------------------------------


async def get_series(
    session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID, *, for_update: bool = False
) -> Series:
    series = await repository.find(session, org_id, series_id, for_update=for_update)
    if series is None:
        raise NotFound("No such price series.")
    return series


async def view_of(session: AsyncSession, series: Series) -> SeriesView:
    last = await prices.last_price_instant(session, series.org_id, series.id, table=SERIES_PRICES)
    return SeriesView(series, known_until(series, last))


async def linked_contract_count(session: AsyncSession, series: Series) -> int:
    """How many of the organisation's contracts are index-linked to the series (SPEC §4a):
    one count on the contracts' ``series_id``."""
    return await contracts.count_contracts(session, series.org_id, series_id=series.id)


async def list_series(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    prices_known_until_before: datetime | None,
    cursor: str | None,
    limit: int,
    or_without_prices: bool = False,
) -> Page[SeriesView]:
    """One page ordered by series id, after the id the cursor names. The filter
    ``prices_known_until_before`` is strict and leaves out series without prices (SPEC §11)
    unless ``or_without_prices`` (the console's overview: a series nobody filled)."""
    found = await repository.page(
        session,
        org_id,
        running_out_before=prices_known_until_before,
        after_id=BY_ID.after(cursor),
        limit=limit + 1,
        or_without_prices=or_without_prices,
    )
    page = page_of(found, limit, BY_ID, lambda series: series.id)
    last = await prices.last_price_instants(
        session, org_id, [series.id for series in page.items], table=SERIES_PRICES
    )
    views = [SeriesView(series, known_until(series, last.get(series.id))) for series in page.items]
    return Page(views, page.next_cursor)


async def create_series(session: AsyncSession, org_id: uuid.UUID, body: SeriesCreate) -> Series:
    organisation = await get_organisation(session, org_id)
    fields = sent_fields(body)
    fields["currency"] = _currency(
        body.currency if isinstance(body.currency, str) else None, organisation
    )
    fields["timezone"] = (
        valid_timezone(body.timezone) if isinstance(body.timezone, str) else organisation.timezone
    )
    await _reject_taken_name(session, org_id, body.name, None)
    now = utcnow()
    series = Series(org_id=org_id, id=new_id(), version=1, created_at=now, updated_at=now, **fields)
    try:
        await repository.insert(session, series)
    except IntegrityError:
        await _reject_taken_name(session, org_id, body.name, None)
        raise
    return series


async def update_series(
    session: AsyncSession,
    org_id: uuid.UUID,
    series_id: uuid.UUID,
    body: SeriesUpdate,
    *,
    if_match: str | None,
) -> Series:
    series = await get_series(session, org_id, series_id, for_update=True)
    check_if_match(if_match, series.version)
    sent = sent_fields(body)
    if "currency" in sent:
        sent["currency"] = _currency(sent["currency"], await get_organisation(session, org_id))
    if "timezone" in sent:
        sent["timezone"] = valid_timezone(sent["timezone"])
    changes = {name: value for name, value in sent.items() if getattr(series, name) != value}
    grid_changes = sorted({"interval_minutes", "timezone"} & changes.keys())
    if grid_changes and await prices.has_prices(session, org_id, series.id, table=SERIES_PRICES):
        raise Conflict(
            f"The series has prices on its {series.interval_minutes}-minute grid of "
            f"{series.timezone}; delete them (DELETE .../prices) before changing "
            f"{' and '.join(grid_changes)}."
        )
    if "name" in changes:
        await _reject_taken_name(session, org_id, changes["name"], series.id)
    if not changes:
        return series
    changes["version"] = series.version + 1
    changes["updated_at"] = utcnow()
    try:
        updated = await repository.update(session, series, changes)
    except IntegrityError:
        await _reject_taken_name(session, org_id, changes.get("name"), series.id)
        raise
    if not updated:
        raise NotFound("No such price series.")
    if "interval_minutes" in changes:
        await contracts.follow_series_interval(session, org_id, series.id, series.interval_minutes)
    return series


async def delete_series(
    session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID, *, if_match: str | None
) -> None:
    series = await get_series(session, org_id, series_id, for_update=True)
    check_if_match(if_match, series.version)
    linked = await linked_contract_count(session, series)
    if linked:
        raise Conflict(
            f"{linked} contract(s) are index-linked to this series; unlink them "
            "(energy_price_index: null) before deleting it.",
            contract_count=linked,
        )
    if not await repository.delete(session, org_id, series.id):
        raise NotFound("No such price series.")


def _currency(sent: str | None, organisation: Organisation) -> str:
    if sent is None:
        return organisation.billing_currency
    code = currency_code(sent)
    if code is None:
        raise Unprocessable.field("currency", "is not an ISO 4217 currency in circulation")
    if code != organisation.billing_currency:
        raise Unprocessable.field(
            "currency",
            f"must be the organisation's billing currency, {organisation.billing_currency}",
        )
    return code


async def _reject_taken_name(
    session: AsyncSession, org_id: uuid.UUID, name: str | None, other_than: uuid.UUID | None
) -> None:
    if name is None:
        return
    holder = await repository.find_by_name(session, org_id, name)
    if holder is not None and holder.id != other_than:
        raise Conflict(
            "Another price series of this organisation already has this name.",
            errors=[FieldError("name", "is already used by another price series")],
            existing_series_id=holder.id,
        )


# --- its prices ----------------------------------------------------------------------------


async def price_page(
    session: AsyncSession,
    series: Series,
    *,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[PriceRow]:
    return await page_of_prices(
        session,
        series.org_id,
        series.id,
        SERIES_PRICES,
        start=start,
        end=end,
        cursor=cursor,
        limit=limit,
    )


@dataclass(frozen=True, slots=True)
class SeriesSlot:
    """One interval of the series' grid: its price (None: unknown) and level."""

    start: datetime
    end: datetime
    price: Decimal | None
    level: pricing.Level | None


@dataclass(frozen=True, slots=True)
class SeriesDay:
    """A local day of the series in its own time zone (23, 24 or 25 hours), cut on its
    grid: one slot per interval, known or not."""

    start: datetime
    end: datetime
    slots: list[SeriesSlot]


async def day_of_prices(session: AsyncSession, series: Series, day: date) -> SeriesDay:
    """The series over the local ``day`` of its time zone, one slot per interval of its grid
    (``pricing.resample`` of its curve: an entry holds one interval, beyond it the price is
    unknown, SPEC §5), with each known price's level among the day's (``pricing.levels``, the
    effective prices' rule). On its own grid every slot lies within one entry, so its price is
    the stored one, exactly."""
    tz = zone(series.timezone)
    start, end = pricing.local_day_bounds(day, tz)
    # An entry before the day's start may still hold at its start (one interval at most).
    rows = await prices.read_prices(
        session,
        series.org_id,
        series.id,
        start=start - timedelta(minutes=series.interval_minutes),
        end=end,
        table=SERIES_PRICES,
    )
    curve = pricing.build_curve_from_pairs(
        rows,
        pricing.ContractType.SPOT_HOURLY,
        interval_minutes=series.interval_minutes,
        tz=tz,
        origin=None,
    )
    resampled = pricing.resample(curve, start, end, series.interval_minutes, tz)
    levels = pricing.levels([slot.price for slot in resampled])
    slots = [
        SeriesSlot(slot.start, slot.end, slot.price, level)
        for slot, level in zip(resampled, levels, strict=True)
    ]
    return SeriesDay(start, end, slots)


async def write_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    series_id: uuid.UUID,
    body: PricesIn,
    *,
    if_match: str | None,
) -> tuple[WriteCounts, str]:
    """``PUT .../prices``: upsert by timestamp; the counts and the series' new ETag. One
    ``PUT`` whatever the number of contracts linked to the series: they store nothing."""
    series = await get_series(session, org_id, series_id, for_update=True)
    check_if_match(if_match, series.version)
    field, items = price_items(body)
    grid = Grid(series.interval_minutes, zone(series.timezone))
    rows = parse_prices(items, field, grid)
    counts = await prices.upsert_prices(session, org_id, series.id, rows, table=SERIES_PRICES)
    if counts.changed:
        await _bump_version(session, series)
    return counts, etag(series.version)


async def delete_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    series_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
    if_match: str | None,
) -> tuple[int, str]:
    """``DELETE .../prices``: the prices in ``[start, end)``; an absent bound is open."""
    series = await get_series(session, org_id, series_id, for_update=True)
    check_if_match(if_match, series.version)
    deleted = await prices.delete_prices(
        session, org_id, series.id, start=start, end=end, table=SERIES_PRICES
    )
    if deleted:
        await _bump_version(session, series)
    return deleted, etag(series.version)


async def _bump_version(session: AsyncSession, series: Series) -> None:
    series.version += 1
    series.updated_at = utcnow()
    await session.flush()
