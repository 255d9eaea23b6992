"""A stored tariff as the pricing core takes it (``pricing.Tariff``), and its components as
they are stored (one JSON document with exact numbers).

Effective prices read a tariff on every question about a contract that names it, so the
parsed form is kept per (tariff, version): a new version is parsed anew, an old one is
never used again.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import msgspec
from cachetools import LRUCache

from energy_contracts import pricing
from energy_contracts.codes import zone
from energy_contracts.tariffs.schemas import TariffComponentOut

PARSED_TARIFFS = 1024

_encoder = msgspec.json.Encoder(decimal_format="number")
_components = msgspec.json.Decoder(list[TariffComponentOut])
_parsed: LRUCache[tuple[uuid.UUID, int], pricing.Tariff] = LRUCache(maxsize=PARSED_TARIFFS)


def encode_components(components: list[TariffComponentOut]) -> str:
    return _encoder.encode(components).decode()


def decode_components(text: str) -> list[TariffComponentOut]:
    return _components.decode(text)


def pricing_tariff(
    *,
    timezone: str,
    vat_percent: Decimal,
    vat_on_negative: bool,
    standing_charge_per_day: Decimal,
    components: list[TariffComponentOut],
) -> pricing.Tariff:
    return pricing.Tariff(
        timezone=zone(timezone),
        components=tuple(_component(component) for component in components),
        vat_percent=vat_percent,
        vat_on_negative=vat_on_negative,
        standing_charge_per_day=standing_charge_per_day,
    )


def stored_tariff(
    tariff_id: uuid.UUID,
    version: int,
    *,
    timezone: str,
    vat_percent: Decimal,
    vat_on_negative: bool,
    standing_charge_per_day: Decimal,
    components: str,
) -> pricing.Tariff:
    """The tariff of these stored columns, parsed once per version."""
    key = (tariff_id, version)
    parsed = _parsed.get(key)
    if parsed is None:
        parsed = pricing_tariff(
            timezone=timezone,
            vat_percent=vat_percent,
            vat_on_negative=vat_on_negative,
            standing_charge_per_day=standing_charge_per_day,
            components=decode_components(components),
        )
        _parsed[key] = parsed
    return parsed


def _component(component: TariffComponentOut) -> pricing.TariffComponent:
    windows = None
    if component.windows is not None:
        windows = tuple(
            pricing.TariffWindow(
                price=window.price,
                from_minute=pricing.wall_clock_minute(window.from_, "from"),
                to_minute=pricing.wall_clock_minute(window.to, "to"),
                months=None if window.months is None else tuple(window.months),
                weekdays=None if window.weekdays is None else tuple(window.weekdays),
            )
            for window in component.windows
        )
    return pricing.TariffComponent(
        name=component.name,
        kind=pricing.ComponentKind(component.kind),
        price=component.price,
        windows=windows,
        default_price=component.default_price,
        valid_from=component.valid_from,
        valid_to=component.valid_to,
    )
