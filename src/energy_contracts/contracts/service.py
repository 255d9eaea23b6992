"""The rules of energy contracts (SPEC §4) and of writing their prices (SPEC §5, §7).

Decisions where the SPEC is silent, so that a partner can rely on them:

- ``price_interval_minutes`` and ``energy_contract_type`` cannot change while the contract
  has stored prices: **409**, not 422. The request is well-formed; it conflicts with the
  contract's state (stored prices were validated against the old grid and period). Delete the
  prices (``DELETE .../prices``) first. Re-sending the current value is not a change.
- For the same reason a spot_hourly contract with prices cannot move to a building in another
  time zone (its grid is local time): 409.
- ``currency_energy_price`` cannot be cleared (null) while prices are stored: 422.
- ``price_interval_minutes`` null on a spot_hourly contract means the default, 60.
- ``energy_prices`` null or ``[]`` writes no prices; prices are only ever upserted by a
  contract write. ``DELETE .../prices`` removes them.
- A building id that is unknown, another user's, or another organisation's is the same 422,
  so the answer never tells them apart.
- The ETag changes only when something changes: a PUT that re-sends stored values (fields or
  prices) leaves the version (and ``updated_at``) alone.
- ``If-Match`` is compared strongly (RFC 9110 §13.1.1): ``W/"3"`` never matches; ``*`` does.
- ``DELETE .../prices``: an absent ``from``/``to`` is an open bound, so without both every
  price is deleted (the collection's DELETE); ``to`` before ``from`` is a 422.
- The organisation-wide list is ordered by contract id (its primary-key order: cheap keyset
  paging); ``include_prices`` defaults to true there as everywhere.
- Prices: |price| < 1e9 and at most 19 significant decimal places (see ``price_rules``);
  timestamps are any ISO 8601 form ``datetime.fromisoformat`` reads, with an offset.
- Index-linked contracts (SPEC §4a, ``contracts.index``): an index on a contract that is not
  spot_hourly, a series that is not the organisation's, a currency other than the series'
  (also none), an interval other than the series', and prices sent together with the index
  are 422s naming the field. Prices sent to a contract whose stored link stays, and linking
  a contract that has stored prices, are 409s: the request is well-formed, the contract's
  state is in the way. A ``PUT`` that changes the type of a linked contract is a 422 on
  ``energy_contract_type``.
- A tariff (SPEC §11, ``contracts.named_tariff``) that is not the organisation's is a 422 on
  ``tariff_id``; so is naming one where ``energy_price_includes_external_components`` is
  true, and turning that true while a tariff is named is a 422 on that field. A named
  tariff needs the contract's currency: without one, a 422 on ``currency_energy_price``.
- ``prices_known_until`` is computed when read: the end of the last entry's period
  (``pricing.entry_end``) on the contract's clock; a linked contract's is its series'.

Every write locks the contract row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
writers already hold the database lock from BEGIN IMMEDIATE), then checks If-Match, so the
version check and the batch are atomic with respect to other writers. All validation happens
before the first write, and the request's single transaction rolls back on any error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from msgspec import UNSET, Raw, UnsetType
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts import pricing
from energy_contracts.api.paging import BY_ID, Page, page_of
from energy_contracts.api.preconditions import check_if_match, etag
from energy_contracts.buildings.models import Building
from energy_contracts.codes import currency_code, zone
from energy_contracts.contracts import prices, repository
from energy_contracts.contracts.index import (
    DEFAULT_FACTOR,
    DEFAULT_MARKUP,
    LinkedSeries,
    PriceIndex,
    SeriesIndex,
)
from energy_contracts.contracts.models import EnergyContract, PriceRow, PriceSeries
from energy_contracts.contracts.named_tariff import TariffCatalogue
from energy_contracts.contracts.price_rules import Grid, contract_type, exact_price, parse_prices
from energy_contracts.contracts.schemas import (
    ContractCreate,
    ContractIn,
    ContractOut,
    ContractUpdate,
    PriceIn,
    PriceIndexOut,
    PriceOut,
)
from energy_contracts.db.base import new_id, utcnow
from energy_contracts.errors import (
    Conflict,
    FieldError,
    NotFound,
    Unprocessable,
)
from energy_contracts.orgs.models import Organisation
from energy_contracts.orgs.service import get_organisation
from energy_contracts.users.models import User

SPOT_HOURLY = "spot_hourly"
DEFAULT_INTERVAL_MINUTES = 60

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ContractView:
    contract: EnergyContract
    prices: Iterable[PriceRow]
    """Stored prices, or a linked contract's derived ones; none unless asked for."""
    prices_known_until: datetime | None

    @property
    def etag(self) -> str:
        return etag(self.contract.version)


