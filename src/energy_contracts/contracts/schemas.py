"""Request and response bodies of energy contracts and their prices (SPEC §4, §5).

Request Structs refuse unknown fields and default every optional field to ``UNSET``, so a
partial update can tell "absent" from "null". ``ContractCreate`` requires the contract type;
``ContractUpdate`` changes only what it carries. The partner API's two spellings of a field
(``energy_prices``/``energy_price``, ``building_id``/``building``) are both declared; the
service refuses a body that sends both.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import UNSET, Meta, Raw, Struct, UnsetType

from energy_contracts.api.bodies import RequestBody
from energy_contracts.api.validation import NO_NUL

if TYPE_CHECKING:
    from energy_contracts.contracts.prices import WriteCounts

MAX_PRICES_PER_REQUEST = 100_000

CONTRACT_TYPES = ("spot_hourly", "monthly", "yearly")

# SPEC §5, "meaning of an entry": said wherever prices are documented.
ENTRY_VALIDITY = (
    "An entry holds from its timestamp until the next entry's timestamp, but never longer "
    "than one period of the contract's type; beyond that the price is unknown (a gap: never "
    "zero, never the last price carried forward). spot_hourly: one interval of "
    "`price_interval_minutes` (on a 15-minute contract, 0.15 at 2025-10-01T00:00:00+02:00 "
    "holds until 00:15 local time). monthly: one calendar month in the contract's time zone "
    "(0.19 at 2024-02-01T00:00:00+01:00 holds until 2024-03-01T00:00:00+01:00, then the price "
    "is unknown). yearly: one calendar year (0.25 at 2024-01-01T00:00:00+01:00 holds until "
    "2025-01-01T00:00:00+01:00)."
)

# The exact digits of a JSON number: decoded as raw text and turned into a Decimal by the
# service, so that 0.1234567890123456789 is never rounded through a binary float.
PriceNumber = Annotated[
    Raw,
    Meta(
        extra_json_schema={
            "type": "number",
            "description": "Price per kWh in the contract's currency, a finite JSON number "
            "(negative allowed); kept as the exact decimal sent. |price| < 1e9, at most 19 "
            "decimal places.",
            "examples": [0.2, -0.0123],
        }
    ),
]
# Parsed by the service with ``datetime.fromisoformat``: every ISO 8601 form Python reads
# (``Z``, ``+01:00``, no seconds, a space for ``T``), and an offset is required.
AwareDateTime = Annotated[
    str,
    Meta(
        description="ISO 8601 instant with an offset (`Z` or `+01:00`); naive times are refused.",
        examples=["2024-01-15T00:00:00+00:00"],
        extra_json_schema={"format": "date-time"},
    ),
]


# gc=False: a year is 35,136 of these, and holding only a Raw and a str they can never be
# part of a reference cycle, so the garbage collector need not track (and walk) them.
class PriceIn(Struct, forbid_unknown_fields=True, gc=False):
    price: PriceNumber
    timestamp: AwareDateTime


PriceList = Annotated[
    list[PriceIn],
    Meta(
        max_length=MAX_PRICES_PER_REQUEST,
        description="Prices to upsert by timestamp (at most 100,000 per request). "
        + ENTRY_VALIDITY,
    ),
]
# A factor or markup of an index (SPEC §4a): exact, like a price.
IndexNumber = Annotated[
    Raw,
    Meta(
        extra_json_schema={
            "type": "number",
            "description": "A finite JSON number, kept as the exact decimal sent; |x| < 1e9, "
            "at most 19 decimal places.",
        }
    ),
]
ContractTypeText = Annotated[
    str,
    Meta(
        description="`spot_hourly`, `monthly` or `yearly`; also accepted case-insensitively "
        "with spaces or hyphens (`Spot Hourly`, `Yearly`, `spot-hourly`).",
        examples=["spot_hourly", "Spot Hourly", "Yearly"],
    ),
]
MeterId = Annotated[str, Meta(max_length=19, examples=["125328591095"], extra_json_schema=NO_NUL)]
Supplier = Annotated[
    str, Meta(max_length=100, examples=["Good Energy Company"], extra_json_schema=NO_NUL)
]
CurrencyText = Annotated[
    str,
    Meta(
        description="ISO 4217 code in circulation, case-insensitive; must equal the "
        "organisation's billing currency.",
        examples=["EUR"],
    ),
]
IntervalMinutes = Annotated[
    Literal[15, 30, 60],
    Meta(
        description="Length of one spot price in minutes (spot_hourly only; default 60). "
        "Changeable only while the contract has no prices."
    ),
]


class PriceIndexIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """Link to a price series (SPEC §4a): the energy price at t is `series(t) × factor +
    markup`, exact, and unknown wherever the series is unknown."""

    series_id: Annotated[
        uuid.UUID, Meta(description="A price series of this organisation, in its currency.")
    ]
    factor: Annotated[IndexNumber | UnsetType, Meta(description="Default 1.")] = UNSET
    markup: Annotated[
        IndexNumber | UnsetType, Meta(description="Per kWh, in the currency; default 0.")
    ] = UNSET


class _ContractFields(RequestBody, kw_only=True):
    """The fields a create and an update share; absent ones stay ``UNSET``."""

    energy_prices: PriceList | UnsetType | None = UNSET
    energy_price: Annotated[
        PriceList | UnsetType | None, Meta(description="Alias of `energy_prices`.")
    ] = UNSET
    building_id: Annotated[
        uuid.UUID | UnsetType | None,
        Meta(description="A building of this user, or null for a user-level contract."),
    ] = UNSET
    building: Annotated[
        uuid.UUID | UnsetType | None, Meta(description="Alias of `building_id`.")
    ] = UNSET
    meter_id: MeterId | UnsetType | None = UNSET
    supplier: Supplier | UnsetType | None = UNSET
    currency_energy_price: CurrencyText | UnsetType | None = UNSET
    energy_price_includes_external_components: bool | UnsetType | None = UNSET
    price_interval_minutes: IntervalMinutes | UnsetType | None = UNSET
    owner: Annotated[
        uuid.UUID | UnsetType,
        Meta(description="Optional; must equal the user id of the path (never changes)."),
    ] = UNSET
    energy_price_index: Annotated[
        PriceIndexIn | UnsetType | None,
        Meta(
            description="spot_hourly only: take the energy price from a price series "
            "(`series × factor + markup`) instead of holding prices; null unlinks (the "
            "contract then has no prices). A linked contract stores no prices: sending "
            "`energy_prices` with it is a 422, linking a contract that has prices a 409. "
            "`price_interval_minutes` becomes the series' interval."
        ),
    ] = UNSET
    tariff_id: Annotated[
        uuid.UUID | UnsetType | None,
        Meta(
            description="A tariff of this organisation (grid fees, levies, VAT, standing "
            "charge) added to this contract's energy-only prices, or null. Only where "
            "`energy_price_includes_external_components` is not true, in the same currency."
        ),
    ] = UNSET


class ContractCreate(_ContractFields, kw_only=True):
    """``POST``: a new contract; its type is required."""

    energy_contract_type: ContractTypeText


class ContractUpdate(_ContractFields, kw_only=True):
    """``PUT``: only the fields sent change; ``null`` clears an optional field."""

    energy_contract_type: ContractTypeText | UnsetType = UNSET


ContractIn = ContractCreate | ContractUpdate


class PricesIn(RequestBody, kw_only=True):
    """``PUT .../prices``: one of the two names, holding the prices to upsert."""

    energy_prices: PriceList | UnsetType = UNSET
    energy_price: Annotated[
        PriceList | UnsetType, Meta(description="Alias of `energy_prices`.")
    ] = UNSET


class PriceOut(Struct):
    price: Annotated[Decimal, Meta(extra_json_schema={"type": "number", "format": "decimal"})]
    timestamp: Annotated[datetime, Meta(description="UTC. " + ENTRY_VALIDITY)]


class PriceIndexOut(Struct):
    """The contract's link to a price series: its energy price is `series × factor + markup`."""

    series_id: uuid.UUID
    factor: Annotated[Decimal, Meta(extra_json_schema={"type": "number", "format": "decimal"})]
    markup: Annotated[Decimal, Meta(extra_json_schema={"type": "number", "format": "decimal"})]


