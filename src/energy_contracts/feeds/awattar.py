"""aWATTar market data (``GET /v1/marketdata``) as JSON.

``{"object": "list", "data": [{"start_timestamp": 1700000000000, "end_timestamp": 1700003600000,
"marketprice": 95.5, "unit": "Eur/MWh"}, ...]}``: epoch milliseconds, half-open intervals, prices
in euros per MWh (or per kWh). Numbers are read exactly, never through a binary float.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NoReturn

from energy_contracts.feeds._common import (
    SUPPORTED_INTERVAL_MINUTES,
    Slot,
    iter_chunks,
    merge_slots,
    scale_by_power_of_ten,
)
from energy_contracts.feeds.model import FeedError, FeedSource, ParsedPrices

CURRENCY = "EUR"
_UNIT_EXPONENT = {"eur/mwh": -3, "eur/kwh": 0}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_awattar(source: FeedSource) -> ParsedPrices:
    """Per-kWh prices in EUR from an aWATTar market data response.

    Every entry must last 15, 30 or 60 minutes (lengths may differ between entries); identical
    entries given twice are kept once, overlapping or contradicting entries are an error.
    """
    document = _load_json(source)
    if not isinstance(document, dict):
        raise FeedError("expected a JSON object with a 'data' list", "$")
    if "object" in document and document["object"] != "list":
        raise FeedError(f'expected "object": "list", found {document["object"]!r}', "object")
    entries = document.get("data")
    if not isinstance(entries, list):
        raise FeedError("expected a 'data' list", "data")

    slots = [_entry_slot(entry, f"data[{index}]") for index, entry in enumerate(entries)]
    merged = merge_slots(slots)
    return ParsedPrices(
        currency=CURRENCY, prices=merged.prices, interval_minutes=merged.interval_minutes
    )


def _load_json(source: FeedSource) -> Any:
    chunks = list(iter_chunks(source, "JSON"))
    text: str | bytes
    if all(isinstance(chunk, str) for chunk in chunks):
        text = "".join(chunk for chunk in chunks if isinstance(chunk, str))
    elif all(isinstance(chunk, bytes) for chunk in chunks):
        text = b"".join(chunk for chunk in chunks if isinstance(chunk, bytes))
    else:
        raise FeedError("the source mixes text and bytes", "JSON")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise FeedError(
            f"invalid JSON: {error.msg}", f"line {error.lineno}, column {error.colno}"
        ) from None
    except ValueError as error:  # undecodable bytes, or an integer too long to convert
        raise FeedError(f"invalid JSON: {error}", "JSON") from None


def _reject_constant(name: str) -> NoReturn:
    raise FeedError(f"invalid JSON: {name} is not a number", "JSON")


def _entry_slot(entry: object, location: str) -> Slot:
    if not isinstance(entry, dict):
        raise FeedError("expected an object", location)
    start = _instant(entry, "start_timestamp", location)
    end = _instant(entry, "end_timestamp", location)
    length = end - start
    if length not in {timedelta(minutes=minutes) for minutes in SUPPORTED_INTERVAL_MINUTES}:
        raise FeedError(f"the entry lasts {length}; expected 15, 30 or 60 minutes", location)
    unit = entry.get("unit")
    if not isinstance(unit, str) or unit.lower() not in _UNIT_EXPONENT:
        raise FeedError(
            f"unsupported unit {unit!r} (expected Eur/MWh or Eur/kWh)", f"{location}.unit"
        )
    price = entry.get("marketprice")
    if isinstance(price, bool) or not isinstance(price, int | Decimal):
        raise FeedError(f"marketprice {price!r} is not a number", f"{location}.marketprice")
    return Slot(
        start,
        end,
        scale_by_power_of_ten(Decimal(price), _UNIT_EXPONENT[unit.lower()]),
        location,
    )


def _instant(entry: dict[str, object], key: str, location: str) -> datetime:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeedError(f"{key} {value!r} is not whole epoch milliseconds", f"{location}.{key}")
    try:
        return _EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        raise FeedError(f"{key} {value} is out of range", f"{location}.{key}") from None
