"""Request and response bodies of tariffs (SPEC §11).

What a schema can state is in the types, so that the OpenAPI document is what the service
checks: wall-clock times on the 15-minute grid up to ``24:00``, months 1–12, ISO weekdays,
VAT 0–100, a component with a ``price`` or ``windows`` (exactly one), ``default_price`` only
with ``windows``. What no schema can state is checked by the service and refused with a 422
naming the field (``pricing.tariff_problems``): ``from`` before ``to``, ``valid_from`` before
``valid_to``, components of one name whose validities overlap, and a currency other than the
organisation's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Raw, Struct, UnsetType, field

from energy_contracts.api.bodies import RequestBody
from energy_contracts.api.instants import LOCAL_DAY_SCHEMA
from energy_contracts.api.validation import NO_NUL
from energy_contracts.series.schemas import Currency, Timezone

MAX_COMPONENTS = 100
MAX_WINDOWS = 200
# Wide enough for any JSON number a binary float can write (5e-324 has 324 places), narrow
# enough that exact sums of a tariff's numbers stay small.
MAX_TARIFF_DECIMAL_PLACES = 400


def _exact_number(description: str, **bounds: float) -> Any:
    """A JSON number kept as the exact decimal sent (decoded as raw text)."""
    return Meta(
        extra_json_schema={
            "type": "number",
            "exclusiveMinimum": -1e9,
            "exclusiveMaximum": 1e9,
            **bounds,
            "description": f"{description} A finite JSON number, kept exactly as sent; "
            f"|x| < 1e9, at most {MAX_TARIFF_DECIMAL_PLACES} decimal places.",
        }
    )


PerKwh = Annotated[Raw, _exact_number("Per kWh in the tariff's currency, any sign.")]
WallClock = Annotated[
    str,
    Meta(
        pattern=r"^(?:(?:[01][0-9]|2[0-3]):(?:00|15|30|45)|24:00)$",
        description="Local wall-clock time `HH:MM` on the 15-minute grid; `24:00` is the end "
        "of the day.",
        examples=["06:00"],
    ),
]
LocalDate = Annotated[
    date,
    Meta(
        description="A local date in the tariff's time zone.",
        extra_json_schema=LOCAL_DAY_SCHEMA,
    ),
]
Month = Annotated[int, Meta(ge=1, le=12)]
Weekday = Annotated[int, Meta(ge=1, le=7)]
Name = Annotated[
    str,
    Meta(min_length=1, max_length=100, examples=["grid energy"], extra_json_schema=NO_NUL),
]
Kind = Literal["grid", "levy", "other"]


class TariffWindowIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """``price`` while the wall clock shows a time in ``[from, to)`` on the days named."""

    price: PerKwh
    months: (
        Annotated[list[Month], Meta(min_length=1, description="1–12; default every month.")]
        | UnsetType
    ) = UNSET
    weekdays: (
        Annotated[
            list[Weekday],
            Meta(min_length=1, description="ISO weekdays, 1 = Monday … 7 = Sunday; default all."),
        ]
        | UnsetType
    ) = UNSET
    from_: WallClock = field(name="from")
    to: Annotated[
        WallClock, Meta(description="After `from`; a stretch across midnight is two windows.")
    ]


class TariffComponentIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """A grid fee, levy or other charge per kWh: a flat ``price``, or ``windows`` (the first
    that matches applies; where none does, ``default_price``, else the total is unknown)."""

    name: Name
    kind: Kind
    valid_from: LocalDate | UnsetType = UNSET
    valid_to: Annotated[
        LocalDate | UnsetType, Meta(description="Exclusive; after `valid_from`.")
    ] = UNSET
    price: PerKwh | UnsetType = UNSET
    windows: (
        Annotated[list[TariffWindowIn], Meta(min_length=1, max_length=MAX_WINDOWS)] | UnsetType
    ) = UNSET
    default_price: PerKwh | UnsetType = UNSET


ComponentIn = Annotated[
    TariffComponentIn,
    Meta(
        # A flat price alone, or windows with an optional default (no `dependentRequired`:
        # JSON Schema draft 4, which OpenAPI 3.0 tools read, has no such keyword).
        extra_json_schema={
            "oneOf": [
                {
                    "required": ["price"],
                    "not": {"anyOf": [{"required": ["windows"]}, {"required": ["default_price"]}]},
                },
                {"required": ["windows"], "not": {"required": ["price"]}},
            ]
        }
    ),
]


class TariffIn(RequestBody, kw_only=True):
    """``POST`` a tariff, or ``PUT`` one whole: omitted fields take their defaults."""

    name: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=100,
            description="Unique in the organisation.",
            examples=["Wiener Netze 2025, §14a module 3"],
            extra_json_schema=NO_NUL,
        ),
    ]
    currency: Currency | UnsetType = UNSET
    timezone: Annotated[
        Timezone | UnsetType,
        Meta(description="The clock of windows, validity dates and days."),
    ] = UNSET
    vat_percent: (
        Annotated[
            Raw,
            _exact_number("VAT in percent of the net price; default 0.", minimum=0, maximum=100),
        ]
        | UnsetType
    ) = UNSET
    vat_on_negative: Annotated[
        bool,
        Meta(description="Whether VAT applies to a negative net price (a credit) or is 0 there."),
    ] = True
    standing_charge_per_day: (
        Annotated[Raw, _exact_number("Per local day, before VAT; default 0.", minimum=0)]
        | UnsetType
    ) = UNSET
    components: Annotated[list[ComponentIn], Meta(max_length=MAX_COMPONENTS)] = field(
        default_factory=list
    )


# --- answers -------------------------------------------------------------------------------

ExactOut = Annotated[Decimal, Meta(extra_json_schema={"type": "number", "format": "decimal"})]


class TariffWindowOut(Struct, kw_only=True):
    price: ExactOut
    months: list[int] | None
    weekdays: list[int] | None
    from_: str = field(name="from")
    to: str


class TariffComponentOut(Struct, kw_only=True):
    name: str
    kind: Kind
    valid_from: date | None
    valid_to: date | None
    price: ExactOut | None
    windows: list[TariffWindowOut] | None
    default_price: ExactOut | None


class TariffOut(Struct, kw_only=True):
    """A tariff: what is added to an energy-only price per kWh, VAT and a standing charge."""

    id: uuid.UUID
    name: str
    currency: str
    timezone: str
    vat_percent: ExactOut
    vat_on_negative: bool
    standing_charge_per_day: ExactOut
    components: list[TariffComponentOut]
    created_at: datetime
    updated_at: datetime


SECTION_14A_EXAMPLE: dict[str, Any] = {
    "name": "Wiener Netze 2025, §14a module 3",
    "currency": "EUR",
    "timezone": "Europe/Vienna",
    "vat_percent": 20,
    "vat_on_negative": False,
    "standing_charge_per_day": 0.41,
    "components": [
        {
            "name": "grid energy",
            "kind": "grid",
            "valid_from": "2025-01-01",
            "valid_to": "2026-01-01",
            "default_price": 0.0749,
            "windows": [
                {"price": 0.0225, "months": [1, 2, 3, 10, 11, 12], "from": "00:00", "to": "06:00"},
                {
                    "price": 0.1124,
                    "months": [1, 2, 3, 10, 11, 12],
                    "weekdays": [1, 2, 3, 4, 5],
                    "from": "17:00",
                    "to": "20:00",
                },
            ],
        },
        {"name": "electricity levy", "kind": "levy", "price": 0.015},
    ],
}
TARIFF_EXAMPLES: dict[str, Any] = {
    "section_14a_module_3": SECTION_14A_EXAMPLE,
    "flat_fees": {
        "name": "Flat grid fee",
        "vat_percent": 19,
        "components": [{"name": "grid", "kind": "grid", "price": 0.09}],
    },
}
