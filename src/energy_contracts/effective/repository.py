"""The reads behind SPEC §6, tenant-scoped: organisation and user in every WHERE clause.

A question about a building needs its clock, the organisation's clock and currency, the
building's contract and the user-level contract (``building_place``), then those contracts'
prices over the range plus the entry before it (``prices_of``); when the range is known
beforehand, ``building_place`` reads both at once. An index-linked contract's rows are its
series' (SPEC §4a), read in the same statement and turned into the contract's prices by the
service; the tariff a contract names (SPEC §11) comes with the contract, in the same row.
These are the hot reads of the API: on PostgreSQL each is one statement sent through the
driver (the ORM and the statement compiler would cost more than the database does), on other
databases the same queries go through SQLAlchemy Core. Nothing here uses the ORM, so the
answers need only a connection.

Run through the driver, the statements need no transaction: each is one consistent
statement, and at READ COMMITTED every statement takes its own snapshot anyway.

The range bounds are written ``(SELECT $n)``: PostgreSQL then estimates the same plan
whatever the bounds, so the prepared statement keeps one generic plan instead of planning
each execution anew (with the bounds' statistics a custom plan looked cheaper: ~200 µs of
planning for a ~60 µs execution, on every request). Prices come back as one pair of arrays
per contract rather than a row per price: less to decode.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from energy_contracts import pricing
from energy_contracts.buildings.models import Building
from energy_contracts.contracts.index import PriceIndex
from energy_contracts.contracts.models import EnergyContract, PriceRow
from energy_contracts.contracts.prices import CONTRACT_PRICES, driver_fetch
from energy_contracts.orgs.models import Organisation
from energy_contracts.series.models import SERIES_PRICES
from energy_contracts.tariffs.models import Tariff
from energy_contracts.tariffs.terms import stored_tariff
from energy_contracts.tenancy import scoped
from energy_contracts.users.models import User


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What pricing needs of a contract."""

    id: uuid.UUID
    building_id: uuid.UUID | None
    contract_type: str
    price_interval_minutes: int | None
    includes_external_components: bool | None
    series_id: uuid.UUID | None
    index_factor: Decimal | None
    index_markup: Decimal | None
    tariff_id: uuid.UUID | None
    tariff: pricing.Tariff | None
    """The named tariff, parsed (``tariffs.terms``)."""

    @classmethod
    def of_row(cls, values: Sequence[Any]) -> ContractTerms:
        """From the columns ``_TERMS`` names, in its order."""
        (
            contract_id,
            building_id,
            contract_type,
            interval_minutes,
            includes,
            series_id,
            factor,
            markup,
            tariff_id,
            version,
            timezone,
            vat,
            vat_on_negative,
            standing,
            components,
        ) = values
        tariff = None
        if tariff_id is not None:
            tariff = stored_tariff(
                tariff_id,
                version,
                timezone=timezone,
                vat_percent=vat,
                vat_on_negative=vat_on_negative,
                standing_charge_per_day=standing,
                components=components,
            )
        return cls(
            contract_id,
            building_id,
            contract_type,
            interval_minutes,
            includes,
            series_id,
            factor,
            markup,
            tariff_id,
            tariff,
        )

    @property
    def includes_external(self) -> bool | None:
        """Whether its prices include grid fees, levies and taxes: a tariff completes them."""
        return True if self.tariff is not None else self.includes_external_components

    @property
    def index(self) -> PriceIndex | None:
        """The link to a price series whose rows ``prices_of`` reads for this contract."""
        if self.series_id is None:
            return None
        return PriceIndex.of_terms(self.series_id, self.index_factor, self.index_markup)


@dataclass(frozen=True, slots=True)
class Place:
    """A building (or a user without one): its clock, its organisation's, its contracts."""

    timezone: str
    organisation_timezone: str
    currency: str
    contracts: list[ContractTerms]
    prices: dict[uuid.UUID, list[PriceRow]] | None = None
    """When asked for with the place: per contract, as ``prices_of`` over ``prices_span``."""
    prices_span: tuple[datetime, datetime] | None = None


