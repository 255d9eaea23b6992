"""parse_prices: the whole-column fast path gives exactly what the per-item path gives."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.contracts.models import PriceSeries
from energy_contracts.contracts.price_rules import (
    Grid,
    _instant_column,
    _parse_columns,
    _parse_each,
    _zone_offset_runs,
    parse_prices,
)
from energy_contracts.contracts.schemas import PriceIn
from energy_contracts.errors import Unprocessable

ZONES = [
    "Europe/Vienna",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # summer time is 30 minutes
    "America/St_Johns",  # -03:30 / -02:30
    "UTC",
]
# Where the rules get interesting: changes of offset (both ways, in several zones), leap
# days, a century that is no leap year, a year's end.
ANCHORS = [
    datetime(2024, 3, 31, 1, tzinfo=UTC),  # Europe: summer time begins
    datetime(2024, 10, 27, 1, tzinfo=UTC),  # Europe: summer time ends
    datetime(2024, 3, 10, 7, tzinfo=UTC),  # New York: begins
    datetime(2024, 11, 3, 6, tzinfo=UTC),  # New York: ends
    datetime(2024, 4, 6, 15, tzinfo=UTC),  # Lord Howe: ends (30 minutes)
    datetime(2024, 10, 5, 15, 30, tzinfo=UTC),  # Lord Howe: begins
    datetime(2023, 3, 12, 5, 30, tzinfo=UTC),  # St John's: begins
    datetime(2024, 2, 29, 12, tzinfo=UTC),
    datetime(2000, 2, 29, tzinfo=UTC),
    datetime(2100, 2, 28, 22, tzinfo=UTC),
    datetime(2023, 12, 31, 23, tzinfo=UTC),
]
ODD_PRICES = [
    "0", "-0", "0.0", "1", "-1", "0.20", "1e-3", "1E2", "-0.0", "100", "999999999",
    "1000000000", "999999999.9999999999999999999", "0.0000000000000000001",
    "0.00000000000000000001", '"0.2"', "null", "true", "12345678901234567890", "-0.5",
    "0.1234567890123456789", "[1]", "{}", "-0.0123", "-12.5",
]  # fmt: skip


def items(entries: list[tuple[str, str]]) -> list[PriceIn]:
    body = "[" + ",".join(f'{{"price":{p},"timestamp":"{t}"}}' for p, t in entries) + "]"
    return msgspec.json.decode(body.encode(), type=list[PriceIn])


def outcome(parse: object, prices: list[PriceIn], grid: Grid | None) -> object:
    try:
        series = parse(prices, "energy_prices", grid)  # type: ignore[operator]
    except Unprocessable as error:
        return [(e.field, e.message) for e in error.errors]
    # The same rows: instants (in UTC) and decimals, digit for digit.
    return [(ts, ts.utcoffset(), str(price)) for ts, price in series]


near_anchors = st.builds(
    lambda anchor, minutes, seconds: anchor + timedelta(minutes=minutes, seconds=seconds),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 24 * 60, 3 * 24 * 60).map(lambda m: m - m % 5),
    st.sampled_from([0, 0, 0, 30]),
)
# Forms msgspec reads like fromisoformat, forms it reads differently (a lowercase ``z``,
# digits beyond the microsecond), and forms only fromisoformat reads.
FORMS = ["zone", "offset", "z", "Z-lower", "naive", "bad", "no-seconds", "compact-offset"]
FORMS += ["space", "nanoseconds", "rounding-up", "comma"]


def render(instant: datetime, zone: str, offset: int, form: str) -> str:
    fixed = instant.astimezone(timezone(timedelta(minutes=offset)))
    if form == "zone":
        return instant.astimezone(ZoneInfo(zone)).isoformat()
    if form == "offset":
        return fixed.isoformat()
    if form == "z":
        return instant.isoformat().replace("+00:00", "Z")
    if form == "Z-lower":
        return instant.isoformat().replace("+00:00", "z")
    if form == "naive":
        return instant.replace(tzinfo=None).isoformat()
    if form == "no-seconds":
        return fixed.isoformat(timespec="minutes")
    if form == "compact-offset":
        return fixed.strftime("%Y-%m-%dT%H:%M:%S%z")
    if form == "space":
        return fixed.isoformat(sep=" ")
    if form == "nanoseconds":
        return fixed.strftime("%Y-%m-%dT%H:%M:%S.0000001%z")
    if form == "rounding-up":  # msgspec would round this up to the next second
        return fixed.strftime("%Y-%m-%dT%H:%M:%S.9999996%z")
    if form == "comma":
        return fixed.strftime("%Y-%m-%dT%H:%M:%S,5%z")
    return "2024-13-01T00:00:00Z"


timestamps = st.tuples(
    near_anchors,
    st.sampled_from(ZONES),
    st.sampled_from([0, 60, -300, 330, 345, 630, -210]),
    st.sampled_from(FORMS),
)


@settings(max_examples=400, deadline=None)
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


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    grid_minutes=st.sampled_from([15, 30, 60]),
    anchor=st.sampled_from(ANCHORS),
    first_step=st.integers(-300, 0),
    count=st.integers(1, 400),
    form=st.sampled_from(["zone", "z", "offset"]),
    offset=st.sampled_from([60, -300, 330, 630]),
    flaw=st.sampled_from([None, None, "off-grid", "duplicate", "reversed", "negative"]),
    flaw_at=st.integers(0, 399),
)
def test_regular_series_across_changes_of_offset(
    zone: str,
    grid_minutes: int,
    anchor: datetime,
    first_step: int,
    count: int,
    form: str,
    offset: int,
    flaw: str | None,
    flaw_at: int,
) -> None:
    """A partner's series: every grid step of a stretch around a change of offset, in the
    zone's own offsets, in UTC or in another offset; sometimes with one flaw."""
    step = timedelta(minutes=grid_minutes)
    start = anchor.replace(minute=0) + first_step * step
    instants = [start + index * step for index in range(count)]
    flaw_at %= count
    if flaw == "off-grid":
        instants[flaw_at] += timedelta(minutes=5)
    elif flaw == "duplicate":
        instants[flaw_at] = instants[0]
    elif flaw == "reversed":
        instants.reverse()
    prices = [f"{'-' if flaw == 'negative' and i % 7 == 0 else ''}0.{i + 1}" for i in range(count)]
    entries = [(p, render(t, zone, offset, form)) for p, t in zip(prices, instants, strict=True)]
    sent = items(entries)
    grid = Grid(grid_minutes, ZoneInfo(zone))

    assert outcome(parse_prices, sent, grid) == outcome(_parse_each, sent, grid)
    locals_ = [instant.astimezone(ZoneInfo(zone)) for instant in instants]
    valid = len(set(instants)) == count and all(
        local.minute % grid_minutes == 0 and local.second == 0 for local in locals_
    )
    # Valid series take the column path: the fast path is not merely a fallback.
    assert (_parse_columns(sent, grid) is not None) == valid