class ContractOut(Struct):
    id: uuid.UUID
    owner: uuid.UUID
    building: uuid.UUID | None
    energy_contract_type: Annotated[str, Meta(extra_json_schema={"enum": list(CONTRACT_TYPES)})]
    energy_prices: Annotated[
        list[PriceOut],
        Meta(
            description="Every stored price, ascending; empty with `include_prices=false`. "
            "An index-linked contract shows the prices derived from its series. " + ENTRY_VALIDITY
        ),
    ]
    meter_id: str | None
    supplier: str | None
    currency_energy_price: str | None
    energy_price_includes_external_components: bool | None
    price_interval_minutes: Annotated[
        int | None, Meta(description="15, 30 or 60 for spot_hourly; null otherwise.")
    ]
    energy_price_index: Annotated[
        PriceIndexOut | None, Meta(description="The price series it is linked to, or null.")
    ]
    tariff_id: Annotated[
        uuid.UUID | None, Meta(description="The tariff added to its prices, or null.")
    ]
    prices_known_until: Annotated[
        datetime | None,
        Meta(
            description="UTC instant at which its last known price stops holding; null "
            "without prices. An index-linked contract's is its series'. " + ENTRY_VALIDITY
        ),
    ]
    created_at: datetime
    updated_at: datetime