# What a contract row gives pricing (``ContractTerms.of_row``): its columns and those of the
# tariff it names (a primary-key lookup, null without one).
_TERMS = (
    "ec.id, ec.building_id, ec.contract_type, ec.price_interval_minutes, "
    "ec.includes_external_components, ec.series_id, ec.index_factor, ec.index_markup, "
    "ec.tariff_id, tf.version AS tariff_version, tf.timezone AS tariff_timezone, "
    "tf.vat_percent, tf.vat_on_negative, tf.standing_charge_per_day, tf.components"
)
_TERMS_COUNT = len(_TERMS.split(","))
_CONTRACTS_AND_TARIFFS = (
    "energy_contracts AS ec "
    "LEFT JOIN tariffs AS tf ON tf.org_id = ec.org_id AND tf.id = ec.tariff_id"
)
# Each branch is one unique-index lookup: (org_id, building_id) and the partial
# (org_id, user_id) WHERE building_id IS NULL.
_CONTRACTS = f"""
    SELECT {_TERMS}
    FROM {_CONTRACTS_AND_TARIFFS}
    WHERE ec.org_id = $1 AND ec.user_id = $2 AND ec.building_id = $3
    UNION ALL
    SELECT {_TERMS}
    FROM {_CONTRACTS_AND_TARIFFS}
    WHERE ec.org_id = $1 AND ec.user_id = $2 AND ec.building_id IS NULL
"""  # noqa: S608 - composed of constants, no input
_PLACE = """
    SELECT b.timezone, o.timezone AS organisation_timezone, o.billing_currency
    FROM buildings AS b
    JOIN organisations AS o ON o.id = b.org_id
    WHERE b.org_id = $1 AND b.user_id = $2 AND b.id = $3
"""
# Per contract ``c`` (``c.id``, ``c.series_id``): arrays of instants and prices, the entry
# in force at ``{lo}`` (the last one before it) first, then those in [{lo}, {hi}): two range
# scans on the primary key (org_id, contract_id, ts) of its own prices, or, for a contract
# linked to a series, on (org_id, series_id, ts) of the series' prices. The branches of the
# other kind are skipped (a one-time filter, or a lookup of a null key).
_PRICE_ARRAYS = """
    SELECT array_agg(ts) AS instants, array_agg(price) AS prices FROM (
        (SELECT ts, price FROM energy_prices
         WHERE org_id = $1 AND contract_id = c.id AND c.series_id IS NULL
           AND ts < (SELECT {lo}::timestamptz)
         ORDER BY ts DESC LIMIT 1)
        UNION ALL
        (SELECT ts, price FROM energy_prices
         WHERE org_id = $1 AND contract_id = c.id AND c.series_id IS NULL
           AND ts >= (SELECT {lo}::timestamptz) AND ts < (SELECT {hi}::timestamptz))
        UNION ALL
        (SELECT ts, price FROM series_prices
         WHERE org_id = $1 AND series_id = c.series_id AND ts < (SELECT {lo}::timestamptz)
         ORDER BY ts DESC LIMIT 1)
        UNION ALL
        (SELECT ts, price FROM series_prices
         WHERE org_id = $1 AND series_id = c.series_id
           AND ts >= (SELECT {lo}::timestamptz) AND ts < (SELECT {hi}::timestamptz))
    ) AS known
"""
_BUILDING_PLACE = f"""
WITH place AS ({_PLACE}), c AS ({_CONTRACTS})
SELECT place.*, c.* FROM place LEFT JOIN c ON true
"""  # noqa: S608 - composed of the constants above, no input
_USER_PLACE = f"""
SELECT o.timezone, o.timezone, o.billing_currency, c.*
FROM users AS u
JOIN organisations AS o ON o.id = u.org_id
LEFT JOIN LATERAL (
    SELECT {_TERMS}
    FROM {_CONTRACTS_AND_TARIFFS}
    WHERE ec.org_id = $1 AND ec.user_id = $2 AND ec.building_id IS NULL
) AS c ON true
WHERE u.org_id = $1 AND u.id = $2
"""  # noqa: S608 - composed of constants, no input
# The place, its contracts and their prices over [$4, $5) on one round trip: a row per
# contract (one row with null contract columns if there is none), no row if no building.
_BUILDING_PLACE_AND_PRICES = f"""
WITH place AS ({_PLACE}), c AS ({_CONTRACTS})
SELECT place.*, c.*, p.instants, p.prices
FROM place
LEFT JOIN c ON true
LEFT JOIN LATERAL ({_PRICE_ARRAYS.format(lo="$4", hi="$5")}) AS p ON c.id IS NOT NULL
"""  # noqa: S608 - composed of the constants above, no input
_PRICES = f"""
SELECT c.id, p.instants, p.prices
FROM unnest((SELECT $2::uuid[]), (SELECT $3::uuid[])) AS c (id, series_id)
CROSS JOIN LATERAL ({_PRICE_ARRAYS.format(lo="$4", hi="$5")}) AS p
"""  # noqa: S608 - composed of the constants above, no input