TEXTS = [
    "2024-03-31T03:00:00+02:00", "2024-03-31t03:00:00+02:00", "2024-03-31 03:00:00+02:00",
    "2024-03-31T03:00:00Z", "2024-03-31T03:00:00z", "2024-03-31T03:00:00-00:00",
    "2024-03-31T03:00:00+0200", "2024-03-31T03:00:00+02", "2024-03-31T03:00+02:00",
    "2024-03-31T03:00:00.5+02:00", "2024-03-31T03:00:00.123456+02:00",
    "2024-03-31T03:00:00.1234567+02:00", "2024-03-31T23:59:59.9999996Z",
    "2024-03-31T03:00:00,5+02:00", "2024-03-31T03:00:00,1234567+02:00",
    "2024-03-31T03:00:00+01:60", "2024-03-31T03:00:00+23:59",
    "2024-03-31T03:00:00+24:00", "2024-03-31T24:00:00Z", "2024-03-31T23:59:60Z",
    "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "20240331T030000+0200", "2024-03-31", "2024-03-31T03:00:00",
    "2024-03-31T03:00:00.Z", "2024-03-31T03:00:00+02:00:30", "",
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_timestamps_are_read_as_fromisoformat_reads_them(text: str) -> None:
    """... except that more than six fractional digits are refused (SPEC §1: an instant
    holds microseconds; ``fromisoformat`` would cut the rest off)."""
    if re.search(r"[.,][0-9]{7}", text):
        assert _instant_column(["2024-01-01T00:00:00+01:00", text]) is None
        return
    try:
        expected = datetime.fromisoformat(text)
    except ValueError:
        assert _instant_column([text]) is None
        return
    # Among other texts, so that one text's form never decides how all are read.
    read = _instant_column(["2024-01-01T00:00:00+01:00", text])
    assert read is not None
    assert (read[1], read[1].utcoffset()) == (expected, expected.utcoffset())


def test_runs_of_offsets() -> None:
    vienna = ZoneInfo("Europe/Vienna")
    winter, summer = timedelta(hours=1), timedelta(hours=2)
    noons = [datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=day) for day in range(366)]
    # Summer time from 31 March (day 90) to 26 October (day 299).
    assert _zone_offset_runs(noons, vienna) == [(0, winter), (90, summer), (300, winter)]
    hours = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hour) for hour in range(8784)]
    winters = [hour for hour in hours if hour.astimezone(vienna).utcoffset() == winter]
    # Summer passes with no instant in it: one run; with one instant, three.
    assert _zone_offset_runs(winters, vienna) == [(0, winter)]
    one_summer_day = sorted([*winters, noons[180]])
    middle = one_summer_day.index(noons[180])
    assert _zone_offset_runs(one_summer_day, vienna) == [
        (0, winter),
        (middle, summer),
        (middle + 1, winter),
    ]
    # Fewer instants than days: asked instant by instant, with the same answer.
    sparse = [noons[0], noons[180], datetime(2030, 1, 1, tzinfo=UTC)]
    assert _zone_offset_runs(sparse, vienna) == [(0, winter), (1, summer), (2, winter)]


def test_a_clean_year_takes_the_column_path() -> None:
    start = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Vienna")).astimezone(UTC)
    vienna = ZoneInfo("Europe/Vienna")
    entries = [
        (f"0.{i % 90000 + 10000}", (start + timedelta(minutes=15 * i)).astimezone(vienna))
        for i in range(35_136)
    ]
    prices = items([(price, stamp.isoformat()) for price, stamp in entries])
    grid = Grid(15, vienna)
    series = _parse_columns(prices, grid)
    assert series is not None
    assert series == _parse_each(prices, "energy_prices", grid)


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


def test_a_series_reads_as_the_rows_stored() -> None:
    series = parse_prices(
        items([("0.20", "2024-06-12T10:15:00+02:00"), ("-1E-2", "2024-06-12T08:30:00Z")]),
        "energy_prices",
        Grid(15, ZoneInfo("Europe/Vienna")),
    )
    rows = [
        (datetime(2024, 6, 12, 8, 15, tzinfo=UTC), Decimal("0.2")),
        (datetime(2024, 6, 12, 8, 30, tzinfo=UTC), Decimal("-0.01")),
    ]
    assert list(series) == rows
    assert all(ts.tzinfo is UTC for ts, _ in series)
    assert series.prices() == ["0.2", "-0.01"]
    assert len(PriceSeries([], "")) == 0
    assert list(PriceSeries([], "")) == []
