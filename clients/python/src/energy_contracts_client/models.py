"""Request and response objects of the Partner API, as msgspec Structs.

Prices are exact ``Decimal`` values and every instant is an aware ``datetime``: a price goes
over the wire as the JSON number with the same digits, and comes back as the same value.

Response models ignore fields they do not know (a newer server may add some). Request models
leave out every field that was not given (``msgspec.UNSET``), so a partial update changes only
what it names, and an explicit ``None`` clears an optional field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import msgspec
from msgspec import UNSET, UnsetType

T = TypeVar("T")

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
Role = Literal["admin", "staff", "user"]
ContractType = Literal["spot_hourly", "monthly", "yearly"]
PriceSource = Literal["building", "user"]
PriceLevel = Literal["VERY_CHEAP", "CHEAP", "NORMAL", "EXPENSIVE", "VERY_EXPENSIVE"]
PriceBasis = Literal["all_in", "energy_only", "mixed"]
TariffKind = Literal["grid", "levy", "other"]


class Organisation(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    billing_currency: str
    timezone: str


class Price(msgspec.Struct, frozen=True):
    """A price per kWh in the contract's currency, valid from ``timestamp``."""

    price: Decimal
    timestamp: AwareDatetime

    def __post_init__(self) -> None:
        # A float price would already have lost its exact value; refuse it here rather than
        # send a number the partner never meant.
        if not isinstance(self.price, Decimal) or not self.price.is_finite():
            raise TypeError(f"price must be a finite Decimal, not {self.price!r}")
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ValueError(f"timestamp {self.timestamp.isoformat()} has no UTC offset")


class PriceWriteSummary(msgspec.Struct, frozen=True):
    """What ``PUT .../prices`` did: prices received, and how many were new, changed or equal."""

    received: int
    inserted: int
    updated: int
    unchanged: int

    def __add__(self, other: PriceWriteSummary) -> PriceWriteSummary:
        return PriceWriteSummary(
            received=self.received + other.received,
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )

    @classmethod
    def zero(cls) -> PriceWriteSummary:
        return cls(received=0, inserted=0, updated=0, unchanged=0)


class PricesDeleted(msgspec.Struct, frozen=True):
    deleted: int


