"""The data every target uses: one year of quarter-hour spot prices, as JSON and as COPY rows.

Deterministic (seeded), so every run sends the same bytes. Prices look like a day-ahead market
converted to per-kWh: five decimal places at most (``0.08735``), a daily shape, a winter
premium, negative stretches around midday in summer, and no two neighbouring quarter hours
with the same price (so an effective-prices day without ``interval`` has 96 intervals).
"""

from __future__ import annotations

import math
import random
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from psycopg import adapters
from psycopg.adapt import PyFormat

YEAR = 2024
TIMEZONE = "Europe/Vienna"
INTERVAL_MINUTES = 15
READ_DAY = date(2024, 6, 12)
PRICE_PLACES = 5
SEED = 20240612

_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)
# PostgreSQL's binary COPY framing (see "COPY ... Binary Format" in its manual).
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
COPY_COLUMNS = ("org_id", "contract_id", "ts", "price")
COPY_TYPES = ("uuid", "uuid", "timestamptz", "numeric")


@dataclass(frozen=True, slots=True)
class PriceYear:
    """A year of one contract's prices: UTC instants and price units of 10^-PRICE_PLACES."""

    instants: tuple[datetime, ...]
    units: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.instants)

    def variant(self, number: int) -> PriceYear:
        """The same curve with every price changed (``number`` ≥ 1), neighbours still distinct."""
        return PriceYear(self.instants, tuple(units + 7 * number for units in self.units))

    def prices(self) -> list[Decimal]:
        return [price_decimal(units) for units in self.units]

    def json_body(self) -> bytes:
        """``{"energy_prices": [{"price": 0.0873, "timestamp": "…+01:00"}, …]}`` as a partner
        sends it: local wall time with its offset, prices as plain JSON numbers."""
        tz = ZoneInfo(TIMEZONE)
        items = [
            f'{{"price":{price_text(units)},"timestamp":"{instant.astimezone(tz).isoformat()}"}}'
            for instant, units in zip(self.instants, self.units, strict=True)
        ]
        return ('{"energy_prices":[' + ",".join(items) + "]}").encode()

    def rows(self, org_id: uuid.UUID, contract_id: uuid.UUID) -> list[tuple[object, ...]]:
        """Python rows for ``Copy.write_row`` (the raw-COPY baseline of the ingest targets)."""
        return [
            (org_id, contract_id, instant, price)
            for instant, price in zip(self.instants, self.prices(), strict=True)
        ]


def price_text(units: int) -> str:
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**PRICE_PLACES)
    digits = f"{fraction:0{PRICE_PLACES}d}".rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def price_decimal(units: int) -> Decimal:
    return Decimal(price_text(units))


def quarter_hours(year: int = YEAR, timezone: str = TIMEZONE) -> list[datetime]:
    """Every quarter hour of a local calendar year, as UTC instants (35,136 for 2024)."""
    tz = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    step = timedelta(minutes=INTERVAL_MINUTES)
    return [start + step * index for index in range((end - start) // step)]


@cache
def price_year(seed: int = SEED) -> PriceYear:
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    instants = quarter_hours()
    units: list[int] = []
    previous: int | None = None
    for instant in instants:
        local = instant.astimezone(tz)
        hour = local.hour + local.minute / 60
        season = math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 366)  # 1 in winter
        euros = 0.085 + 0.025 * season
        euros += 0.03 * math.exp(-(((hour - 8) / 2) ** 2)) + 0.04 * math.exp(
            -(((hour - 19) / 2) ** 2)
        )
        if season < 0 and 10 <= hour < 16:  # solar midday in summer
            euros -= 0.07 * -season * math.sin(math.pi * (hour - 10) / 6)
        euros += rng.gauss(0, 0.008)
        value = round(euros * 10**PRICE_PLACES)
        if value == previous:
            value += 1
        units.append(value)
        previous = value
    return PriceYear(tuple(instants), tuple(units))


# --- binary COPY stream, for loading millions of rows without a Python object per row ---


def _field(payload: bytes) -> bytes:
    return struct.pack("!i", len(payload)) + payload


def _timestamptz(instant: datetime) -> bytes:
    micros = (instant - _POSTGRES_EPOCH) // _ONE_MICROSECOND
    return struct.pack("!q", micros)


@cache
def _numeric_dumper() -> object:
    dumper_class = adapters.get_dumper(Decimal, PyFormat.BINARY)
    return dumper_class(Decimal)


def _numeric(value: Decimal) -> bytes:
    dumped = _numeric_dumper().dump(value)  # type: ignore[attr-defined]
    return bytes(dumped)


@dataclass(frozen=True, slots=True)
class CopyStream:
    """The per-row tail (``ts``, ``price``) of one price year, encoded once.

    ``rows_for(org, contract)`` then costs one ``bytes.join``: rows differ only in the ids.
    """

    tails: tuple[bytes, ...]

    @classmethod
    def of(cls, year: PriceYear) -> CopyStream:
        tails = tuple(
            _field(_timestamptz(instant)) + _field(_numeric(price))
            for instant, price in zip(year.instants, year.prices(), strict=True)
        )
        return cls(tails)

    def rows_for(self, org_id: uuid.UUID, contract_id: uuid.UUID) -> bytes:
        head = (
            struct.pack("!h", len(COPY_COLUMNS)) + _field(org_id.bytes) + _field(contract_id.bytes)
        )
        return head + head.join(self.tails)


def copy_statement(table: str) -> str:
    return f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"


def day_bounds(day: date, timezone: str = TIMEZONE) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def expected_intervals(year: PriceYear, day: date) -> int:
    start, end = day_bounds(day)
    return sum(1 for instant in year.instants if start <= instant < end)


def sample_rows(year: PriceYear, indexes: Sequence[int]) -> list[tuple[datetime, Decimal]]:
    return [(year.instants[index], price_decimal(year.units[index])) for index in indexes]
