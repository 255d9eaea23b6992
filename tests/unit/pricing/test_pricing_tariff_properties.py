"""Properties of totals with a tariff, over generated energy curves and tariffs:
every total is its energy price plus the components plus VAT; the intervals still tile the
range; a tariff that adds nothing (all components 0, VAT 0 %) changes no price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.pricing import (
    ComponentKind,
    ContractType,
    Segment,
    Tariff,
    TariffComponent,
    TariffWindow,
    build_curve_from_pairs,
    tariff_curve,
    tile,
    with_tariff,
)

ZONES = [ZoneInfo(name) for name in ("Europe/Vienna", "America/New_York", "Asia/Kolkata")]
# Days around both of Vienna's and New York's clock changes, and an ordinary one.
STARTS = [
    datetime(2025, 3, 29, 12, tzinfo=UTC),
    datetime(2025, 3, 8, 12, tzinfo=UTC),
    datetime(2025, 10, 25, 12, tzinfo=UTC),
    datetime(2025, 1, 15, 0, tzinfo=UTC),
]
QUARTER = timedelta(minutes=15)

prices = st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("0.9"), places=4, allow_nan=False)
quarter_minutes = st.integers(min_value=0, max_value=96).map(lambda q: q * 15)


@st.composite
def windows(draw: st.DrawFn) -> TariffWindow:
    first, second = sorted(draw(st.lists(quarter_minutes, min_size=2, max_size=2, unique=True)))
    months = draw(st.none() | st.lists(st.integers(1, 12), min_size=1, max_size=3))
    weekdays = draw(st.none() | st.lists(st.integers(1, 7), min_size=1, max_size=3))
    return TariffWindow(
        draw(prices),
        first,
        second,
        None if months is None else tuple(months),
        None if weekdays is None else tuple(weekdays),
    )


@st.composite
def components(draw: st.DrawFn, name: str) -> TariffComponent:
    kind = draw(st.sampled_from(list(ComponentKind)))
    if draw(st.booleans()):
        return TariffComponent(name, kind, price=draw(prices))
    return TariffComponent(
        name,
        kind,
        windows=tuple(draw(st.lists(windows(), min_size=1, max_size=3))),
        default_price=draw(st.none() | prices),
    )


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    parts = [draw(components(f"c{index}")) for index in range(draw(st.integers(0, 3)))]
    return Tariff(
        draw(st.sampled_from(ZONES)),
        tuple(parts),
        vat_percent=draw(st.sampled_from([Decimal(0), Decimal(10), Decimal("20"), Decimal("7.7")])),
        vat_on_negative=draw(st.booleans()),
    )


@st.composite
def energy(draw: st.DrawFn) -> tuple[datetime, datetime, list[tuple[datetime, Decimal]]]:
    start = draw(st.sampled_from(STARTS))
    count = draw(st.integers(1, 120))
    known = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    rows = [(start + QUARTER * i, draw(prices)) for i in range(count) if known[i]]
    end = start + QUARTER * draw(st.integers(count, count + 8))
    return start, end, rows


def spot_curve(rows: list[tuple[datetime, Decimal]], tz: ZoneInfo) -> list[Segment[str]]:
    return build_curve_from_pairs(
        rows, ContractType.SPOT_HOURLY, interval_minutes=15, tz=tz, origin="c"
    )


@settings(max_examples=150, deadline=None)
@given(energy(), tariffs())
def test_every_total_is_energy_plus_components_plus_vat(
    ranged: tuple[datetime, datetime, list[tuple[datetime, Decimal]]], tariff: Tariff
) -> None:
    start, end, rows = ranged
    totals = tile(
        with_tariff(spot_curve(rows, tariff.timezone), tariff_curve(tariff, start, end), tariff),
        start,
        end,
    )
    rate = tariff.vat_percent / 100
    for segment in totals:
        if segment.price is None:
            assert segment.origin is None
            continue
        assert segment.origin is not None
        assert segment.origin.breakdown is not None
        part = segment.origin.breakdown
        net = part.energy + part.grid + part.levy + part.other
        expected_vat = Decimal(0) if net < 0 and not tariff.vat_on_negative else net * rate
        assert part.vat == expected_vat
        assert segment.price == net + part.vat


@settings(max_examples=150, deadline=None)
@given(energy(), tariffs())
def test_totals_still_tile_the_range(
    ranged: tuple[datetime, datetime, list[tuple[datetime, Decimal]]], tariff: Tariff
) -> None:
    start, end, rows = ranged
    totals = tile(
        with_tariff(spot_curve(rows, tariff.timezone), tariff_curve(tariff, start, end), tariff),
        start,
        end,
    )
    assert totals[0].start == start
    assert totals[-1].end == end
    for earlier, later in pairwise(totals):
        assert earlier.end == later.start
        assert earlier.start < earlier.end
        # Maximal: equal neighbours are merged.
        assert (earlier.price, earlier.origin) != (later.price, later.origin)


@settings(max_examples=100, deadline=None)
@given(energy(), st.sampled_from(ZONES), st.booleans())
def test_a_tariff_that_adds_nothing_changes_no_price(
    ranged: tuple[datetime, datetime, list[tuple[datetime, Decimal]]],
    tz: ZoneInfo,
    vat_on_negative: bool,
) -> None:
    start, end, rows = ranged
    nothing = Tariff(
        tz,
        (
            TariffComponent("grid", ComponentKind.GRID, price=Decimal(0)),
            TariffComponent(
                "levy",
                ComponentKind.LEVY,
                windows=(TariffWindow(Decimal(0), 0, 6 * 60),),
                default_price=Decimal("0.000"),
            ),
        ),
        vat_percent=Decimal(0),
        vat_on_negative=vat_on_negative,
    )
    curve = spot_curve(rows, tz)
    with_nothing = tile(with_tariff(curve, tariff_curve(nothing, start, end), nothing), start, end)
    plain = tile(curve, start, end)
    assert [(s.start, s.end, s.price) for s in with_nothing] == [
        (s.start, s.end, s.price) for s in plain
    ]
