"""aWATTar market data JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from energy_contracts.feeds import FeedError, PricePoint, parse_awattar

FIXTURES = Path(__file__).parent / "fixtures"
AUSTRIA = FIXTURES / "awattar_at_marketdata.json"

HOUR_MS = 3_600_000
QUARTER_MS = 900_000
JAN_15_MS = 1_705_276_800_000  # 2024-01-15T00:00:00Z


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def entry(start_ms: int, length_ms: int, price: str, unit: str = "Eur/MWh") -> str:
    return (
        f'{{"start_timestamp":{start_ms},"end_timestamp":{start_ms + length_ms},'
        f'"marketprice":{price},"unit":"{unit}"}}'
    )


def response(*entries: str) -> str:
    return '{"object":"list","data":[' + ",".join(entries) + '],"url":"/at/v1/marketdata"}'


def test_hourly_market_data_in_eur_per_mwh() -> None:
    parsed = parse_awattar(AUSTRIA.read_bytes())

    assert parsed.currency == "EUR"
    assert parsed.interval_minutes == 60
    assert parsed.prices == [
        PricePoint(utc(2024, 1, 15, 0), Decimal("0.08215")),
        PricePoint(utc(2024, 1, 15, 1), Decimal("0.0799")),
        PricePoint(utc(2024, 1, 15, 2), Decimal("0.07802")),
        PricePoint(utc(2024, 1, 15, 3), Decimal("0.07955")),
        PricePoint(utc(2024, 1, 15, 4), Decimal("0.08561")),
        PricePoint(utc(2024, 1, 15, 5), Decimal("0.10137")),
    ]


def test_numbers_are_read_exactly_not_through_floats() -> None:
    # 0.1 + 0.2 style binary noise would show in the last digits.
    parsed = parse_awattar(response(entry(JAN_15_MS, HOUR_MS, "0.30000000000000004")))

    assert parsed.prices[0].price == Decimal("0.00030000000000000004")
    assert str(parsed.prices[0].price) == "0.00030000000000000004"


def test_quarter_hours_in_eur_per_kwh_with_any_unit_case() -> None:
    parsed = parse_awattar(
        response(
            entry(JAN_15_MS + QUARTER_MS, QUARTER_MS, "-0.012", unit="EUR/KWH"),
            entry(JAN_15_MS, QUARTER_MS, "0.1", unit="eur/kwh"),
        )
    )

    assert parsed.interval_minutes == 15
    assert parsed.prices == [
        PricePoint(utc(2024, 1, 15, 0, 0), Decimal("0.1")),
        PricePoint(utc(2024, 1, 15, 0, 15), Decimal("-0.012")),
    ]


def test_mixed_lengths_are_allowed_and_leave_the_interval_unknown() -> None:
    parsed = parse_awattar(
        response(
            entry(JAN_15_MS, HOUR_MS, "80"),
            entry(JAN_15_MS + HOUR_MS, 1_800_000, "90"),
        )
    )

    assert parsed.interval_minutes is None
    assert [point.timestamp for point in parsed.prices] == [
        utc(2024, 1, 15, 0),
        utc(2024, 1, 15, 1),
    ]


def test_empty_data_list_gives_no_prices() -> None:
    parsed = parse_awattar('{"object":"list","data":[],"url":"/de/v1/marketdata"}')

    assert parsed.prices == []
    assert parsed.currency == "EUR"
    assert parsed.interval_minutes is None


def test_identical_duplicates_are_kept_once_and_contradictions_refused() -> None:
    same = entry(JAN_15_MS, HOUR_MS, "80")
    assert len(parse_awattar(response(same, same)).prices) == 1

    with pytest.raises(FeedError) as raised:
        parse_awattar(response(same, entry(JAN_15_MS, HOUR_MS, "81")))
    assert raised.value.location == "data[1]"
    assert raised.value.message == (
        "conflicting prices for 2024-01-15T00:00:00Z: 0.081 here and 0.080 at data[0]"
    )


def test_streamed_file_parses_like_the_whole_text() -> None:
    with AUSTRIA.open("rb") as stream:
        assert parse_awattar(stream) == parse_awattar(AUSTRIA.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        pytest.param(
            '{"object":"list","data":[{"start_timestamp":1}',
            "line 1, column 47",
            "invalid JSON: Expecting ',' delimiter",
            id="truncated-json",
        ),
        pytest.param("", "line 1, column 1", "invalid JSON: Expecting value", id="empty"),
        pytest.param(
            response(entry(JAN_15_MS, HOUR_MS, "NaN")),
            "JSON",
            "invalid JSON: NaN is not a number",
            id="nan",
        ),
        pytest.param("[]", "$", "expected a JSON object with a 'data' list", id="array-root"),
        pytest.param(
            '{"object":"error"}',
            "object",
            'expected "object": "list", found \'error\'',
            id="not-a-list-object",
        ),
        pytest.param('{"object":"list"}', "data", "expected a 'data' list", id="no-data"),
        pytest.param(
            response(entry(JAN_15_MS, HOUR_MS, '"80"')),
            "data[0].marketprice",
            "marketprice '80' is not a number",
            id="price-as-string",
        ),
        pytest.param(
            response(entry(JAN_15_MS, HOUR_MS, "80", unit="Eur/GWh")),
            "data[0].unit",
            "unsupported unit 'Eur/GWh' (expected Eur/MWh or Eur/kWh)",
            id="unknown-unit",
        ),
        pytest.param(
            response(entry(JAN_15_MS, 2 * HOUR_MS, "80")),
            "data[0]",
            "the entry lasts 2:00:00; expected 15, 30 or 60 minutes",
            id="two-hour-entry",
        ),
        pytest.param(
            response(entry(JAN_15_MS, HOUR_MS, "80"), '"x"'),
            "data[1]",
            "expected an object",
            id="entry-not-an-object",
        ),
        pytest.param(
            '{"data":[{"start_timestamp":"2024-01-15","end_timestamp":1,"marketprice":1,'
            '"unit":"Eur/MWh"}]}',
            "data[0].start_timestamp",
            "start_timestamp '2024-01-15' is not whole epoch milliseconds",
            id="timestamp-as-string",
        ),
        pytest.param(
            response(entry(JAN_15_MS, HOUR_MS, "80"), entry(JAN_15_MS + QUARTER_MS, HOUR_MS, "80")),
            "data[1]",
            "[2024-01-15T00:15:00Z, 2024-01-15T01:15:00Z) overlaps "
            "[2024-01-15T00:00:00Z, 2024-01-15T01:00:00Z) at data[0]",
            id="overlap",
        ),
    ],
)
def test_malformed_json_names_the_place(text: str, location: str, message: str) -> None:
    with pytest.raises(FeedError) as raised:
        parse_awattar(text)

    assert raised.value.location == location
    assert raised.value.message == message


def test_undecodable_bytes_are_a_feed_error() -> None:
    with pytest.raises(FeedError) as raised:
        parse_awattar(b'{"data": ["\xff"]}')

    assert raised.value.location == "JSON"
    assert raised.value.message.startswith("invalid JSON: ")
