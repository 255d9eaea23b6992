"""ENTSO-E Transparency Platform day-ahead prices (Publication_MarketDocument, type A44).

The document holds TimeSeries; each carries its currency (``currency_Unit.name``), price unit
(``price_Measure_Unit.name``) and curve type, and holds Periods. A Period covers
``timeInterval/start``..``end`` (UTC) in slots of ``resolution``; ``Point/position`` (1-based)
numbers the slot and ``Point/price.amount`` is its price.

Curve type A01 lists every position. A03 leaves a position out when its price repeats the one
before: the previous present point holds until the next present point or the end of the period.
A period around a daylight-saving change is simply 23 or 25 hours of UTC slots; nothing is
dropped or added.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from energy_contracts.feeds._common import (
    SUPPORTED_INTERVAL_MINUTES,
    Slot,
    merge_slots,
    normalize_currency,
    parse_number,
    scale_by_power_of_ten,
)
from energy_contracts.feeds._xml import XmlElement, parse_xml
from energy_contracts.feeds.model import FeedError, FeedSource, ParsedPrices, Remedy

ROOT_ELEMENT = "Publication_MarketDocument"
DAY_AHEAD_PRICES_DOCUMENT_TYPE = "A44"

# Per-kWh scale of the price units ENTSO-E documents use for energy prices.
_UNIT_EXPONENT = {"MWH": -3, "KWH": 0}
_CURVE_TYPES = ("A01", "A03")
_DURATION = re.compile(r"PT(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?")
_POSITION = re.compile(r"[0-9]+")

# A03 expands a single point to a whole period, so a small document could otherwise ask for an
# unbounded number of slots. Four years of quarter hours is far beyond any real document.
DEFAULT_MAX_SLOTS = 4 * 366 * 96

Resolution = Literal["PT15M", "PT30M", "PT60M", "PT1H"]


def parse_entsoe(
    source: FeedSource,
    *,
    resolution: Resolution | None = None,
    max_slots: int = DEFAULT_MAX_SLOTS,
) -> ParsedPrices:
    """Per-kWh prices from an ENTSO-E A44 Publication_MarketDocument (text, bytes or chunks).

    Prices in MWH are divided by 1000 exactly; KWH is taken as it is; other units are an error.
    The currency is ``currency_Unit.name`` and must be the same in every TimeSeries.
    ``interval_minutes`` is the resolution when every period shares one.

    ``resolution`` keeps only the periods of that resolution, for documents that publish the
    same day at more than one resolution; without it such overlapping series are an error.
    Identical TimeSeries given twice are kept once; different prices for one instant are an error.
    ``max_slots`` bounds how many prices the document may expand to.
    """
    wanted_minutes = None if resolution is None else _resolution_minutes(resolution, "resolution")
    root = parse_xml(source)
    _check_root(root)

    currency: str | None = None
    currency_location = ""
    slots: list[Slot] = []
    for series_index, series in enumerate(root.all("TimeSeries"), start=1):
        series_location = f"TimeSeries[{series_index}]"
        series_currency = _series_currency(series, series_location)
        if series_currency is not None:
            if currency is not None and series_currency != currency:
                raise FeedError(
                    f"currency {series_currency} differs from {currency} at {currency_location}",
                    f"{series_location}/currency_Unit.name",
                )
            if currency is None:
                currency, currency_location = series_currency, series_location
        unit_exponent = _series_unit_exponent(series, series_location)
        curve_type = _series_curve_type(series, series_location)
        for period_index, period in enumerate(series.all("Period"), start=1):
            period_slots = _period_slots(
                period,
                f"{series_location}/Period[{period_index}]",
                curve_type=curve_type,
                unit_exponent=unit_exponent,
                wanted_minutes=wanted_minutes,
                slots_left=max_slots - len(slots),
            )
            slots.extend(period_slots)

    remedy = None if resolution is not None else Remedy("resolution", "to read one resolution only")
    merged = merge_slots(slots, overlap_remedy=remedy)
    return ParsedPrices(
        currency=currency, prices=merged.prices, interval_minutes=merged.interval_minutes
    )


def _check_root(root: XmlElement) -> None:
    if root.name == "Acknowledgement_MarketDocument":
        reasons = [
            text
            for reason in root.all("Reason")
            if (text_element := reason.first("text")) is not None and (text := text_element.text)
        ]
        detail = f": {'; '.join(reasons)}" if reasons else ""
        raise FeedError(
            f"the platform sent an acknowledgement instead of prices{detail}", root.name
        )
    if root.name != ROOT_ELEMENT:
        raise FeedError(f"expected root element {ROOT_ELEMENT}, found {root.name}", root.name)
    document_type = root.first("type")
    if document_type is not None and document_type.text != DAY_AHEAD_PRICES_DOCUMENT_TYPE:
        raise FeedError(
            f"document type {document_type.text!r} is not {DAY_AHEAD_PRICES_DOCUMENT_TYPE} "
            "(day-ahead prices)",
            "type",
        )


def _series_currency(series: XmlElement, location: str) -> str | None:
    element = series.first("currency_Unit.name")
    if element is None:
        return None
    return normalize_currency(element.text, f"{location}/currency_Unit.name")


def _series_unit_exponent(series: XmlElement, location: str) -> int:
    element = series.first("price_Measure_Unit.name")
    if element is None:
        raise FeedError("missing price_Measure_Unit.name", location)
    unit = element.text.upper()
    if unit not in _UNIT_EXPONENT:
        raise FeedError(
            f"unsupported price unit {element.text!r} (expected MWH or KWH)",
            f"{location}/price_Measure_Unit.name",
        )
    return _UNIT_EXPONENT[unit]


def _series_curve_type(series: XmlElement, location: str) -> str:
    element = series.first("curveType")
    if element is None:
        return "A01"
    if element.text not in _CURVE_TYPES:
        raise FeedError(
            f"unsupported curveType {element.text!r} (expected A01 or A03)",
            f"{location}/curveType",
        )
    return element.text


def _period_slots(
    period: XmlElement,
    location: str,
    *,
    curve_type: str,
    unit_exponent: int,
    wanted_minutes: int | None,
    slots_left: int,
) -> list[Slot]:
    start, end = _time_interval(period, location)
    resolution_element = period.first("resolution")
    if resolution_element is None:
        raise FeedError("missing resolution", location)
    minutes = _resolution_minutes(resolution_element.text, f"{location}/resolution")
    if wanted_minutes is not None and minutes != wanted_minutes:
        return []
    step = timedelta(minutes=minutes)
    slot_count, remainder = divmod(end - start, step)
    if remainder:
        raise FeedError(
            f"timeInterval of {end - start} is not a whole number of {minutes}-minute slots",
            f"{location}/timeInterval",
        )
    if slot_count > slots_left:
        raise FeedError(
            f"the document expands to more price slots than max_slots allows "
            f"(this period alone has {slot_count})",
            location,
        )

    prices: dict[int, Slot] = {}
    for point_index, point in enumerate(period.all("Point"), start=1):
        point_location = f"{location}/Point[{point_index}]"
        position = _position(point, point_location, slot_count)
        if position in prices:
            raise FeedError(
                f"duplicate position {position} (also at {prices[position].location})",
                point_location,
            )
        price = _price(point, point_location, unit_exponent)
        slot_start = start + (position - 1) * step
        prices[position] = Slot(slot_start, slot_start + step, price, point_location)

    if curve_type == "A01":
        missing = [position for position in range(1, slot_count + 1) if position not in prices]
        if missing:
            raise FeedError(
                f"curveType A01 lists every position, but {_describe_positions(missing)} "
                f"missing (of 1..{slot_count})",
                location,
            )
        return [prices[position] for position in range(1, slot_count + 1)]

    if slot_count and 1 not in prices:
        raise FeedError("curveType A03 needs position 1: nothing precedes it to repeat", location)
    slots: list[Slot] = []
    current: Slot | None = None
    for position in range(1, slot_count + 1):
        present = prices.get(position)
        if present is not None:
            current = present
            slots.append(current)
        else:
            assert current is not None
            slot_start = start + (position - 1) * step
            slots.append(Slot(slot_start, slot_start + step, current.price, current.location))
    return slots


def _time_interval(period: XmlElement, location: str) -> tuple[datetime, datetime]:
    interval = period.first("timeInterval")
    if interval is None:
        raise FeedError("missing timeInterval", location)
    bounds = []
    for name in ("start", "end"):
        element = interval.first(name)
        if element is None:
            raise FeedError(f"missing timeInterval/{name}", location)
        bounds.append(_utc_instant(element.text, f"{location}/timeInterval/{name}"))
    start, end = bounds
    if end <= start:
        raise FeedError("timeInterval end is not after its start", f"{location}/timeInterval")
    return start, end


def _utc_instant(text: str, location: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise FeedError(f"{text!r} is not an ISO 8601 timestamp", location) from None
    if instant.tzinfo is None:
        raise FeedError(f"{text!r} has no UTC offset", location)
    return instant.astimezone(UTC)


def _resolution_minutes(text: str, location: str) -> int:
    match = _DURATION.fullmatch(text)
    if match is None or not (match["hours"] or match["minutes"]):
        raise FeedError(f"{text!r} is not an ISO 8601 duration such as PT15M", location)
    minutes = int(match["hours"] or 0) * 60 + int(match["minutes"] or 0)
    if minutes not in SUPPORTED_INTERVAL_MINUTES:
        raise FeedError(f"unsupported resolution {text} (supported: PT15M, PT30M, PT60M)", location)
    return minutes


def _position(point: XmlElement, location: str, slot_count: int) -> int:
    element = point.first("position")
    if element is None:
        raise FeedError("missing position", location)
    if _POSITION.fullmatch(element.text) is None:
        raise FeedError(f"position {element.text!r} is not a whole number", location)
    position = int(element.text)
    if not 1 <= position <= slot_count:
        raise FeedError(f"position {position} is outside 1..{slot_count}", location)
    return position


def _price(point: XmlElement, location: str, unit_exponent: int) -> Decimal:
    element = point.first("price.amount")
    if element is None:
        raise FeedError("missing price.amount", location)
    amount = parse_number(element.text)
    if amount is None:
        raise FeedError(
            f"price.amount {element.text!r} is not a number (line {element.line})", location
        )
    return scale_by_power_of_ten(amount, unit_exponent)


def _describe_positions(positions: list[int], shown_at_most: int = 5) -> str:
    shown = ", ".join(str(position) for position in positions[:shown_at_most])
    hidden = len(positions) - shown_at_most
    more = f" and {hidden} more" if hidden > 0 else ""
    verb = "is" if len(positions) == 1 else "are"
    return f"position{'s' if len(positions) > 1 else ''} {shown}{more} {verb}"