class PriceWriteSummary(Struct):
    received: int
    inserted: int
    updated: int
    unchanged: Annotated[int, Meta(description="Already stored with the same value.")]

    @classmethod
    def of(cls, counts: WriteCounts) -> PriceWriteSummary:
        return cls(
            received=counts.received,
            inserted=counts.inserted,
            updated=counts.updated,
            unchanged=counts.unchanged,
        )


class PricesDeleted(Struct):
    deleted: int


def example_price(price: float, timestamp: str) -> dict[str, Any]:
    return {"price": price, "timestamp": timestamp}


CONTRACT_EXAMPLES: dict[str, Any] = {
    "spot_hourly_building": {
        "energy_contract_type": "spot_hourly",
        "energy_prices": [],
        "building_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "meter_id": "125328591095",
        "supplier": "Dynamic Energy Co",
        "currency_energy_price": "EUR",
        "energy_price_includes_external_components": True,
    },
    "yearly_fixed_price": {
        "energy_contract_type": "Yearly",
        "supplier": "Good Energy Company",
        "meter_id": "125328591095",
        "energy_price": [example_price(0.25, "2024-01-01T00:00:00+00:00")],
        "currency_energy_price": "EUR",
        "energy_price_includes_external_components": True,
    },
    "spot_quarter_hourly": {
        "energy_contract_type": "Spot Hourly",
        "price_interval_minutes": 15,
        "currency_energy_price": "EUR",
        "energy_price_includes_external_components": False,
        "energy_prices": [
            example_price(0.15, "2025-10-01T00:00:00+02:00"),
            example_price(0.14, "2025-10-01T00:15:00+02:00"),
        ],
    },
}

CONTRACT_EXAMPLES["index_linked_spot"] = {
    "energy_contract_type": "spot_hourly",
    "currency_energy_price": "EUR",
    "energy_price_includes_external_components": False,
    "energy_price_index": {
        "series_id": "7f0c2a4e-5d1b-4c8e-9a3f-2b6d8e1f4a90",
        "factor": 1.05,
        "markup": 0.012,
    },
}

CONTRACT_UPDATE_EXAMPLES: dict[str, Any] = {
    "update_energy_prices": {
        "energy_price": [example_price(0.19, "2024-02-01T00:00:00+00:00")],
    },
    "change_supplier": {"supplier": "Good Energy Company", "meter_id": None},
    "unlink_from_series": {"energy_price_index": None},
}

PRICES_EXAMPLES: dict[str, Any] = {
    "three_hours": {
        "energy_prices": [
            example_price(0.15, "2024-01-15T00:00:00+00:00"),
            example_price(0.18, "2024-01-15T01:00:00+00:00"),
            example_price(-0.02, "2024-01-15T02:00:00+00:00"),
        ]
    }
}