def contract_out(view: ContractView, *, include_prices: bool = True) -> ContractOut:
    contract = view.contract
    link = PriceIndex.of(contract)
    return ContractOut(
        id=contract.id,
        owner=contract.user_id,
        building=contract.building_id,
        energy_contract_type=contract.contract_type,
        energy_prices=prices_out(view.prices) if include_prices else [],
        meter_id=contract.meter_id,
        supplier=contract.supplier,
        currency_energy_price=contract.currency,
        energy_price_includes_external_components=contract.includes_external_components,
        price_interval_minutes=contract.price_interval_minutes,
        energy_price_index=(
            None if link is None else PriceIndexOut(link.series_id, link.factor, link.markup)
        ),
        tariff_id=contract.tariff_id,
        prices_known_until=view.prices_known_until,
        created_at=contract.created_at,
        updated_at=contract.updated_at,
    )


def prices_out(rows: Iterable[PriceRow]) -> list[PriceOut]:
    return [PriceOut(price=price, timestamp=ts) for ts, price in rows]


# --- reading -------------------------------------------------------------------------------


async def get_contract(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    *,
    include_prices: bool,
    index: SeriesIndex,
) -> ContractView:
    contract = await find_contract(session, user, contract_id)
    return await _view(session, contract, include_prices=include_prices, index=index)


async def list_user_contracts(
    session: AsyncSession, user: User, *, include_prices: bool, index: SeriesIndex
) -> list[ContractView]:
    contracts = await repository.contracts_of_user(session, user.org_id, user.id)
    return await _views(session, user.org_id, contracts, include_prices=include_prices, index=index)


async def list_organisation_contracts(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    prices_known_until_before: datetime | None = None,
    cursor: str | None,
    limit: int,
    include_prices: bool,
    index: SeriesIndex,
) -> Page[ContractView]:
    """One page ordered by contract id, after the contract id the cursor names; with
    ``prices_known_until_before``, only contracts whose prices stop holding before it."""
    after_id = BY_ID.after(cursor)
    if prices_known_until_before is None:
        contracts = await repository.contracts_of_organisation(
            session,
            org_id,
            user_id=user_id,
            building_id=building_id,
            after_id=after_id,
            limit=limit + 1,
        )
    else:
        contracts = await _running_out(
            session,
            org_id,
            user_id=user_id,
            building_id=building_id,
            before=prices_known_until_before,
            after_id=after_id,
            wanted=limit + 1,
            index=index,
        )
    page = page_of(contracts, limit, BY_ID, lambda contract: contract.id)
    views = await _views(session, org_id, page.items, include_prices=include_prices, index=index)
    return Page(views, page.next_cursor)


async def _running_out(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    before: datetime,
    after_id: uuid.UUID | None,
    wanted: int,
    index: SeriesIndex,
) -> list[EnergyContract]:
    """Up to ``wanted`` contracts after ``after_id`` in id order whose prices stop holding
    strictly before ``before``. The database offers those whose last entry lies early
    enough for that to be possible (exact for spot prices); the calendar decides the rest."""
    chosen: list[EnergyContract] = []
    while len(chosen) < wanted:
        batch = await repository.contracts_running_out(
            session,
            org_id,
            series_prices=index.prices,
            before=before,
            user_id=user_id,
            building_id=building_id,
            after_id=after_id,
            limit=wanted,
        )
        zones = await _zones(session, org_id, [contract for contract, _ in batch])
        for contract, last in batch:
            until = _known_until(contract, last, zones)
            if until is not None and until < before and len(chosen) < wanted:
                chosen.append(contract)
        if len(batch) < wanted:
            break
        after_id = batch[-1][0].id
    return chosen


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fields:
    """A contract's writable state, compared before and after a write."""

    contract_type: str
    building_id: uuid.UUID | None
    meter_id: str | None
    supplier: str | None
    currency: str | None
    includes_external_components: bool | None
    price_interval_minutes: int | None
    series_id: uuid.UUID | None
    index_factor: Decimal | None
    index_markup: Decimal | None
    tariff_id: uuid.UUID | None

    @classmethod
    def of(cls, contract: EnergyContract) -> Fields:
        return cls(**{f.name: getattr(contract, f.name) for f in fields(cls)})

    def apply_to(self, contract: EnergyContract) -> None:
        for f in fields(self):
            setattr(contract, f.name, getattr(self, f.name))