def _is_postgresql(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"


async def building_place(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    building_id: uuid.UUID,
    *,
    prices_in: tuple[datetime, datetime] | None = None,
) -> Place | None:
    """The building ``building_id`` of user ``user_id`` in ``org_id``, or None; with
    ``prices_in``, its contracts' prices over that span too (see ``prices_of``)."""
    if _is_postgresql(connection):
        if prices_in is None:
            rows = await driver_fetch(connection, _BUILDING_PLACE, org_id, user_id, building_id)
            return _place(rows)
        rows = await driver_fetch(
            connection, _BUILDING_PLACE_AND_PRICES, org_id, user_id, building_id, *prices_in
        )
        found = _place(rows)
        if found is None:
            return None
        instants, values = 3 + _TERMS_COUNT, 4 + _TERMS_COUNT
        prices = {row[3]: _pairs(row[instants], row[values]) for row in rows if row[3] is not None}
        return _with_prices(found, prices, prices_in)
    place = (
        await connection.execute(
            scoped(Building, org_id, user_id=user_id, id=building_id)
            .with_only_columns(
                Building.timezone, Organisation.timezone, Organisation.billing_currency
            )
            .join_from(Building, Organisation, Organisation.id == Building.org_id)
        )
    ).first()
    if place is None:
        return None
    contracts = await connection.execute(
        _with_tariffs(scoped(EnergyContract, org_id, user_id=user_id)).where(
            or_(EnergyContract.building_id == building_id, EnergyContract.building_id.is_(None))
        )
    )
    found = Place(*place, [ContractTerms.of_row(row) for row in contracts])
    if prices_in is None:
        return found
    return _with_prices(
        found, await prices_of(connection, org_id, found.contracts, *prices_in), prices_in
    )


async def user_place(
    connection: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID
) -> Place | None:
    """User ``user_id`` of ``org_id`` with the user-level contract, on the organisation's
    clock; None if there is no such user."""
    if _is_postgresql(connection):
        return _place(await driver_fetch(connection, _USER_PLACE, org_id, user_id))
    organisation = (
        await connection.execute(
            scoped(User, org_id, id=user_id)
            .with_only_columns(Organisation.timezone, Organisation.billing_currency)
            .join_from(User, Organisation, Organisation.id == User.org_id)
        )
    ).first()
    if organisation is None:
        return None
    timezone, currency = organisation
    contracts = await connection.execute(
        _with_tariffs(scoped(EnergyContract, org_id, user_id=user_id)).where(
            EnergyContract.building_id.is_(None)
        )
    )
    return Place(timezone, timezone, currency, [ContractTerms.of_row(row) for row in contracts])


async def user_exists(connection: AsyncConnection, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await connection.scalar(scoped(User, org_id, id=user_id).with_only_columns(User.id))
    return found is not None


async def prices_of(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    contracts: Sequence[ContractTerms],
    start: datetime,
    end: datetime,
) -> dict[uuid.UUID, list[PriceRow]]:
    """Per contract: its prices in ``[start, end)`` plus the last one before ``start`` (the one
    in force at ``start``), in no particular order; for a linked contract, its series' rows.
    ``contracts`` come from a scoped read."""
    grouped: dict[uuid.UUID, list[PriceRow]] = {contract.id: [] for contract in contracts}
    if not contracts:
        return grouped
    if _is_postgresql(connection):
        ids = [contract.id for contract in contracts]
        series_ids = [contract.series_id for contract in contracts]
        rows = await driver_fetch(connection, _PRICES, org_id, ids, series_ids, start, end)
        for contract_id, instants, prices in rows:
            grouped[contract_id] = _pairs(instants, prices)
        return grouped
    reads = {contract.id: PriceRead.of(contract, start, end) for contract in contracts}
    found = await read_prices(connection, org_id, list(set(reads.values())))
    return {contract_id: found[read] for contract_id, read in reads.items()}


_CONTRACT_COLUMNS = (
    EnergyContract.id,
    EnergyContract.building_id,
    EnergyContract.contract_type,
    EnergyContract.price_interval_minutes,
    EnergyContract.includes_external_components,
    EnergyContract.series_id,
    EnergyContract.index_factor,
    EnergyContract.index_markup,
    EnergyContract.tariff_id,
    Tariff.version,
    Tariff.timezone,
    Tariff.vat_percent,
    Tariff.vat_on_negative,
    Tariff.standing_charge_per_day,
    Tariff.components,
)


def _with_tariffs(contracts: Select[Any]) -> Any:
    """``contracts`` as the columns ``ContractTerms.of_row`` takes, each with its tariff's."""
    joined: Any = contracts.with_only_columns(*_CONTRACT_COLUMNS).join_from(
        EnergyContract,
        Tariff,
        and_(Tariff.org_id == EnergyContract.org_id, Tariff.id == EnergyContract.tariff_id),
        isouter=True,
    )
    return joined


def _place(rows: Sequence[Any]) -> Place | None:
    if not rows:
        return None
    timezone, organisation_timezone, currency = rows[0][0], rows[0][1], rows[0][2]
    contracts = [
        ContractTerms.of_row(row[3 : 3 + _TERMS_COUNT]) for row in rows if row[3] is not None
    ]
    return Place(timezone, organisation_timezone, currency, contracts)


def _pairs(instants: list[datetime] | None, prices: list[Any] | None) -> list[PriceRow]:
    if instants is None or prices is None:  # array_agg of no rows is null
        return []
    return list(zip(instants, prices, strict=True))


def _with_prices(
    place: Place, prices: dict[uuid.UUID, list[PriceRow]], span: tuple[datetime, datetime]
) -> Place:
    return Place(
        place.timezone, place.organisation_timezone, place.currency, place.contracts, prices, span
    )


# --- every building of an organisation (SPEC §12) ------------------------------------------


@dataclass(frozen=True, slots=True)
class BuildingOfOrganisation:
    id: uuid.UUID
    user_id: uuid.UUID
    timezone: str


async def organisation_terms(connection: AsyncConnection, org_id: uuid.UUID) -> tuple[str, str]:
    """The organisation's time zone and billing currency (it exists: the caller's own)."""
    found = (
        await connection.execute(
            select(Organisation.timezone, Organisation.billing_currency).where(
                Organisation.id == org_id
            )
        )
    ).one()
    return found[0], found[1]


async def buildings_page(
    connection: AsyncConnection, org_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
) -> list[BuildingOfOrganisation]:
    """A keyset page of the organisation's buildings in id order (its primary key's)."""
    statement = scoped(Building, org_id).with_only_columns(
        Building.id, Building.user_id, Building.timezone
    )
    if after_id is not None:
        statement = statement.where(Building.id > after_id)
    result = await connection.execute(statement.order_by(Building.id).limit(limit))
    return [BuildingOfOrganisation(*row) for row in result]


async def contracts_of_buildings(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    buildings: Sequence[BuildingOfOrganisation],
) -> tuple[dict[uuid.UUID, ContractTerms], dict[uuid.UUID, ContractTerms]]:
    """The contracts of these buildings, by building, and their users' user-level
    contracts, by user: one read (the unique indexes serve it)."""
    if not buildings:
        return {}, {}
    building_ids = [building.id for building in buildings]
    user_ids = list({building.user_id for building in buildings})
    result = await connection.execute(
        _with_tariffs(scoped(EnergyContract, org_id))
        .add_columns(EnergyContract.user_id)
        .where(
            or_(
                EnergyContract.building_id.in_(building_ids),
                and_(EnergyContract.building_id.is_(None), EnergyContract.user_id.in_(user_ids)),
            )
        )
    )
    by_building: dict[uuid.UUID, ContractTerms] = {}
    by_user: dict[uuid.UUID, ContractTerms] = {}
    for row in result:
        terms = ContractTerms.of_row(row[:-1])
        if terms.building_id is None:
            by_user[row[-1]] = terms
        else:
            by_building[terms.building_id] = terms
    return by_building, by_user


@dataclass(frozen=True, slots=True)
class PriceRead:
    """Prices an answer needs: an owner's (a contract's, or a series') over ``[start, end)``
    and the entry in force at ``start``."""

    contract_id: uuid.UUID | None
    series_id: uuid.UUID | None
    start: datetime
    end: datetime

    @classmethod
    def of(cls, contract: ContractTerms, start: datetime, end: datetime) -> PriceRead:
        """A linked contract reads its series: contracts of one series share the read."""
        if contract.series_id is not None:
            return cls(None, contract.series_id, start, end)
        return cls(contract.id, None, start, end)


# ``_PRICE_ARRAYS`` per wanted read, each with its own range: one statement for them all.
_RANGED_PRICES = f"""
SELECT c.n, p.instants, p.prices
FROM unnest((SELECT $2::uuid[]), (SELECT $3::uuid[]), (SELECT $4::timestamptz[]),
            (SELECT $5::timestamptz[])) WITH ORDINALITY AS c (id, series_id, lo, hi, n)
CROSS JOIN LATERAL ({_PRICE_ARRAYS.format(lo="c.lo", hi="c.hi")}) AS p
"""  # noqa: S608 - composed of the constants above, no input


async def read_prices(
    connection: AsyncConnection, org_id: uuid.UUID, reads: Sequence[PriceRead]
) -> dict[PriceRead, list[PriceRow]]:
    """Each of ``reads``, in no particular order within one."""
    found: dict[PriceRead, list[PriceRow]] = {read: [] for read in reads}
    if not reads:
        return found
    if _is_postgresql(connection):
        rows = await driver_fetch(
            connection,
            _RANGED_PRICES,
            org_id,
            [read.contract_id for read in reads],
            [read.series_id for read in reads],
            [read.start for read in reads],
            [read.end for read in reads],
        )
        for number, instants, prices in rows:
            found[reads[number - 1]] = _pairs(instants, prices)
        return found
    for read in reads:
        table, owner = CONTRACT_PRICES, read.contract_id
        if read.series_id is not None:
            table, owner = SERIES_PRICES, read.series_id
        assert owner is not None
        scope = table.scope(org_id, owner)
        before = await connection.execute(
            select(table.ts, table.price)
            .where(*scope, table.ts < read.start)
            .order_by(table.ts.desc())
            .limit(1)
        )
        within = await connection.execute(
            select(table.ts, table.price).where(*scope, table.ts >= read.start, table.ts < read.end)
        )
        found[read] = [(ts, price) for ts, price in [*before, *within]]
    return found
