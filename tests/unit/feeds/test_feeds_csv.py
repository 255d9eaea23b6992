"""CSV price files: units, delimiters, decimal commas, offsets and local wall times."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from energy_contracts.feeds import CsvUnit, FeedError, PricePoint, Remedy, parse_csv

FIXTURES = Path(__file__).parent / "fixtures"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# The same instants as vienna_2024-10-27_naive.csv, written with explicit offsets.
FALL_BACK_PRICES = [
    PricePoint(utc(2024, 10, 26, 23, 30), Decimal("0.1510")),
    PricePoint(utc(2024, 10, 27, 0, 0), Decimal("0.1490")),
    PricePoint(utc(2024, 10, 27, 0, 30), Decimal("0.1475")),
    PricePoint(utc(2024, 10, 27, 1, 0), Decimal("0.1460")),
    PricePoint(utc(2024, 10, 27, 1, 30), Decimal("0.1450")),
    PricePoint(utc(2024, 10, 27, 2, 0), Decimal("0.1470")),
]


@pytest.mark.parametrize(
    ("unit", "written", "per_kwh"),
    [
        ("kwh", "0.08215", "0.08215"),
        ("mwh", "82.15", "0.08215"),
        ("ct_kwh", "8.215", "0.08215"),
        ("mwh", "-5.01", "-0.00501"),
        ("ct_kwh", "0", "0"),
        ("mwh", "1.5E+2", "0.15"),
    ],
)
def test_each_unit_is_converted_exactly_to_per_kwh(
    unit: CsvUnit, written: str, per_kwh: str
) -> None:
    parsed = parse_csv(f"timestamp,price\n2024-01-15T00:00:00Z,{written}\n", unit=unit)

    assert parsed.prices == [PricePoint(utc(2024, 1, 15), Decimal(per_kwh))]
    assert parsed.currency is None
    assert parsed.interval_minutes is None


def test_offset_timestamps_are_taken_as_they_are() -> None:
    with (FIXTURES / "offsets_kwh.csv").open(encoding="utf-8", newline="") as stream:
        parsed = parse_csv(stream, unit="kwh", currency="eur")

    assert parsed.prices == FALL_BACK_PRICES
    assert parsed.currency == "EUR"
    assert parsed.interval_minutes == 30


def test_decimal_comma_semicolons_bom_crlf_and_named_columns() -> None:
    parsed = parse_csv(
        (FIXTURES / "decimal_comma_semicolon_ct_kwh.csv").read_bytes(),
        unit="ct_kwh",
        timestamp_column="Zeitpunkt",
        price_column="Preis ct/kWh",
        delimiter=";",
        decimal_comma=True,
    )

    assert parsed.prices == [
        PricePoint(utc(2024, 1, 14, 23), Decimal("0.08215")),
        PricePoint(utc(2024, 1, 15, 0), Decimal("0.0799")),
        PricePoint(utc(2024, 1, 15, 1), Decimal("-0.005")),
        PricePoint(utc(2024, 1, 15, 2), Decimal("0")),
    ]
    assert parsed.interval_minutes == 60


def test_naive_local_times_across_spring_forward() -> None:
    parsed = parse_csv(
        (FIXTURES / "vienna_2024-03-31_naive.csv").read_text(encoding="utf-8"),
        unit="kwh",
        timezone="Europe/Vienna",
    )

    # 01:30 CET is 00:30Z; the next row, 03:00 CEST, is 01:00Z: thirty minutes later.
    assert parsed.prices == [
        PricePoint(utc(2024, 3, 30, 23, 30), Decimal("0.2110")),
        PricePoint(utc(2024, 3, 31, 0, 0), Decimal("0.2050")),
        PricePoint(utc(2024, 3, 31, 0, 30), Decimal("0.1980")),
        PricePoint(utc(2024, 3, 31, 1, 0), Decimal("0.1925")),
        PricePoint(utc(2024, 3, 31, 1, 30), Decimal("0.1990")),
    ]
    assert parsed.interval_minutes == 30


def test_local_time_skipped_by_spring_forward_is_refused_with_its_line() -> None:
    with pytest.raises(FeedError) as raised:
        parse_csv(
            (FIXTURES / "vienna_2024-03-31_naive_gap.csv").read_text(encoding="utf-8"),
            unit="kwh",
            timezone="Europe/Vienna",
        )

    assert raised.value.location == "line 4"
    assert raised.value.message == (
        "local time 2024-03-31T02:30:00 does not exist in Europe/Vienna "
        "(clocks spring forward over it)"
    )


def test_local_time_repeated_by_fall_back_is_refused_by_default() -> None:
    with pytest.raises(FeedError) as raised:
        parse_csv(
            (FIXTURES / "vienna_2024-10-27_naive.csv").read_text(encoding="utf-8"),
            unit="kwh",
            timezone="Europe/Vienna",
        )

    assert raised.value.location == "line 3"
    assert raised.value.message.startswith(
        "local time 2024-10-27T02:00:00 is ambiguous in Europe/Vienna"
    )


def test_ambiguous_half_past_two_is_refused_by_default() -> None:
    text = "timestamp,price\n2024-10-27 01:30,0.15\n2024-10-27 02:30,0.14\n"

    with pytest.raises(FeedError) as raised:
        parse_csv(text, unit="kwh", timezone="Europe/Vienna")

    assert raised.value.location == "line 3"
    assert raised.value.message == (
        "local time 2024-10-27T02:30:00 is ambiguous in Europe/Vienna (it occurs twice when "
        "clocks fall back) and has no UTC offset to tell which; "
        "pass resolve_ambiguous_by_order=True to resolve it by file order"
    )
    assert raised.value.remedy == Remedy(
        "resolve_ambiguous_by_order", "to resolve it by file order", switch=True
    )


def test_fall_back_resolved_by_file_order_when_asked() -> None:
    parsed = parse_csv(
        (FIXTURES / "vienna_2024-10-27_naive.csv").read_text(encoding="utf-8"),
        unit="kwh",
        timezone="Europe/Vienna",
        resolve_ambiguous_by_order=True,
    )

    assert parsed.prices == FALL_BACK_PRICES
    assert parsed.interval_minutes == 30


def test_order_resolution_refuses_a_file_out_of_order() -> None:
    text = (
        "timestamp,price\n"
        "2024-10-27 02:30,0.14\n"  # ambiguous: taken as its earlier instant, 00:30Z
        "2024-10-27 01:30,0.15\n"  # 23:30Z, before the row above
    )

    with pytest.raises(FeedError) as raised:
        parse_csv(text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True)

    assert raised.value.location == "line 3"
    assert raised.value.message == (
        "line 3 is not later than line 2, so the ambiguous local time on line 2 cannot be "
        "resolved by file order"
    )


def test_order_resolution_refuses_a_third_occurrence() -> None:
    text = "timestamp,price\n" + "2024-10-27 02:30,0.14\n" * 3

    with pytest.raises(FeedError) as raised:
        parse_csv(text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True)

    assert raised.value.location == "line 4"
    assert raised.value.message == (
        "local time 2024-10-27T02:30:00 is ambiguous in Europe/Vienna, and neither of its "
        "instants comes after line 3: resolving it by file order needs rows in strictly "
        "increasing time order"
    )


def test_order_resolution_follows_the_clock_back_without_the_first_pass_complete() -> None:
    # 02:45 summer time, then 02:00 winter time: the second row can only be the later 02:00.
    text = "timestamp,price\n2024-10-27 02:45,0.14\n2024-10-27 02:00,0.13\n"

    parsed = parse_csv(text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True)

    assert parsed.prices == [
        PricePoint(utc(2024, 10, 27, 0, 45), Decimal("0.14")),
        PricePoint(utc(2024, 10, 27, 1, 0), Decimal("0.13")),
    ]


def test_order_option_does_not_excuse_unordered_files_without_ambiguity() -> None:
    text = "timestamp,price\n2024-01-15 02:00,0.2\n2024-01-15 01:00,0.1\n"

    parsed = parse_csv(text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True)

    assert parsed.prices == [
        PricePoint(utc(2024, 1, 15, 0), Decimal("0.1")),
        PricePoint(utc(2024, 1, 15, 1), Decimal("0.2")),
    ]


def test_naive_timestamp_without_a_timezone_is_refused() -> None:
    with pytest.raises(FeedError) as raised:
        parse_csv("timestamp,price\n2024-01-15T00:00:00Z,1\n2024-01-15 01:00,1\n", unit="kwh")

    assert raised.value.location == "line 3"
    assert raised.value.message == (
        "'2024-01-15 01:00' has no UTC offset; pass timezone= to read it as local time"
    )


def test_duplicate_timestamp_names_both_lines() -> None:
    text = (
        "timestamp,price\n"
        "2024-01-15T00:00:00Z,1\n"
        "2024-01-15T01:00:00Z,2\n"
        "2024-01-15T02:00:00+01:00,3\n"
    )

    with pytest.raises(FeedError) as raised:
        parse_csv(text, unit="kwh")

    assert raised.value.location == "line 4"
    assert raised.value.message == "duplicate timestamp 2024-01-15T01:00:00Z (also on line 3)"


def test_missing_column_is_named() -> None:
    with pytest.raises(FeedError) as raised:
        parse_csv("time,cost\n2024-01-15T00:00:00Z,1\n", unit="kwh", timestamp_column="time")

    assert raised.value.location == "line 1"
    assert raised.value.message == "missing column 'price' (the header has 'time', 'cost')"


@pytest.mark.parametrize(
    ("text", "options", "location", "message"),
    [
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,\n",
            {},
            "line 2, column 'price'",
            "empty price",
            id="empty-price",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,abc\n",
            {},
            "line 2, column 'price'",
            "'abc' is not a number",
            id="non-numeric-price",
        ),
        pytest.param(
            "timestamp;price\n2024-01-15T00:00:00Z;0,25\n",
            {"delimiter": ";"},
            "line 2, column 'price'",
            "'0,25' is not a number; pass decimal_comma=True for numbers such as 0,25",
            id="decimal-comma-not-set",
        ),
        pytest.param(
            "timestamp;price\n2024-01-15T00:00:00Z;1.000,25\n",
            {"delimiter": ";", "decimal_comma": True},
            "line 2, column 'price'",
            "'1.000,25' contains '.', but numbers are read with a decimal comma (thousands "
            "separators are not supported)",
            id="thousands-separator",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,NaN\n",
            {},
            "line 2, column 'price'",
            "'NaN' is not a number",
            id="nan",
        ),
        pytest.param(
            "timestamp,price\n\n2024-01-15T00:00:00Z,1\n15.01.2024,1\n",
            {},
            "line 4",
            "'15.01.2024' is not an ISO 8601 timestamp",
            id="bad-timestamp-after-blank-line",
        ),
        pytest.param(
            "timestamp,price\n,1\n", {}, "line 2", "empty timestamp", id="empty-timestamp"
        ),
        pytest.param(
            "price,timestamp\n1\n",
            {},
            "line 2",
            "the row has 1 fields, so column 'timestamp' is missing",
            id="short-row",
        ),
        pytest.param("", {}, "line 1", "the file is empty; expected a header row", id="empty"),
        pytest.param(
            'timestamp,price\n2024-01-15T00:00:00Z,"1"2\n',
            {},
            "line 2",
            "malformed CSV: ',' expected after '\"'",
            id="bad-quoting",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,1\n",
            {"timezone": "Europe/Atlantis"},
            "timezone",
            "unknown time zone 'Europe/Atlantis'",
            id="unknown-zone",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,1\n",
            {"timezone": "Europe"},
            "timezone",
            "unknown time zone 'Europe'",
            id="zone-directory",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,1\n",
            {"unit": "gwh"},
            "unit",
            "unknown unit 'gwh' (expected kwh, mwh or ct_kwh)",
            id="unknown-unit",
        ),
        pytest.param(
            "timestamp,price\n2024-01-15T00:00:00Z,1\n",
            {"delimiter": ":"},
            "delimiter",
            "unsupported delimiter ':'",
            id="unknown-delimiter",
        ),
    ],
)
def test_malformed_csv_names_the_place(
    text: str, options: dict[str, object], location: str, message: str
) -> None:
    arguments: dict[str, object] = {"unit": "kwh", **options}

    with pytest.raises(FeedError) as raised:
        parse_csv(text, **arguments)  # type: ignore[arg-type]

    assert raised.value.location == location
    assert raised.value.message == message


def test_reads_a_stream_of_lines_lazily() -> None:
    stream = io.StringIO(
        "timestamp,price\n2024-01-15T00:00:00Z,1\nbroken,1\n2024-01-15T02:00:00Z,3\n"
    )
    consumed: list[str] = []

    def tracking() -> Iterator[str]:
        for line in stream:
            consumed.append(line)
            yield line

    with pytest.raises(FeedError) as raised:
        parse_csv(tracking(), unit="kwh")

    assert raised.value.location == "line 3"
    # The parser stopped at the bad line; the line after it was never read.
    assert consumed == ["timestamp,price\n", "2024-01-15T00:00:00Z,1\n", "broken,1\n"]


def test_bytes_in_another_encoding_and_byte_by_byte_chunks() -> None:
    text = "timestamp;Preis €/MWh\n2024-01-15T00:00:00Z;82,15\n"
    encoded = text.encode("cp1252")

    parsed = parse_csv(
        [encoded[index : index + 1] for index in range(len(encoded))],
        unit="mwh",
        price_column="Preis €/MWh",
        delimiter=";",
        decimal_comma=True,
        encoding="cp1252",
    )

    assert parsed.prices == [PricePoint(utc(2024, 1, 15), Decimal("0.08215"))]


def test_invalid_utf8_names_the_line() -> None:
    with pytest.raises(FeedError) as raised:
        parse_csv(b"timestamp,price\n2024-01-15T00:00:00Z,\xff1\n", unit="kwh")

    assert raised.value.location == "line 2"
    assert raised.value.message == "not valid utf-8: invalid start byte"


def test_last_line_without_newline_and_quoted_decimal_comma() -> None:
    parsed = parse_csv(
        'timestamp,price\n2024-01-15T00:00:00Z,"0,25"', unit="kwh", decimal_comma=True
    )

    assert parsed.prices == [PricePoint(utc(2024, 1, 15), Decimal("0.25"))]