@dataclass(frozen=True, slots=True)
class _Request:
    """A contract body resolved against the stored contract (or nothing, on create)."""

    fields: Fields
    building: Building | None
    prices_field: str
    price_items: list[PriceIn]


async def create_contract(
    session: AsyncSession,
    user: User,
    body: ContractCreate,
    *,
    index: SeriesIndex,
    tariffs: TariffCatalogue,
    include_prices: bool = True,
) -> ContractView:
    organisation = await get_organisation(session, user.org_id)
    request = await _resolve(session, organisation, user.id, body, None, index, tariffs)
    rows = _valid_prices(request, organisation)
    wanted = request.fields
    existing = await repository.conflicting_contract_id(
        session, user.org_id, user.id, wanted.building_id
    )
    if existing is not None:
        raise _slot_taken(wanted.building_id, existing)
    now = utcnow()
    contract = EnergyContract(
        org_id=user.org_id, id=new_id(), user_id=user.id, version=1, created_at=now, updated_at=now
    )
    wanted.apply_to(contract)
    await _claim_slot(session, user, wanted.building_id, None, lambda: session.add(contract))
    if wanted.series_id is not None:  # its prices are the series': read, not written
        return await _view(session, contract, include_prices=include_prices, index=index)
    await prices.upsert_prices(session, user.org_id, contract.id, rows)
    last = rows.instants[-1] if rows else None
    zones = {contract.id: _timezone(request, organisation)}
    return ContractView(contract, rows, _known_until(contract, last, zones))


async def update_contract(
    session: AsyncSession,
    user: User,
    contract_id: uuid.UUID,
    body: ContractUpdate,
    *,
    if_match: str | None,
    include_prices: bool,
    index: SeriesIndex,
    tariffs: TariffCatalogue,
) -> ContractView:
    contract = await find_contract(session, user, contract_id, for_update=True)
    check_if_match(if_match, contract.version)
    organisation = await get_organisation(session, user.org_id)
    before = Fields.of(contract)
    request = await _resolve(session, organisation, user.id, body, before, index, tariffs)
    after = request.fields
    rows = _valid_prices(request, organisation)
    if rows and after.series_id is not None:
        raise prices_of_linked_contract(after.series_id)
    if after != before and await prices.has_prices(session, user.org_id, contract.id):
        if after.series_id is not None:
            raise Conflict(
                "The contract has stored prices; delete them (DELETE .../prices) before "
                "linking it to a price series."
            )
        await _check_change_keeps_prices_valid(session, organisation, user, before, request)
    if after.building_id != before.building_id:
        existing = await repository.conflicting_contract_id(
            session, user.org_id, user.id, after.building_id, other_than=contract.id
        )
        if existing is not None:
            raise _slot_taken(after.building_id, existing)
    if after != before:
        await _claim_slot(
            session, user, after.building_id, contract.id, lambda: after.apply_to(contract)
        )
    counts = await prices.upsert_prices(session, user.org_id, contract.id, rows)
    if after != before or counts.changed:
        await bump_version(session, contract)
    return await _view(session, contract, include_prices=include_prices, index=index)


async def delete_contract(
    session: AsyncSession, user: User, contract_id: uuid.UUID, *, if_match: str | None
) -> None:
    contract = await find_contract(session, user, contract_id, for_update=True)
    check_if_match(if_match, contract.version)
    await repository.delete_contract(session, contract)


