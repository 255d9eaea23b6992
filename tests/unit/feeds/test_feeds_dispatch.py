"""parse_feed: one entry point for every format."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from energy_contracts.feeds import (
    FeedError,
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
    error = FeedError("position 25 is outside 1..24", "TimeSeries[1]/Period[1]/Point[5]")

    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert (restored.message, restored.location, str(restored)) == (
        error.message,
        error.location,
        "TimeSeries[1]/Period[1]/Point[5]: position 25 is outside 1..24",
    )
