"""The rules a price series must satisfy before anything is written (SPEC §5). No I/O.

``parse_prices`` turns decoded ``PriceIn`` items into ``(UTC instant, exact Decimal)`` rows,
ascending, or raises one 422 that names every offending ``energy_prices[i]`` field (up to a
cap). Nothing here touches the database, so a request that fails here writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from energy_contracts.api.bodies import field_path
from energy_contracts.contracts.models import PriceRow
from energy_contracts.contracts.schemas import CONTRACT_TYPES, PriceIn
from energy_contracts.db.base import canonical_decimal_text
from energy_contracts.errors import FieldError, Unprocessable

# A price per kWh this large is a unit mistake (a price per MWh in cents, say), not a tariff.
PRICE_LIMIT = Decimal(10) ** 9
# 9 integer + 19 fractional digits = 28 significant digits, exactly what the canonical form
# (``Decimal.normalize`` in the default context) keeps without rounding: beyond it a stored
# price could differ from the one sent. 19 places also keep 0.1234567890123456789 exact.
MAX_DECIMAL_PLACES = 19
# Enough to fix a systematic mistake; a 35,000-line list of the same error helps nobody.
MAX_REPORTED_ERRORS = 50

_NUMBER_START = frozenset(b"-0123456789")
_JSON_KINDS = {ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean"}
_JSON_KINDS |= {ord("n"): "null", ord("{"): "an object", ord("["): "an array"}
_TYPE_SEPARATORS = re.compile(r"[\s_-]+")
_SPACE_FOR_PLUS = re.compile(
    r"^(?P<head>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (?P<offset>\d{2}:?\d{2})$"
)


@dataclass(frozen=True, slots=True)
class Grid:
    """spot_hourly prices start on the local ``minutes`` grid of ``zone``."""

    minutes: int
    zone: ZoneInfo


def contract_type(text: str) -> str | None:
    """``"Spot Hourly"``, ``"spot-hourly"``, ``"SPOT_HOURLY"`` → ``"spot_hourly"``; else None."""
    name = _TYPE_SEPARATORS.sub("_", text.strip().lower())
    return name if name in CONTRACT_TYPES else None


def exact_price(raw: msgspec.Raw) -> Decimal | str:
    """The exact decimal of a raw JSON value, canonical (``0.20`` → ``0.2``), or why not."""
    text = bytes(raw).strip()
    if not text or text[0] not in _NUMBER_START:
        kind = _JSON_KINDS.get(text[0], "not a number") if text else "empty"
        return f"must be a JSON number, not {kind}"
    # msgspec has already checked the JSON grammar, so this is a finite decimal literal; only
    # an exponent beyond what Decimal can hold (1e99999999999999999999) is refused here.
    try:
        value = Decimal(text.decode("ascii"))
    except InvalidOperation:
        return f"is out of range (|price| < 1e9, at most {MAX_DECIMAL_PLACES} decimal places)"
    if abs(value) >= PRICE_LIMIT:
        return "must be less than 1e9 in absolute value"
    if decimal_places(value) > MAX_DECIMAL_PLACES:
        return f"must have at most {MAX_DECIMAL_PLACES} decimal places"
    # At most 9 integer and 19 fractional digits: canonicalising cannot round (28 digits).
    return Decimal(canonical_decimal_text(value))


def decimal_places(value: Decimal) -> int:
    """Significant decimal places: ``0.250`` → 2, ``1E+2`` → 0, ``1E-20`` → 20."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    if exponent >= 0 or value.is_zero():
        return 0
    trailing_zeros = 0
    for digit in reversed(digits):
        if digit != 0 or trailing_zeros == -exponent:
            break
        trailing_zeros += 1
    return -exponent - trailing_zeros