# --- helpers -------------------------------------------------------------------------------


async def find_contract(
    session: AsyncSession, user: User, contract_id: uuid.UUID, *, for_update: bool = False
) -> EnergyContract:
    contract = await repository.find_contract(
        session, user.org_id, user.id, contract_id, for_update=for_update
    )
    if contract is None:
        raise NotFound("No such energy contract.")
    return contract


async def _view(
    session: AsyncSession, contract: EnergyContract, *, include_prices: bool, index: SeriesIndex
) -> ContractView:
    return (
        await _views(
            session, contract.org_id, [contract], include_prices=include_prices, index=index
        )
    )[0]


async def _views(
    session: AsyncSession,
    org_id: uuid.UUID,
    contracts: Sequence[EnergyContract],
    *,
    include_prices: bool,
    index: SeriesIndex,
) -> list[ContractView]:
    """Each contract with its prices (stored, or derived from its series) if asked for, and
    its ``prices_known_until``. Read after the contract rows: an ETag is never newer than
    the prices shown with it."""
    own = [contract.id for contract in contracts if contract.series_id is None]
    series_ids = list({c.series_id for c in contracts if c.series_id is not None})
    if include_prices:
        own_rows = await prices.prices_of_contracts(session, org_id, own)
        series_rows = await prices.prices_of_contracts(
            session, org_id, series_ids, table=index.prices
        )
        last = {owner: rows[-1][0] for owner, rows in (own_rows | series_rows).items() if rows}
    else:
        own_rows = series_rows = {}
        last = await prices.last_price_instants(session, org_id, own)
        last |= await prices.last_price_instants(session, org_id, series_ids, table=index.prices)
    zones = await _zones(session, org_id, [c for c in contracts if _last_of(c, last)])
    views: list[ContractView] = []
    for contract in contracts:
        link = PriceIndex.of(contract)
        rows: Iterable[PriceRow] = (
            own_rows.get(contract.id, [])
            if link is None
            else link.apply(series_rows.get(link.series_id, []))
        )
        until = _known_until(contract, _last_of(contract, last), zones)
        views.append(ContractView(contract, rows, until))
    return views


def _last_of(contract: EnergyContract, last: dict[uuid.UUID, datetime]) -> datetime | None:
    """The instant of the contract's last price: its own, or its series'."""
    return last.get(contract.series_id if contract.series_id is not None else contract.id)


def _known_until(
    contract: EnergyContract, last: datetime | None, zones: dict[uuid.UUID, str]
) -> datetime | None:
    """When the contract's last known price stops holding (``zones``: its time zone)."""
    if last is None:
        return None
    kind = pricing.ContractType(contract.contract_type)
    interval = contract.price_interval_minutes or DEFAULT_INTERVAL_MINUTES
    if kind is pricing.ContractType.SPOT_HOURLY:  # elapsed time: no clock needed
        return pricing.entry_end(last, kind, interval_minutes=interval, tz=zone("UTC"))
    return pricing.entry_end(last, kind, tz=zone(zones[contract.id]))


async def _zones(
    session: AsyncSession, org_id: uuid.UUID, contracts: Sequence[EnergyContract]
) -> dict[uuid.UUID, str]:
    """The time zone of each of ``contracts`` that is not spot_hourly: its building's,
    else the organisation's (spot prices hold for elapsed time, on no calendar)."""
    calendar = [c for c in contracts if c.contract_type != SPOT_HOURLY]
    if not calendar:
        return {}
    organisation = await get_organisation(session, org_id)
    buildings = await repository.building_zones(
        session, org_id, [c.building_id for c in calendar if c.building_id is not None]
    )
    return {
        c.id: organisation.timezone if c.building_id is None else buildings[c.building_id]
        for c in calendar
    }


async def bump_version(session: AsyncSession, contract: EnergyContract) -> None:
    contract.version += 1
    contract.updated_at = utcnow()
    await session.flush()