class User(msgspec.Struct, frozen=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    external_user_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    street_and_number: str | None = None
    street_add_info: str | None = None
    town: str | None = None
    zip_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class NewUser(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``POST .../users``."""

    email: str
    role: Role | UnsetType = UNSET
    external_user_id: str | UnsetType = UNSET
    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    street_and_number: str | UnsetType = UNSET
    street_add_info: str | UnsetType = UNSET
    town: str | UnsetType = UNSET
    zip_code: str | UnsetType = UNSET
    country: str | UnsetType = UNSET
    latitude: float | UnsetType = UNSET
    longitude: float | UnsetType = UNSET


class UserChanges(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``PUT .../users/{id}``: absent fields stay, ``None`` clears an optional field."""

    email: str | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    external_user_id: str | UnsetType | None = UNSET
    first_name: str | UnsetType | None = UNSET
    last_name: str | UnsetType | None = UNSET
    street_and_number: str | UnsetType | None = UNSET
    street_add_info: str | UnsetType | None = UNSET
    town: str | UnsetType | None = UNSET
    zip_code: str | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    latitude: float | UnsetType | None = UNSET
    longitude: float | UnsetType | None = UNSET


class Building(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    timezone: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    property_type: str | None = None
    occupant_type: str | None = None
    space_heating: str | None = None
    water_heating: str | None = None
    property_size_m2: int | None = None
    property_age: int | None = None
    num_occupants: int | None = None
    photovoltaic: bool | None = None
    street_and_number: str | None = None
    street_add_info: str | None = None
    town: str | None = None
    zip_code: str | None = None
    country: str | None = None


class NewBuilding(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``POST .../buildings``; ``timezone`` defaults to the organisation's."""

    name: str
    property_type: str | UnsetType = UNSET
    occupant_type: str | UnsetType = UNSET
    space_heating: str | UnsetType = UNSET
    water_heating: str | UnsetType = UNSET
    property_size_m2: int | UnsetType = UNSET
    property_age: int | UnsetType = UNSET
    num_occupants: int | UnsetType = UNSET
    photovoltaic: bool | UnsetType = UNSET
    street_and_number: str | UnsetType = UNSET
    street_add_info: str | UnsetType = UNSET
    town: str | UnsetType = UNSET
    zip_code: str | UnsetType = UNSET
    country: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET


class BuildingChanges(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``PUT .../buildings/{id}``: absent fields stay, ``None`` clears."""

    name: str | UnsetType = UNSET
    property_type: str | UnsetType | None = UNSET
    occupant_type: str | UnsetType | None = UNSET
    space_heating: str | UnsetType | None = UNSET
    water_heating: str | UnsetType | None = UNSET
    property_size_m2: int | UnsetType | None = UNSET
    property_age: int | UnsetType | None = UNSET
    num_occupants: int | UnsetType | None = UNSET
    photovoltaic: bool | UnsetType | None = UNSET
    street_and_number: str | UnsetType | None = UNSET
    street_add_info: str | UnsetType | None = UNSET
    town: str | UnsetType | None = UNSET
    zip_code: str | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    timezone: str | UnsetType = UNSET


class PriceIndex(msgspec.Struct, frozen=True):
    """A contract's link to a price series: its energy price is ``series × factor + markup``,
    exact (SPEC §4a). Sent as ``energy_price_index``; returned with the defaults filled in."""

    series_id: uuid.UUID
    factor: Decimal = Decimal(1)
    markup: Decimal = Decimal(0)


class EnergyContract(msgspec.Struct, frozen=True):
    """A contract as the API returns it.

    ``etag`` is not a body field: the client fills it from the response's ``ETag`` header, so
    that ``update_contract(..., if_match=contract.etag)`` can refuse to overwrite a newer
    version.
    """

    id: uuid.UUID
    owner: uuid.UUID
    energy_contract_type: str
    building: uuid.UUID | None = None
    energy_prices: list[Price] = msgspec.field(default_factory=list)
    meter_id: str | None = None
    supplier: str | None = None
    currency_energy_price: str | None = None
    energy_price_includes_external_components: bool | None = None
    price_interval_minutes: int | None = None
    energy_price_index: PriceIndex | None = None
    tariff_id: uuid.UUID | None = None
    prices_known_until: AwareDatetime | None = None
    """When its last known price stops holding (a linked contract: its series')."""
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    etag: str | None = None


class NewContract(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``POST .../energy-contracts``.

    ``building_id=None`` (or leaving it out) makes a user-level contract.
    """

    energy_contract_type: ContractType
    building_id: uuid.UUID | UnsetType | None = UNSET
    energy_prices: list[Price] | UnsetType = UNSET
    meter_id: str | UnsetType | None = UNSET
    supplier: str | UnsetType | None = UNSET
    currency_energy_price: str | UnsetType = UNSET
    energy_price_includes_external_components: bool | UnsetType | None = UNSET
    price_interval_minutes: Literal[15, 30, 60] | UnsetType = UNSET
    energy_price_index: PriceIndex | UnsetType = UNSET
    tariff_id: uuid.UUID | UnsetType = UNSET


class ContractChanges(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``PUT .../energy-contracts/{id}``: absent fields stay unchanged.

    Prices given here are upserted by timestamp, like ``put_prices``.
    """

    energy_contract_type: ContractType | UnsetType = UNSET
    building_id: uuid.UUID | UnsetType | None = UNSET
    energy_prices: list[Price] | UnsetType = UNSET
    meter_id: str | UnsetType | None = UNSET
    supplier: str | UnsetType | None = UNSET
    currency_energy_price: str | UnsetType = UNSET
    energy_price_includes_external_components: bool | UnsetType | None = UNSET
    price_interval_minutes: Literal[15, 30, 60] | UnsetType = UNSET
    energy_price_index: PriceIndex | UnsetType | None = UNSET
    """A ``PriceIndex`` links the contract to a series; ``None`` unlinks it."""
    tariff_id: uuid.UUID | UnsetType | None = UNSET


class PriceSeries(msgspec.Struct, frozen=True):
    """A market price series that index-linked contracts follow (SPEC §10).

    ``etag`` is not a body field: the client fills it from the ``ETag`` header.
    """

    id: uuid.UUID
    name: str
    currency: str
    interval_minutes: int
    timezone: str
    description: str | None = None
    area: str | None = None
    prices_known_until: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    etag: str | None = None


class NewPriceSeries(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``POST .../price-series``; currency and time zone default to the
    organisation's."""

    name: str
    interval_minutes: Literal[15, 30, 60]
    description: str | UnsetType = UNSET
    currency: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    area: str | UnsetType = UNSET


class PriceSeriesChanges(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``PUT .../price-series/{id}``: absent fields stay, ``None`` clears."""

    name: str | UnsetType = UNSET
    interval_minutes: Literal[15, 30, 60] | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    currency: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    area: str | UnsetType | None = UNSET


class PriceBatch(msgspec.Struct, frozen=True):
    """Body of ``PUT .../prices``."""

    energy_prices: list[Price]


def _exact(name: str, value: object) -> None:
    """Refuse a float (its exact value is already lost) or a non-finite decimal."""
    if value is None or value is UNSET or (isinstance(value, int) and not isinstance(value, bool)):
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal, not {value!r}")


class TariffWindow(msgspec.Struct, frozen=True, omit_defaults=True):
    """``price`` per kWh while the local wall clock shows a time in ``[from_, to)``
    (``"HH:MM"`` on the 15-minute grid, ``to`` up to ``"24:00"``), on the ``months`` (1–12)
    and ISO ``weekdays`` (1 = Monday … 7) named; None means every one."""

    price: Decimal
    from_: str = msgspec.field(name="from")
    to: str
    months: list[int] | None = None
    weekdays: list[int] | None = None

    def __post_init__(self) -> None:
        _exact("price", self.price)


class TariffComponent(msgspec.Struct, frozen=True, omit_defaults=True):
    """A grid fee, levy or other charge per kWh (SPEC §11): a flat ``price``, or ``windows``
    (the first that matches applies; where none does, ``default_price``; without one the
    total is unknown there). ``valid_from``/``valid_to`` are local dates of the tariff's
    clock, ``valid_to`` exclusive; None: unbounded. Sent and returned in the same shape."""

    name: str
    kind: TariffKind
    valid_from: date | None = None
    valid_to: date | None = None
    price: Decimal | None = None
    windows: list[TariffWindow] | None = None
    default_price: Decimal | None = None

    def __post_init__(self) -> None:
        _exact("price", self.price)
        _exact("default_price", self.default_price)


class Tariff(msgspec.Struct, frozen=True):
    """A tariff: what is added to an energy-only price per kWh, VAT and a standing charge.

    ``etag`` is not a body field: the client fills it from the ``ETag`` header, for
    ``replace_tariff(..., if_match=tariff.etag)``.
    """

    id: uuid.UUID
    name: str
    currency: str
    timezone: str
    vat_percent: Decimal
    vat_on_negative: bool
    standing_charge_per_day: Decimal
    components: list[TariffComponent] = msgspec.field(default_factory=list)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    etag: str | None = None

    def as_new(self) -> NewTariff:
        """This tariff as a request body: change what differs and ``replace_tariff`` it."""
        return NewTariff(
            name=self.name,
            currency=self.currency,
            timezone=self.timezone,
            vat_percent=self.vat_percent,
            vat_on_negative=self.vat_on_negative,
            standing_charge_per_day=self.standing_charge_per_day,
            components=list(self.components),
        )


class NewTariff(msgspec.Struct, frozen=True, omit_defaults=True):
    """Body of ``POST .../tariffs`` and of ``PUT .../tariffs/{id}``, which replaces the tariff
    whole: a field left out takes its default (currency and time zone the organisation's,
    ``vat_percent`` 0, ``vat_on_negative`` true, ``standing_charge_per_day`` 0 per local day,
    before VAT)."""

    name: str
    currency: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    vat_percent: Decimal | UnsetType = UNSET
    vat_on_negative: bool | UnsetType = UNSET
    standing_charge_per_day: Decimal | UnsetType = UNSET
    components: list[TariffComponent] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        _exact("vat_percent", self.vat_percent)
        _exact("standing_charge_per_day", self.standing_charge_per_day)


class PriceBreakdown(msgspec.Struct, frozen=True):
    """A total per kWh in its parts: ``energy + grid + levy + other + vat``."""

    energy: Decimal
    grid: Decimal
    levy: Decimal
    other: Decimal
    vat: Decimal


class EffectiveInterval(msgspec.Struct, frozen=True):
    """A stretch of one price; ``price`` is None where no contract knows the price. With a
    tariff, ``price`` is the total and ``breakdown`` its parts."""

    start: AwareDatetime
    end: AwareDatetime
    price: Decimal | None
    breakdown: PriceBreakdown | None = None
    contract_id: uuid.UUID | None = None
    source: PriceSource | None = None
    includes_external_components: bool | None = None
    level: str | None = None


class EffectivePrices(msgspec.Struct, frozen=True):
    """What a building (or a user-level contract) pays over ``[from_, to)``."""

    from_: AwareDatetime = msgspec.field(name="from")
    to: AwareDatetime
    intervals: list[EffectiveInterval] = msgspec.field(default_factory=list)
    currency: str | None = None
    timezone: str | None = None
    price_basis: str | None = None
    """``all_in``, ``energy_only``, ``mixed`` or None (nothing known, or nothing says)."""


class BuildingEffectivePrices(EffectivePrices, frozen=True, kw_only=True):
    """One line of the organisation-wide read: a building, with exactly what its
    ``effective_prices(user_id, building_id, day=...)`` answers for its own local day."""

    user_id: uuid.UUID
    building_id: uuid.UUID


class WindowSlot(msgspec.Struct, frozen=True):
    start: AwareDatetime
    end: AwareDatetime
    price: Decimal


class CheapestWindow(msgspec.Struct, frozen=True):
    """The cheapest wholly known window; with a tariff, prices are totals per kWh."""

    start: AwareDatetime
    end: AwareDatetime
    average_price: Decimal
    currency: str | None = None
    price_basis: str | None = None
    """Of the known prices of the range searched: ``all_in``, ``energy_only``, ``mixed``
    (unlike prices were compared) or None."""
    slots: list[WindowSlot] = msgspec.field(default_factory=list)


class Consumption(msgspec.Struct, frozen=True):
    """Energy used over ``[start, end)``, spread evenly over it."""

    start: AwareDatetime
    end: AwareDatetime
    kwh: Decimal


class CostLine(msgspec.Struct, frozen=True):
    start: AwareDatetime
    end: AwareDatetime
    kwh: Decimal
    price: Decimal | None = None
    cost: Decimal | None = None
    contract_id: uuid.UUID | None = None
    source: PriceSource | None = None
    includes_external_components: bool | None = None


class StandingCharge(msgspec.Struct, frozen=True):
    """A tariff's daily charge over a consumption's span: ``net = per_day × days``."""

    per_day: Decimal
    days: Decimal
    net: Decimal
    vat: Decimal
    total: Decimal


class Cost(msgspec.Struct, frozen=True):
    """What a consumption profile costs: ``total_cost`` is the energy's cost plus the
    standing charge's ``total`` (None without a tariff); ``breakdown`` names the contract
    and the price of each piece."""

    total_cost: Decimal
    covered_kwh: Decimal
    uncovered_kwh: Decimal
    currency: str | None = None
    price_basis: str | None = None
    standing_charge: StandingCharge | None = None
    breakdown: list[CostLine] = msgspec.field(default_factory=list)


class ConsumptionProfile(msgspec.Struct, frozen=True):
    """Body of ``POST .../cost``."""

    consumption: list[Consumption]


class TokenResponse(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - a scheme name
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, and the URL of the next (from the ``Link: rel="next"`` header)."""

    items: list[T]
    next_url: str | None = None

    @property
    def next_cursor(self) -> str | None:
        """The ``cursor`` to pass to a ``list_*`` method for the next page, if there is one."""
        if self.next_url is None:
            return None
        values = parse_qs(urlsplit(self.next_url).query).get("cursor")
        return values[0] if values else None
