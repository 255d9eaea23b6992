"""parse_prices: the whole-column fast path gives exactly what the per-item path gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.contracts.price_rules import (
    Grid,
    _parse_columns,
    _parse_each,
    parse_prices,
)
from energy_contracts.contracts.schemas import PriceIn
from energy_contracts.errors import Unprocessable

ZONES = ["Europe/Vienna", "UTC", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"]
ODD_PRICES = [
    "0", "-0", "0.0", "1", "-1", "0.20", "1e-3", "1E2", "-0.0", "100", "999999999",
    "1000000000", "999999999.9999999999999999999", "0.0000000000000000001",
    "0.00000000000000000001", '"0.2"', "null", "true", "12345678901234567890", "-0.5",
    "0.1234567890123456789", "[1]", "{}",
]  # fmt: skip


def items(entries: list[tuple[str, str]]) -> list[PriceIn]:
    body = "[" + ",".join(f'{{"price":{p},"timestamp":"{t}"}}' for p, t in entries) + "]"
    return msgspec.json.decode(body.encode(), type=list[PriceIn])


def outcome(parse: object, prices: list[PriceIn], grid: Grid | None) -> object:
    try:
        rows = parse(prices, "energy_prices", grid)  # type: ignore[operator]
    except Unprocessable as error:
        return [(e.field, e.message) for e in error.errors]
    # Same instants (in UTC) and the same decimals, digit for digit.
    return [(ts, ts.utcoffset(), str(price)) for ts, price in rows]


timestamps = st.builds(
    lambda minutes, zone, offset, form: (
        datetime(2024, 3, 30, tzinfo=UTC) + timedelta(minutes=minutes),
        zone,
        offset,
        form,
    ),
    st.integers(0, 60 * 24 * 220).map(lambda m: m - m % 5),
    st.sampled_from(ZONES),
    st.sampled_from([0, 60, -300, 330, 345, 630]),
    st.sampled_from(["zone", "offset", "z", "naive", "bad"]),
)


def render(instant: datetime, zone: str, offset: int, form: str) -> str:
    if form == "zone":
        return instant.astimezone(ZoneInfo(zone)).isoformat()
    if form == "offset":
        return instant.astimezone(timezone(timedelta(minutes=offset))).isoformat()
    if form == "z":
        return instant.isoformat().replace("+00:00", "Z")
    if form == "naive":
        return instant.replace(tzinfo=None).isoformat()
    return "2024-13-01T00:00:00Z"


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.one_of(
                st.decimals(-(10**9), 10**9, places=5, allow_nan=False).map(str),
                st.sampled_from(ODD_PRICES),
            ),
            timestamps,
        ),
        max_size=30,
    ),
    grid_minutes=st.sampled_from([None, 15, 30, 60]),
    zone=st.sampled_from(ZONES),
)
def test_columns_and_items_agree(
    entries: list[tuple[str, tuple[datetime, str, int, str]]],
    grid_minutes: int | None,
    zone: str,
) -> None:
    try:
        prices = items([(price, render(*stamp)) for price, stamp in entries])
    except msgspec.DecodeError:
        return  # not JSON (e.g. a Decimal repr msgspec refuses): never reaches the rules
    grid = None if grid_minutes is None else Grid(grid_minutes, ZoneInfo(zone))
    assert outcome(parse_prices, prices, grid) == outcome(_parse_each, prices, grid)


def test_a_clean_year_takes_the_column_path() -> None:
    start = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Vienna")).astimezone(UTC)
    vienna = ZoneInfo("Europe/Vienna")
    entries = [
        (f"0.{i % 90000 + 10000}", (start + timedelta(minutes=15 * i)).astimezone(vienna))
        for i in range(35_136)
    ]
    prices = items([(price, stamp.isoformat()) for price, stamp in entries])
    grid = Grid(15, vienna)
    rows = _parse_columns(prices, grid)
    assert rows is not None
    assert rows == _parse_each(prices, "energy_prices", grid)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2024-06-12T10:00:00+02:00", "2024-06-12T08:00:00Z"),  # the same instant twice
        ("2024-06-12T10:00:00+02:00", "2024-06-12T09:45:00+02:00"),  # descending
    ],
)
def test_order_and_duplicates(first: str, second: str) -> None:
    prices = items([("0.1", first), ("0.2", second)])
    assert outcome(parse_prices, prices, None) == outcome(_parse_each, prices, None)