async def _claim_slot(
    session: AsyncSession,
    user: User,
    building_id: uuid.UUID | None,
    contract_id: uuid.UUID | None,
    change: Callable[[], None],
) -> None:
    """Apply ``change`` and flush it in a savepoint: the unique indexes are the backstop for
    a concurrent writer that passed the same pre-check, and their violation is a 409."""
    org_id, user_id = user.org_id, user.id
    try:
        async with session.begin_nested():
            change()
            await session.flush()
    except IntegrityError:
        existing = await repository.conflicting_contract_id(
            session, org_id, user_id, building_id, other_than=contract_id
        )
        if existing is not None:
            raise _slot_taken(building_id, existing) from None
        if not await repository.user_exists(session, org_id, user_id):
            raise NotFound("No such user.") from None
        if building_id is not None and not await repository.find_building(
            session, org_id, user_id, building_id
        ):
            raise _unknown_building("building_id") from None
        raise


def _slot_taken(building_id: uuid.UUID | None, existing: uuid.UUID) -> Conflict:
    detail = (
        "This building already has an energy contract; update that one instead."
        if building_id is not None
        else "This user already has a user-level energy contract; update that one instead."
    )
    return Conflict(detail, existing_contract_id=existing)


def _unknown_building(field: str) -> Unprocessable:
    return Unprocessable.field(field, "is not a building of this user")


def prices_of_linked_contract(series_id: uuid.UUID) -> Conflict:
    return Conflict(
        f"This contract is index-linked to price series {series_id}: it stores no prices of "
        "its own. Write the series' prices, or unlink it (energy_price_index: null)."
    )


async def _resolve(
    session: AsyncSession,
    organisation: Organisation,
    user_id: uuid.UUID,
    body: ContractIn,
    current: Fields | None,
    index: SeriesIndex,
    tariffs: TariffCatalogue,
) -> _Request:
    """The contract's fields after this body, or one 422 naming every invalid field."""
    errors: list[FieldError] = []
    if not isinstance(body.owner, UnsetType) and body.owner != user_id:
        errors.append(FieldError("owner", "must equal the user id of the path; it never changes"))

    kind = current.contract_type if current else ""
    if not isinstance(body.energy_contract_type, UnsetType):
        normalised = contract_type(body.energy_contract_type)
        if normalised is None:
            errors.append(
                FieldError("energy_contract_type", "must be spot_hourly, monthly or yearly")
            )
        kind = normalised or kind

    building_field, sent_building = one_of(body, "building_id", "building", errors)
    building_id: uuid.UUID | None = sent_building
    if isinstance(sent_building, UnsetType):
        building_id = current.building_id if current else None
    building = None
    if building_id is not None:
        building = await repository.find_building(session, organisation.id, user_id, building_id)
        if building is None:
            errors.extend(_unknown_building(building_field).errors)

    currency = current.currency if current else None
    sent_currency = body.currency_energy_price
    if not isinstance(sent_currency, UnsetType):
        currency = None if sent_currency is None else currency_code(sent_currency)
        if sent_currency is not None and currency is None:
            errors.append(
                FieldError("currency_energy_price", "is not an ISO 4217 currency in circulation")
            )
        elif currency is not None and currency != organisation.billing_currency:
            errors.append(
                FieldError(
                    "currency_energy_price",
                    f"must be the organisation's billing currency, {organisation.billing_currency}",
                )
            )

    link, linked = await _price_index(session, organisation.id, body, current, index, errors)
    interval = _interval(kind, body.price_interval_minutes, current, errors)

    prices_field, sent_prices = one_of(body, "energy_prices", "energy_price", errors)
    items = sent_prices if isinstance(sent_prices, list) else []
    if items and currency is None and not _currency_refused(errors):
        errors.append(FieldError("currency_energy_price", "is required when prices are sent"))
    if link is not None:
        interval = _linked_terms(body, kind, currency, linked, items, prices_field, errors)
    includes = _keep(
        body.energy_price_includes_external_components,
        current.includes_external_components if current else None,
    )
    tariff_id = await _tariff(
        session, organisation.id, body, current, currency, includes, tariffs, errors
    )

    if errors:
        raise Unprocessable(errors=errors)
    return _Request(
        fields=Fields(
            contract_type=kind,
            building_id=building_id,
            meter_id=_keep(body.meter_id, current.meter_id if current else None),
            supplier=_keep(body.supplier, current.supplier if current else None),
            currency=currency,
            includes_external_components=includes,
            price_interval_minutes=interval,
            series_id=None if link is None else link.series_id,
            index_factor=None if link is None else link.factor,
            index_markup=None if link is None else link.markup,
            tariff_id=tariff_id,
        ),
        building=building,
        prices_field=prices_field,
        price_items=items,
    )


