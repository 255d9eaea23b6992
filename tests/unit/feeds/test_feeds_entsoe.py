"""ENTSO-E A44 day-ahead price documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from energy_contracts.feeds import FeedError, PricePoint, parse_entsoe

FIXTURES = Path(__file__).parent / "fixtures"
DE_LU_QUARTER_HOURS = FIXTURES / "entsoe_a44_de_lu_2025-10-01_pt15m_a03.xml"
AT_HOURLY = FIXTURES / "entsoe_a44_at_2024-01-15_pt60m_a01.xml"
AT_SPRING_FORWARD = FIXTURES / "entsoe_a44_at_2024-03-31_dst_23h.xml"
AT_FALL_BACK = FIXTURES / "entsoe_a44_at_2024-10-27_dst_25h.xml"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def series(start: datetime, step_minutes: int, prices: list[str]) -> list[PricePoint]:
    step = timedelta(minutes=step_minutes)
    return [PricePoint(start + index * step, Decimal(price)) for index, price in enumerate(prices)]


def document(*time_series: str, root: str = "Publication_MarketDocument") -> str:
    return (
        f'<{root} xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">'
        "<type>A44</type>" + "".join(time_series) + f"</{root}>"
    )


def time_series(*periods: str, curve: str = "A01", currency: str = "EUR", unit: str = "MWH") -> str:
    return (
        f"<TimeSeries><currency_Unit.name>{currency}</currency_Unit.name>"
        f"<price_Measure_Unit.name>{unit}</price_Measure_Unit.name>"
        f"<curveType>{curve}</curveType>" + "".join(periods) + "</TimeSeries>"
    )


def period(start: str, end: str, resolution: str | None, points: dict[str, str]) -> str:
    resolution_xml = "" if resolution is None else f"<resolution>{resolution}</resolution>"
    return (
        f"<Period><timeInterval><start>{start}</start><end>{end}</end></timeInterval>"
        + resolution_xml
        + "".join(
            f"<Point><position>{position}</position><price.amount>{price}</price.amount></Point>"
            for position, price in points.items()
        )
        + "</Period>"
    )


# (first position, last position, EUR/kWh): the quarter hours of the DE-LU fixture. Positions
# 10-12, 14-16, 36, 54-56, 90-92 and 94-96 are left out of the document (curve type A03).
DE_LU_RUNS = [
    (1, 1, "0.10053"), (2, 2, "0.09845"), (3, 3, "0.09653"), (4, 4, "0.09504"),
    (5, 5, "0.08879"), (6, 6, "0.09083"), (7, 7, "0.09196"), (8, 8, "0.09423"),
    (9, 12, "0.08815"), (13, 16, "0.08602"), (17, 17, "0.09108"), (18, 18, "0.08900"),
    (19, 19, "0.08708"), (20, 20, "0.08559"), (21, 21, "0.09260"), (22, 22, "0.09464"),
    (23, 23, "0.09577"), (24, 24, "0.09804"), (25, 25, "0.11552"), (26, 26, "0.11344"),
    (27, 27, "0.11152"), (28, 28, "0.11003"), (29, 29, "0.13624"), (30, 30, "0.13828"),
    (31, 31, "0.13941"), (32, 32, "0.14168"), (33, 33, "0.12420"), (34, 34, "0.12212"),
    (35, 36, "0.12020"), (37, 37, "0.09711"), (38, 38, "0.09915"), (39, 39, "0.10028"),
    (40, 40, "0.10255"), (41, 41, "0.07731"), (42, 42, "0.07523"), (43, 43, "0.07331"),
    (44, 44, "0.07182"), (45, 45, "0.03884"), (46, 46, "0.04088"), (47, 47, "0.04201"),
    (48, 48, "0.04428"), (49, 49, "0.01592"), (50, 50, "0.01384"), (51, 51, "0.01192"),
    (52, 52, "0.01043"), (53, 56, "0.00000"), (57, 57, "-0.00189"), (58, 58, "-0.00397"),
    (59, 59, "-0.00589"), (60, 60, "-0.00738"), (61, 61, "0.01593"), (62, 62, "0.01797"),
    (63, 63, "0.01910"), (64, 64, "0.02137"), (65, 65, "0.07005"), (66, 66, "0.06797"),
    (67, 67, "0.06605"), (68, 68, "0.06456"), (69, 69, "0.10576"), (70, 70, "0.10780"),
    (71, 71, "0.10893"), (72, 72, "0.11120"), (73, 73, "0.15472"), (74, 74, "0.15264"),
    (75, 75, "0.15072"), (76, 76, "0.14923"), (77, 77, "0.16983"), (78, 78, "0.17187"),
    (79, 79, "0.17300"), (80, 80, "0.17527"), (81, 81, "0.14702"), (82, 82, "0.14494"),
    (83, 83, "0.14302"), (84, 84, "0.14153"), (85, 85, "0.11904"), (86, 86, "0.12108"),
    (87, 87, "0.12221"), (88, 88, "0.12448"), (89, 92, "0.10972"), (93, 96, "0.10118"),
]  # fmt: skip


def test_a03_quarter_hours_fill_left_out_positions_with_the_previous_price() -> None:
    parsed = parse_entsoe(DE_LU_QUARTER_HOURS.read_bytes())

    expected_prices = [price for first, last, price in DE_LU_RUNS for _ in range(first, last + 1)]
    assert parsed.currency == "EUR"
    assert parsed.interval_minutes == 15
    assert parsed.prices == series(utc(2025, 9, 30, 22, 0), 15, expected_prices)
    assert parsed.prices[-1] == PricePoint(utc(2025, 10, 1, 21, 45), Decimal("0.10118"))


def test_a03_fills_to_the_end_of_the_period() -> None:
    xml = document(
        time_series(
            period("2024-01-01T00:00Z", "2024-01-01T01:30Z", "PT15M", {"1": "10", "3": "-2.5"}),
            curve="A03",
        )
    )

    parsed = parse_entsoe(xml)

    assert parsed.prices == series(
        utc(2024, 1, 1, 0, 0), 15, ["0.010", "0.010", "-0.0025", "-0.0025", "-0.0025", "-0.0025"]
    )


def test_a01_hourly_document_of_an_older_namespace_version() -> None:
    parsed = parse_entsoe(AT_HOURLY.read_text(encoding="utf-8"))

    assert parsed.currency == "EUR"
    assert parsed.interval_minutes == 60
    assert parsed.prices == series(
        utc(2024, 1, 14, 23, 0),
        60,
        [
            "0.08643", "0.08215", "0.07990", "0.07802", "0.07955", "0.08561", "0.10137",
            "0.12388", "0.13102", "0.11846", "0.10473", "0.09910", "0.09527", "0.09684",
            "0.10259", "0.11503", "0.13247", "0.14992", "0.14136", "0.12580", "0.10944",
            "0.09997", "0.09421", "0.08870",
        ],
    )  # fmt: skip


def test_spring_forward_day_has_23_hourly_prices() -> None:
    parsed = parse_entsoe(AT_SPRING_FORWARD.read_bytes())

    assert parsed.prices == series(
        utc(2024, 3, 30, 23, 0),
        60,
        [
            "0.07012", "0.06648", "0.06103", "0.05877", "0.06019", "0.06340", "0.07188",
            "0.07925", "0.07206", "0.05431", "0.03192", "0.00845", "-0.00120", "-0.00387",
            "0.00214", "0.02466", "0.06830", "0.09751", "0.11208", "0.10477", "0.09243",
            "0.08516", "0.07790",
        ],
    )  # fmt: skip
    assert parsed.prices[-1].timestamp == utc(2024, 3, 31, 21, 0)


def test_fall_back_day_keeps_all_25_hourly_prices() -> None:
    parsed = parse_entsoe(AT_FALL_BACK.read_bytes())

    assert parsed.prices == series(
        utc(2024, 10, 26, 22, 0),
        60,
        [
            "0.08950", "0.08421", "0.08002", "0.07765", "0.07690", "0.07614", "0.07833",
            "0.08397", "0.09041", "0.09508", "0.08872", "0.08015", "0.07436", "0.07190",
            "0.07548", "0.08612", "0.10177", "0.12435", "0.13860", "0.13129", "0.11604",
            "0.10483", "0.09755", "0.09126", "0.08703",
        ],
    )  # fmt: skip
    assert parsed.prices[-1].timestamp == utc(2024, 10, 27, 22, 0)


def test_several_time_series_are_merged_in_time_order() -> None:
    day_two = period("2024-01-02T00:00Z", "2024-01-02T01:00Z", "PT30M", {"1": "3", "2": "4"})
    day_one = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT30M", {"1": "1", "2": "2"})

    parsed = parse_entsoe(document(time_series(day_two), time_series(day_one)))

    assert parsed.interval_minutes == 30
    assert [point.timestamp for point in parsed.prices] == [
        utc(2024, 1, 1, 0, 0),
        utc(2024, 1, 1, 0, 30),
        utc(2024, 1, 2, 0, 0),
        utc(2024, 1, 2, 0, 30),
    ]
    assert [point.price for point in parsed.prices] == [
        Decimal("0.001"),
        Decimal("0.002"),
        Decimal("0.003"),
        Decimal("0.004"),
    ]


def test_identical_duplicate_series_are_kept_once() -> None:
    hour = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "50"})

    parsed = parse_entsoe(document(time_series(hour), time_series(hour)))

    assert parsed.prices == [PricePoint(utc(2024, 1, 1, 0, 0), Decimal("0.050"))]


def test_conflicting_prices_for_one_instant_are_an_error() -> None:
    first = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "50"})
    second = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "51"})

    with pytest.raises(FeedError) as raised:
        parse_entsoe(document(time_series(first), time_series(second)))

    assert raised.value.location == "TimeSeries[2]/Period[1]/Point[1]"
    assert "conflicting prices for 2024-01-01T00:00:00Z" in raised.value.message
    assert "TimeSeries[1]/Period[1]/Point[1]" in raised.value.message


def test_parallel_resolutions_need_a_choice() -> None:
    hourly = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "50"})
    quarters = period(
        "2024-01-01T00:00Z",
        "2024-01-01T01:00Z",
        "PT15M",
        {"1": "48", "2": "49", "3": "51", "4": "52"},
    )
    xml = document(time_series(hourly), time_series(quarters))

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)
    assert "resolution=" in raised.value.message

    assert parse_entsoe(xml, resolution="PT60M").prices == [
        PricePoint(utc(2024, 1, 1, 0, 0), Decimal("0.050"))
    ]
    assert parse_entsoe(xml, resolution="PT15M").interval_minutes == 15


def test_kwh_prices_are_taken_as_they_are() -> None:
    hour = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT1H", {"1": "0.1234"})

    parsed = parse_entsoe(document(time_series(hour, unit="KWH")))

    assert parsed.prices == [PricePoint(utc(2024, 1, 1, 0, 0), Decimal("0.1234"))]
    assert parsed.interval_minutes == 60


def test_document_without_namespace_is_read_by_local_names() -> None:
    xml = (
        "<Publication_MarketDocument><TimeSeries>"
        "<currency_Unit.name>CHF</currency_Unit.name>"
        "<price_Measure_Unit.name>MWH</price_Measure_Unit.name>"
        + period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "99.9"})
        + "</TimeSeries></Publication_MarketDocument>"
    )

    parsed = parse_entsoe(xml)

    assert parsed.currency == "CHF"
    assert parsed.prices == [PricePoint(utc(2024, 1, 1, 0, 0), Decimal("0.0999"))]


def test_streamed_chunks_parse_like_the_whole_document() -> None:
    with AT_HOURLY.open("rb") as stream:
        streamed = parse_entsoe(stream)

    assert streamed == parse_entsoe(AT_HOURLY.read_bytes())


def _break(path: Path, old: str, new: str, count: int = 1) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, count)


@pytest.mark.parametrize(
    ("xml", "location", "message"),
    [
        pytest.param(
            _break(AT_HOURLY, "Publication_MarketDocument", "GL_MarketDocument", 2),
            "GL_MarketDocument",
            "expected root element Publication_MarketDocument, found GL_MarketDocument",
            id="wrong-root",
        ),
        pytest.param(
            _break(AT_HOURLY, "<resolution>PT60M</resolution>", ""),
            "TimeSeries[1]/Period[1]",
            "missing resolution",
            id="missing-resolution",
        ),
        pytest.param(
            _break(AT_HOURLY, "<resolution>PT60M</resolution>", "<resolution>PT5M</resolution>"),
            "TimeSeries[1]/Period[1]/resolution",
            "unsupported resolution PT5M (supported: PT15M, PT30M, PT60M)",
            id="unsupported-resolution",
        ),
        pytest.param(
            _break(AT_HOURLY, "<position>5</position>", "<position>25</position>"),
            "TimeSeries[1]/Period[1]/Point[5]",
            "position 25 is outside 1..24",
            id="position-above-slot-count",
        ),
        pytest.param(
            _break(AT_HOURLY, "<position>1</position>", "<position>0</position>"),
            "TimeSeries[1]/Period[1]/Point[1]",
            "position 0 is outside 1..24",
            id="position-zero",
        ),
        pytest.param(
            _break(AT_HOURLY, "<position>7</position>", "<position>6</position>"),
            "TimeSeries[1]/Period[1]/Point[7]",
            "duplicate position 6 (also at TimeSeries[1]/Period[1]/Point[6])",
            id="duplicate-position",
        ),
        pytest.param(
            _break(
                AT_HOURLY, "<price.amount>79.55</price.amount>", "<price.amount>n/a</price.amount>"
            ),
            "TimeSeries[1]/Period[1]/Point[5]",
            "price.amount 'n/a' is not a number (line 49)",
            id="non-numeric-price",
        ),
        pytest.param(
            _break(
                AT_HOURLY, "<price.amount>79.55</price.amount>", "<price.amount>NaN</price.amount>"
            ),
            "TimeSeries[1]/Period[1]/Point[5]",
            "price.amount 'NaN' is not a number (line 49)",
            id="nan-price",
        ),
        pytest.param(
            _break(
                AT_HOURLY,
                "<timeInterval>\n        <start>2024-01-14T23:00Z</start>\n"
                "        <end>2024-01-15T23:00Z</end>\n      </timeInterval>",
                "",
            ),
            "TimeSeries[1]/Period[1]",
            "missing timeInterval",
            id="missing-time-interval",
        ),
        pytest.param(
            _break(
                AT_HOURLY,
                "<end>2024-01-15T23:00Z</end>\n      </timeInterval>",
                "<end>2024-01-15T22:30Z</end>\n      </timeInterval>",
            ),
            "TimeSeries[1]/Period[1]/timeInterval",
            "timeInterval of 23:30:00 is not a whole number of 60-minute slots",
            id="interval-not-a-multiple",
        ),
        pytest.param(
            _break(AT_HOURLY, ">MWH<", ">MAW<"),
            "TimeSeries[1]/price_Measure_Unit.name",
            "unsupported price unit 'MAW' (expected MWH or KWH)",
            id="unsupported-unit",
        ),
        pytest.param(
            _break(AT_HOURLY, "<type>A44</type>", "<type>A25</type>"),
            "type",
            "document type 'A25' is not A44 (day-ahead prices)",
            id="other-document-type",
        ),
        pytest.param(
            _break(AT_HOURLY, "<curveType>A01</curveType>", "<curveType>A02</curveType>"),
            "TimeSeries[1]/curveType",
            "unsupported curveType 'A02' (expected A01 or A03)",
            id="unsupported-curve-type",
        ),
        pytest.param(
            _break(AT_HOURLY, "</price.amount>\n      </Point>\n    </Period>", "</price.amount>"),
            "line 126, column 5",
            "invalid XML: mismatched tag",
            id="invalid-xml",
        ),
    ],
)
def test_malformed_document_names_the_place(xml: str, location: str, message: str) -> None:
    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.location == location
    assert raised.value.message == message
    assert str(raised.value) == f"{location}: {message}"


def test_a01_with_a_left_out_position_is_an_error() -> None:
    xml = document(
        time_series(
            period(
                "2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT15M", {"1": "1", "2": "2", "4": "4"}
            )
        )
    )

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.location == "TimeSeries[1]/Period[1]"
    assert raised.value.message == (
        "curveType A01 lists every position, but position 3 is missing (of 1..4)"
    )


def test_a03_without_its_first_position_is_an_error() -> None:
    xml = document(
        time_series(
            period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT15M", {"2": "2"}), curve="A03"
        )
    )

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.location == "TimeSeries[1]/Period[1]"


def test_currency_mismatch_across_series_is_an_error() -> None:
    hour = period("2024-01-01T00:00Z", "2024-01-01T01:00Z", "PT60M", {"1": "50"})
    next_hour = period("2024-01-01T01:00Z", "2024-01-01T02:00Z", "PT60M", {"1": "50"})

    with pytest.raises(FeedError) as raised:
        parse_entsoe(document(time_series(hour), time_series(next_hour, currency="PLN")))

    assert raised.value.location == "TimeSeries[2]/currency_Unit.name"
    assert raised.value.message == "currency PLN differs from EUR at TimeSeries[1]"


def test_acknowledgement_document_reports_its_reason() -> None:
    xml = (
        '<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:'
        'acknowledgementdocument:7:0"><mRID>x</mRID><Reason><code>999</code>'
        "<text>No matching data found for Data item Day-ahead Prices</text></Reason>"
        "</Acknowledgement_MarketDocument>"
    )

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.location == "Acknowledgement_MarketDocument"
    assert raised.value.message == (
        "the platform sent an acknowledgement instead of prices: "
        "No matching data found for Data item Day-ahead Prices"
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Publication_MarketDocument [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Publication_MarketDocument><type>&lol9;</type></Publication_MarketDocument>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Publication_MarketDocument [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Publication_MarketDocument><type>&secret;</type></Publication_MarketDocument>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE Publication_MarketDocument SYSTEM "http://127.0.0.1:9/a44.dtd">
<Publication_MarketDocument><type>A44</type></Publication_MarketDocument>
"""


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(EXTERNAL_DTD, id="external-dtd"),
        pytest.param(EXTERNAL_ENTITY.encode(), id="external-entity-bytes"),
        pytest.param(BILLION_LAUGHS.splitlines(keepends=True), id="billion-laughs-lines"),
    ],
)
def test_document_type_declarations_are_refused_before_any_entity(xml: str) -> None:
    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.message == (
        "invalid XML: a DOCTYPE declaration is not allowed (entities are never expanded or fetched)"
    )
    assert raised.value.location == "line 2"


def test_an_undeclared_entity_is_invalid_xml() -> None:
    xml = "<Publication_MarketDocument>&lol;</Publication_MarketDocument>"

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.message == "invalid XML: undefined entity"
    assert raised.value.location == "line 1, column 29"


def test_a_period_expanding_beyond_max_slots_is_refused() -> None:
    xml = document(
        time_series(
            period("2000-01-01T00:00Z", "2030-01-01T00:00Z", "PT15M", {"1": "1"}), curve="A03"
        )
    )

    with pytest.raises(FeedError) as raised:
        parse_entsoe(xml)

    assert raised.value.location == "TimeSeries[1]/Period[1]"
    assert "max_slots" in raised.value.message


@pytest.mark.parametrize("source", [b"", "", []], ids=["bytes", "text", "no-chunks"])
def test_empty_input_is_invalid_xml(source: bytes | str | list[bytes]) -> None:
    with pytest.raises(FeedError) as raised:
        parse_entsoe(source)

    assert raised.value.message == "invalid XML: no element found"
    assert raised.value.location == "line 1, column 1"
