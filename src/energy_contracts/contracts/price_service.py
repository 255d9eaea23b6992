"""A contract's prices (SPEC §5): pages of them, upserts by timestamp, deletes by range.

Every write locks the contract row first, checks ``If-Match`` against its version, and bumps
the version when something changed (see ``contracts.service`` for the contract's own rules).
An index-linked contract (SPEC §4a) shows the prices derived from its series, and refuses
writes of its own (409). ``price_items`` and ``page_of_prices`` serve every owner of prices
(a price series too).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from msgspec import UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import BY_INSTANT, Page, page_of
from energy_contracts.api.preconditions import check_if_match, etag
from energy_contracts.contracts import prices
from energy_contracts.contracts.index import PriceIndex, SeriesIndex
from energy_contracts.contracts.models import EnergyContract, PriceRow
from energy_contracts.contracts.price_rules import parse_prices
from energy_contracts.contracts.prices import CONTRACT_PRICES, PriceTable, WriteCounts
from energy_contracts.contracts.schemas import PriceIn, PricesIn
from energy_contracts.contracts.service import (
    Fields,
    bump_version,
    find_contract,
    one_of,
    price_grid,
    prices_of_linked_contract,
    timezone_of,
)
from energy_contracts.errors import FieldError, Unprocessable
from energy_contracts.orgs.service import get_organisation
from energy_contracts.users.models import User


async def price_page(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    limit: int,
    index: SeriesIndex,
) -> tuple[Page[PriceRow], str]:
    """A page of the prices in ``[start, end)`` after the instant the cursor names; the
    contract's ETag. A linked contract's page is its series' page, derived."""
    contract = await find_contract(session, user, contract_id)
    link = PriceIndex.of(contract)
    owner, table = (contract.id, CONTRACT_PRICES)
    if link is not None:
        owner, table = link.series_id, index.prices
    page = await page_of_prices(
        session, user.org_id, owner, table, start=start, end=end, cursor=cursor, limit=limit
    )
    if link is not None:
        page = Page(link.apply(page.items), page.next_cursor)
    return page, etag(contract.version)


async def page_of_prices(
    session: AsyncSession,
    org_id: uuid.UUID,
    owner_id: uuid.UUID,
    table: PriceTable,
    *,
    start: datetime | None,
    end: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[PriceRow]:
    """A page of an owner's prices in ``[start, end)`` after the instant the cursor names."""
    after = BY_INSTANT.after(cursor)
    rows = await prices.read_prices(
        session, org_id, owner_id, start=start, end=end, after=after, limit=limit + 1, table=table
    )
    return page_of(rows, limit, BY_INSTANT, lambda row: row[0])


def price_items(body: PricesIn) -> tuple[str, list[PriceIn]]:
    """The prices a ``PUT .../prices`` body carries and the name they came under; a 422
    when it sends both names or neither."""
    errors: list[FieldError] = []
    field, items = one_of(body, "energy_prices", "energy_price", errors)
    if not errors and isinstance(items, UnsetType):
        errors.append(FieldError("energy_prices", "is required"))
    if errors:
        raise Unprocessable(errors=errors)
    assert isinstance(items, list)
    return field, items


async def write_prices(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    body: PricesIn,
    *,
    if_match: str | None,
) -> tuple[WriteCounts, str]:
    """``PUT .../prices``: upsert by timestamp; the counts and the contract's new ETag."""
    field, items = price_items(body)
    contract = await find_contract(session, user, contract_id, for_update=True)
    check_if_match(if_match, contract.version)
    _refuse_if_linked(contract)
    if items and contract.currency is None:
        raise Unprocessable.field(
            "currency_energy_price",
            "is not set on the contract; set it (PUT the contract) before sending prices",
        )
    organisation = await get_organisation(session, user.org_id)
    timezone = await timezone_of(session, organisation, user, contract.building_id)
    rows = parse_prices(items, field, price_grid(Fields.of(contract), timezone))
    counts = await prices.upsert_prices(session, user.org_id, contract.id, rows)
    if counts.changed:
        await bump_version(session, contract)
    return counts, etag(contract.version)


async def delete_prices(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
    if_match: str | None,
) -> tuple[int, str]:
    """``DELETE .../prices``: the prices in ``[start, end)``; an absent bound is open."""
    contract = await find_contract(session, user, contract_id, for_update=True)
    check_if_match(if_match, contract.version)
    _refuse_if_linked(contract)
    deleted = await prices.delete_prices(session, user.org_id, contract.id, start=start, end=end)
    if deleted:
        await bump_version(session, contract)
    return deleted, etag(contract.version)


def _refuse_if_linked(contract: EnergyContract) -> None:
    if contract.series_id is not None:
        raise prices_of_linked_contract(contract.series_id)