async def _price_index(
    session: AsyncSession,
    org_id: uuid.UUID,
    body: ContractIn,
    current: Fields | None,
    index: SeriesIndex,
    errors: list[FieldError],
) -> tuple[PriceIndex | None, LinkedSeries | None]:
    """The contract's link after this body (sent, kept, or null: unlinked), and its series."""
    sent = body.energy_price_index
    if sent is None:
        return None, None
    if isinstance(sent, UnsetType):
        if current is None or current.series_id is None:
            return None, None
        kept = PriceIndex.of_terms(current.series_id, current.index_factor, current.index_markup)
        return kept, await index.find(session, org_id, kept.series_id)
    link = PriceIndex(
        sent.series_id,
        _index_number(sent.factor, "factor", DEFAULT_FACTOR, errors),
        _index_number(sent.markup, "markup", DEFAULT_MARKUP, errors),
    )
    linked = await index.find(session, org_id, sent.series_id)
    if linked is None:
        errors.append(
            FieldError("energy_price_index.series_id", "is not a price series of this organisation")
        )
    return link, linked


async def _tariff(
    session: AsyncSession,
    org_id: uuid.UUID,
    body: ContractIn,
    current: Fields | None,
    currency: str | None,
    includes: bool | None,
    tariffs: TariffCatalogue,
    errors: list[FieldError],
) -> uuid.UUID | None:
    """The tariff the contract names after this body (SPEC §11), and its rules."""
    sent = body.tariff_id
    tariff_id = _keep(sent, current.tariff_id if current else None)
    if tariff_id is None:
        return None
    tariff_sent = not isinstance(sent, UnsetType)
    if includes is True:
        if tariff_sent:
            errors.append(
                FieldError(
                    "tariff_id",
                    "cannot be named on a contract whose prices include external components "
                    "(energy_price_includes_external_components: true)",
                )
            )
        elif not isinstance(body.energy_price_includes_external_components, UnsetType):
            errors.append(
                FieldError(
                    "energy_price_includes_external_components",
                    "cannot be true while the contract names a tariff (tariff_id: null first)",
                )
            )
    tariff = await tariffs.find(session, org_id, tariff_id)
    if tariff is None:
        errors.append(FieldError("tariff_id", "is not a tariff of this organisation"))
    elif currency != tariff.currency and not _currency_refused(errors):
        errors.append(
            FieldError(
                "currency_energy_price", f"must be the named tariff's currency, {tariff.currency}"
            )
        )
    return tariff_id


def _index_number(
    sent: Raw | UnsetType, name: str, default: Decimal, errors: list[FieldError]
) -> Decimal:
    if isinstance(sent, UnsetType):
        return default
    value = exact_price(sent)
    if isinstance(value, str):
        errors.append(FieldError(f"energy_price_index.{name}", value))
        return default
    return value


def _linked_terms(
    body: ContractIn,
    kind: str,
    currency: str | None,
    linked: LinkedSeries | None,
    items: list[PriceIn],
    prices_field: str,
    errors: list[FieldError],
) -> int | None:
    """The rules of an index-linked contract (SPEC §4a); its interval: the series'."""
    index_sent = not isinstance(body.energy_price_index, UnsetType)
    if kind != SPOT_HOURLY:
        if index_sent:
            errors.append(FieldError("energy_price_index", "applies to spot_hourly contracts only"))
        else:
            errors.append(
                FieldError(
                    "energy_contract_type",
                    "must stay spot_hourly while the contract is index-linked "
                    "(unlink it with energy_price_index: null)",
                )
            )
    if items and index_sent:
        errors.append(
            FieldError(
                prices_field,
                "cannot be sent with energy_price_index: an index-linked contract takes its "
                "prices from the series",
            )
        )
    if linked is None:
        return None
    if currency != linked.currency and not _currency_refused(errors):
        errors.append(
            FieldError(
                "currency_energy_price",
                f"must be the linked series' currency, {linked.currency}",
            )
        )
    sent_interval = body.price_interval_minutes
    if (
        kind == SPOT_HOURLY
        and isinstance(sent_interval, int)
        and sent_interval != linked.interval_minutes
    ):
        errors.append(
            FieldError(
                "price_interval_minutes",
                f"must be the linked series' interval, {linked.interval_minutes}, or be left out",
            )
        )
    return linked.interval_minutes


