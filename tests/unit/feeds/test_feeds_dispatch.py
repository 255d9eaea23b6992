"""parse_feed: one entry point for every format."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from energy_contracts.feeds import (
    FeedError,
    Remedy,
    parse_awattar,
    parse_csv,
    parse_entsoe,
    parse_feed,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_each_format_reaches_its_parser() -> None:
    entsoe = (FIXTURES / "entsoe_a44_at_2024-01-15_pt60m_a01.xml").read_bytes()
    awattar = (FIXTURES / "awattar_at_marketdata.json").read_bytes()
    csv_text = (FIXTURES / "vienna_2024-10-27_naive.csv").read_text(encoding="utf-8")

    assert parse_feed("entsoe", entsoe) == parse_entsoe(entsoe)
    assert parse_feed("entsoe", entsoe, resolution="PT60M") == parse_entsoe(entsoe)
    assert parse_feed("awattar", awattar) == parse_awattar(awattar)
    assert parse_feed(
        "csv", csv_text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True
    ) == parse_csv(csv_text, unit="kwh", timezone="Europe/Vienna", resolve_ambiguous_by_order=True)


def test_unknown_format_is_named() -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed("nordpool", "")  # type: ignore[arg-type]

    assert raised.value.location == "format"
    assert raised.value.message == (
        "unknown feed format 'nordpool' (expected one of entsoe, awattar, csv)"
    )


def test_unknown_option_is_named_not_ignored() -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed("csv", "timestamp,price\n", unit="kwh", time_zone="Europe/Vienna")

    assert raised.value.location == "options"
    assert raised.value.message.startswith("the csv parser takes no option 'time_zone' (it takes ")


def test_options_are_refused_for_a_parser_that_takes_none() -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed("awattar", "{}", unit="mwh")

    assert raised.value.message == "the awattar parser takes no option 'unit' (it takes none)"


def test_missing_required_option_is_named() -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed("csv", "timestamp,price\n")

    assert raised.value.location == "options"
    assert raised.value.message == "the csv parser needs option 'unit'"


def test_feed_error_survives_pickling() -> None:
    error = FeedError(
        "'2024-01-15 01:00' has no UTC offset", "line 2", Remedy("timezone", "to read it as local")
    )

    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert (restored.message, restored.location, restored.remedy, str(restored)) == (
        error.message,
        error.location,
        error.remedy,
        "line 2: '2024-01-15 01:00' has no UTC offset; pass timezone= to read it as local",
    )


def test_a_remedy_is_spelled_by_the_caller() -> None:
    switch = FeedError(
        "'0,25' is not a number", "line 2", Remedy("decimal_comma", "for 0,25", True)
    )
    plain = FeedError("empty price", "line 3")

    def flag(remedy: Remedy) -> str:
        return "--" + remedy.option.replace("_", "-")

    assert switch.message == "'0,25' is not a number; pass decimal_comma=True for 0,25"
    assert switch.describe(flag) == "'0,25' is not a number; pass --decimal-comma for 0,25"
    assert plain.describe(flag) == plain.message == "empty price"
