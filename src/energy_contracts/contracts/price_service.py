"""A contract's prices (SPEC §5): pages of them, upserts by timestamp, deletes by range.

Every write locks the contract row first, checks ``If-Match`` against its version, and bumps
the version when something changed (see ``contracts.service`` for the contract's own rules).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from msgspec import UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import BY_INSTANT, Page, page_of
from energy_contracts.api.preconditions import check_if_match, etag
from energy_contracts.contracts import prices
from energy_contracts.contracts.models import PriceRow
from energy_contracts.contracts.price_rules import parse_prices
from energy_contracts.contracts.prices import WriteCounts
from energy_contracts.contracts.schemas import PricesIn
from energy_contracts.contracts.service import (
    Fields,
    bump_version,
    find_contract,
    one_of,
    price_grid,
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
) -> tuple[Page[PriceRow], str]:
    """A page of the prices in ``[start, end)`` after the instant the cursor names; the
    contract's ETag."""
    after = BY_INSTANT.after(cursor)
    contract = await find_contract(session, user, contract_id)
    rows = await prices.read_prices(
        session, user.org_id, contract.id, start=start, end=end, after=after, limit=limit + 1
    )
    return page_of(rows, limit, BY_INSTANT, lambda row: row[0]), etag(contract.version)


async def write_prices(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    body: PricesIn,
    *,
    if_match: str | None,
) -> tuple[WriteCounts, str]:
    """``PUT .../prices``: upsert by timestamp; the counts and the contract's new ETag."""
    errors: list[FieldError] = []
    field, items = one_of(body, "energy_prices", "energy_price", errors)
    if not errors and isinstance(items, UnsetType):
        errors.append(FieldError("energy_prices", "is required"))
    if errors:
        raise Unprocessable(errors=errors)
    assert isinstance(items, list)
    contract = await find_contract(session, user, contract_id, for_update=True)
    check_if_match(if_match, contract.version)
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
    deleted = await prices.delete_prices(session, user.org_id, contract.id, start=start, end=end)
    if deleted:
        await bump_version(session, contract)
    return deleted, etag(contract.version)