def _interval(
    kind: str, sent: int | UnsetType | None, current: Fields | None, errors: list[FieldError]
) -> int | None:
    if kind != SPOT_HOURLY:
        if kind and sent is not None and not isinstance(sent, UnsetType):
            errors.append(
                FieldError("price_interval_minutes", "may be set on spot_hourly contracts only")
            )
        return None
    if isinstance(sent, UnsetType):
        stored = current.price_interval_minutes if current else None
        return stored or DEFAULT_INTERVAL_MINUTES
    return sent if sent is not None else DEFAULT_INTERVAL_MINUTES


def _keep(sent: T | UnsetType, current: T) -> T:
    return current if isinstance(sent, UnsetType) else sent


def one_of(body: Any, name: str, alias: str, errors: list[FieldError]) -> tuple[str, Any]:
    """The field the client used among two spellings; both at once is a 422."""
    value, other = getattr(body, name), getattr(body, alias)
    if not isinstance(value, UnsetType) and not isinstance(other, UnsetType):
        errors.append(FieldError(alias, f"is another name for `{name}`; send only one of them"))
        return name, UNSET
    return (alias, other) if not isinstance(other, UnsetType) else (name, value)


def _valid_prices(request: _Request, organisation: Organisation) -> PriceSeries:
    return parse_prices(
        request.price_items,
        request.prices_field,
        price_grid(request.fields, _timezone(request, organisation)),
    )


def _timezone(request: _Request, organisation: Organisation) -> str:
    return request.building.timezone if request.building else organisation.timezone


def price_grid(contract: Fields, timezone: str) -> Grid | None:
    if contract.contract_type != SPOT_HOURLY:
        return None
    return Grid(contract.price_interval_minutes or DEFAULT_INTERVAL_MINUTES, zone(timezone))


async def timezone_of(
    session: AsyncSession, organisation: Organisation, user: User, building_id: uuid.UUID | None
) -> str:
    """The contract's time zone: its building's, else the organisation's."""
    if building_id is None:
        return organisation.timezone
    building = await repository.find_building(session, user.org_id, user.id, building_id)
    if building is None:  # the foreign key makes this impossible; never guess a zone
        raise NotFound("No such building.")
    return building.timezone


async def _check_change_keeps_prices_valid(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    before: Fields,
    request: _Request,
) -> None:
    after = request.fields
    if after.contract_type != before.contract_type:
        raise Conflict(
            f"The contract has prices for a {before.contract_type} contract; delete them "
            f"(DELETE .../prices) before changing energy_contract_type."
        )
    if after.price_interval_minutes != before.price_interval_minutes:
        raise Conflict(
            f"The contract has prices on a {before.price_interval_minutes}-minute grid; delete "
            "them (DELETE .../prices) before changing price_interval_minutes."
        )
    if after.currency is None:
        raise Unprocessable.field(
            "currency_energy_price", "may not be cleared while the contract has prices"
        )
    if after.contract_type == SPOT_HOURLY and after.building_id != before.building_id:
        old_zone = await timezone_of(session, organisation, user, before.building_id)
        new_zone = request.building.timezone if request.building else organisation.timezone
        if old_zone != new_zone:
            raise Conflict(
                f"The contract's spot prices lie on the local grid of {old_zone}; moving it "
                f"to {new_zone} needs its prices deleted first (DELETE .../prices)."
            )


def _currency_refused(errors: list[FieldError]) -> bool:
    """Whether the currency itself is already refused: then a mismatch with the series' or
    the tariff's currency is not worth a second error."""
    return any(error.field == "currency_energy_price" for error in errors)