def parse_prices(items: Sequence[PriceIn], field: str, grid: Grid | None) -> list[PriceRow]:
    """Validated rows, ascending by instant; a 422 naming each bad entry otherwise."""
    errors: list[FieldError] = []
    keyed: list[tuple[datetime, int, Decimal]] = []
    for index, item in enumerate(items):
        price = exact_price(item.price)
        if isinstance(price, str):
            errors.append(FieldError(field_path(field, index, "price"), price))
        instant = _utc_instant(item.timestamp, grid)
        if isinstance(instant, str):
            errors.append(FieldError(field_path(field, index, "timestamp"), instant))
        if not isinstance(price, str) and not isinstance(instant, str):
            keyed.append((instant, index, price))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    keyed.sort()
    for (earlier, first, _), (later, second, _) in pairwise(keyed):
        if earlier == later and len(errors) < MAX_REPORTED_ERRORS:
            errors.append(
                FieldError(
                    field_path(field, second, "timestamp"),
                    f"is the same instant as {field_path(field, first, 'timestamp')}",
                )
            )
    if errors:
        raise _invalid(errors)
    return [(instant, price) for instant, _, price in keyed]


def _utc_instant(text: str, grid: Grid | None) -> datetime | str:
    try:
        timestamp = datetime.fromisoformat(text)
    except ValueError:
        return "must be an ISO 8601 timestamp with an offset"
    if timestamp.tzinfo is None or timestamp.utcoffset() is None:
        return "must carry an offset (Z or +01:00); a local time without one is ambiguous"
    try:
        instant = timestamp.astimezone(UTC)
        local = instant.astimezone(grid.zone) if grid else None
    except (OverflowError, ValueError):
        return "is out of range"
    if local is not None and grid is not None and not on_grid(local, grid.minutes):
        return (
            f"must lie on the {grid.minutes}-minute grid of {grid.zone.key} "
            f"(local minute divisible by {grid.minutes}, zero seconds); "
            f"it is {local.isoformat()} there"
        )
    return instant


def on_grid(local: datetime, minutes: int) -> bool:
    return local.minute % minutes == 0 and local.second == 0 and local.microsecond == 0


def _invalid(errors: list[FieldError]) -> Unprocessable:
    shown = "; ".join(f"{e.field}: {e.message}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return Unprocessable(f"{shown}{more}", errors=errors)


class _NonFinite:
    def __init__(self, literal: str) -> None:
        self.literal = literal


def non_finite_number_field(body: bytes) -> FieldError | None:
    """Where a body that is not JSON only because of ``NaN``/``Infinity`` carries one.

    msgspec refuses those literals as malformed JSON; SPEC §5 wants a 422 naming the field.
    Only called on the error path, so the second parse costs nothing on good requests.
    """
    try:
        document = json.loads(body, parse_constant=_NonFinite)
    except (ValueError, RecursionError):
        return None
    found = _find(document, ())
    if found is None:
        return None
    path, literal = found
    return FieldError(field_path(*path) or "body", f"must be a finite number, not {literal}")


def _find(node: Any, path: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], str] | None:
    # Iterative: a deeply nested body must not exhaust the stack on the error path.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, _NonFinite):
            return where, current.literal
        if isinstance(current, dict):
            children = [(value, (*where, key)) for key, value in current.items()]
        elif isinstance(current, list):
            children = [(value, (*where, index)) for index, value in enumerate(current)]
        else:
            continue
        stack.extend(reversed(children))
    return None


def instant_param(text: str, name: str) -> datetime:
    """A ``from``/``to`` query parameter: ISO 8601 with an offset, as a UTC instant.

    An unencoded ``+01:00`` in a query string arrives as `` 01:00`` (``+`` means space in
    form encoding); that one mistake is repaired rather than refused.
    """
    repaired = _SPACE_FOR_PLUS.sub(r"\g<head>+\g<offset>", text.strip())
    try:
        value = datetime.fromisoformat(repaired)
    except ValueError:
        raise Unprocessable.field(name, "must be an ISO 8601 timestamp with an offset") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise Unprocessable.field(name, "must carry an offset (Z or +01:00)")
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Unprocessable.field(name, "is out of range") from None
