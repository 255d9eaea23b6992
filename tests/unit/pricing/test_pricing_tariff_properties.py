"""Properties of tariffs and totals on random tariffs and curves, around clock changes.

The tariff's curve is checked against what the wall clock shows at each instant (evaluated
here, independently of the code under test); totals against their definition, stretch by
stretch; resampled breakdowns against minute-by-minute means.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from energy_contracts.pricing import (
    ComponentKind,
    Itemised,
    Segment,
    Surcharge,
    Tariff,
    TariffComponent,
    TariffWindow,
    resample,
    resample_itemised,
    tariff_curve,
    tariff_problems,
    tile,
    with_tariff,
)

ZONES = ["Europe/Vienna", "Europe/London", "America/New_York", "Asia/Kolkata"]
ZONES += ["Australia/Lord_Howe"]
# A few hours before a clock change of each zone, a leap day and a year's end.
BASES = [
    datetime(2024, 3, 30, 20, tzinfo=UTC),
    datetime(2024, 10, 26, 20, tzinfo=UTC),
    datetime(2024, 3, 10, 2, tzinfo=UTC),
    datetime(2024, 11, 3, 1, tzinfo=UTC),
    datetime(2024, 4, 6, 10, tzinfo=UTC),
    datetime(2024, 10, 5, 10, tzinfo=UTC),
    datetime(2024, 2, 28, 18, tzinfo=UTC),
    datetime(2024, 12, 31, 12, tzinfo=UTC),
]
MINUTE = timedelta(minutes=1)
KINDS = list(ComponentKind)

cents = st.integers(-3000, 3000).map(lambda units: Decimal(units) / 10**4)
quarter_hours = st.integers(0, 96).map(lambda quarter: 15 * quarter)


@st.composite
def windows(draw: st.DrawFn) -> TariffWindow:
    from_minute, to_minute = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2)))
    if from_minute == to_minute:
        to_minute = min(from_minute + 15, 1440) if from_minute < 1440 else 1440
        from_minute = to_minute - 15
    months = draw(st.one_of(st.none(), st.lists(st.integers(1, 12), min_size=1, max_size=4)))
    weekdays = draw(st.one_of(st.none(), st.lists(st.integers(1, 7), min_size=1, max_size=4)))
    return TariffWindow(
        draw(cents),
        from_minute,
        to_minute,
        None if months is None else tuple(months),
        None if weekdays is None else tuple(weekdays),
    )


@st.composite
def components(
    draw: st.DrawFn, name: str, valid_from: date | None, valid_to: date | None
) -> TariffComponent:
    kind = draw(st.sampled_from(KINDS))
    if draw(st.booleans()):
        return TariffComponent(name, kind, price=draw(cents), valid_from=valid_from,
                               valid_to=valid_to)  # fmt: skip
    return TariffComponent(
        name,
        kind,
        windows=tuple(draw(st.lists(windows(), min_size=1, max_size=3))),
        default_price=draw(st.one_of(st.none(), cents, cents)),
        valid_from=valid_from,
        valid_to=valid_to,
    )


@st.composite
def tariffs(draw: st.DrawFn, tz: ZoneInfo, base: datetime) -> Tariff:
    """Up to three names, each valid in turn over consecutive local days around ``base``."""
    around = base.astimezone(tz).date()
    parts: list[TariffComponent] = []
    for name in draw(st.lists(st.sampled_from(["grid", "levy", "meter"]), unique=True,
                              max_size=3)):  # fmt: skip
        cuts = sorted(
            set(draw(st.lists(st.integers(-2, 3), max_size=3)))
        )  # day offsets where the component changes
        bounds: list[date | None] = [None, *(around + timedelta(days=cut) for cut in cuts), None]
        for valid_from, valid_to in itertools.pairwise(bounds):
            if draw(st.integers(0, 3)):  # sometimes nothing of that name for a while
                parts.append(draw(components(name, valid_from, valid_to)))
    vat_percent = draw(st.sampled_from(["0", "10", "20", "19.5", "7.7", "100"]))
    return Tariff(tz, tuple(parts), Decimal(vat_percent), draw(st.booleans()))


@st.composite
def energy_curves(draw: st.DrawFn, base: datetime) -> list[Segment[str]]:
    """Minute-aligned energy prices with gaps, from two origins."""
    curve: list[Segment[str]] = []
    at = base - timedelta(hours=1)
    for _ in range(draw(st.integers(0, 12))):
        start = at + draw(st.sampled_from([0, 0, 0, 15, 45])) * MINUTE
        at = start + draw(st.sampled_from([15, 30, 60, 7, 90])) * MINUTE
        curve.append(Segment(start, at, draw(cents), draw(st.sampled_from(["b", "u"]))))
    return curve


@st.composite
def ranges(draw: st.DrawFn, base: datetime) -> tuple[datetime, datetime]:
    start = base + draw(st.integers(-60, 14 * 60)) * MINUTE
    return start, start + draw(st.integers(1, 30 * 60)) * MINUTE


zones = st.sampled_from(ZONES).map(ZoneInfo)


def surcharge_at(tariff: Tariff, instant: datetime) -> Surcharge | None:
    """What ``tariff`` adds at ``instant``, from the wall clock shown there."""
    wall = instant.astimezone(tariff.timezone)
    day, minute = wall.date(), wall.hour * 60 + wall.minute
    by_kind = dict.fromkeys(KINDS, Decimal(0))
    for component in tariff.components:
        if component.valid_from is not None and day < component.valid_from:
            continue
        if component.valid_to is not None and day >= component.valid_to:
            continue
        price = component.price
        if component.windows is not None:
            matching = [
                window.price
                for window in component.windows
                if window.from_minute <= minute < window.to_minute
                and (window.months is None or day.month in window.months)
                and (window.weekdays is None or day.isoweekday() in window.weekdays)
            ]
            price = matching[0] if matching else component.default_price
        if price is None:
            return None
        by_kind[component.kind] += price
    return Surcharge.of(by_kind[ComponentKind.GRID], by_kind[ComponentKind.LEVY],
                        by_kind[ComponentKind.OTHER])  # fmt: skip


def at(segments: list[Segment[object]], instant: datetime) -> Segment[object] | None:
    for segment in segments:
        if segment.start <= instant < segment.end:
            return segment
    return None


def minutes(start: datetime, end: datetime) -> list[datetime]:
    return [start + index * MINUTE for index in range((end - start) // MINUTE)]


def assert_tiles(segments: list[Segment[object]], start: datetime, end: datetime) -> None:
    """The segments tile ``[start, end)`` with maximal stretches."""
    assert segments[0].start == start
    assert segments[-1].end == end
    for previous, following in itertools.pairwise(segments):
        assert previous.end == following.start
        assert (previous.price, previous.origin) != (following.price, following.origin)
    assert all(segment.start < segment.end for segment in segments)
    assert all(segment.start.tzinfo is UTC and segment.end.tzinfo is UTC for segment in segments)


@settings(deadline=None, max_examples=150)
@given(tz=zones, base=st.sampled_from(BASES), data=st.data())
def test_the_tariff_curve_is_what_the_wall_clock_shows(
    tz: ZoneInfo, base: datetime, data: st.DataObject
) -> None:
    tariff = data.draw(tariffs(tz, base))
    start, end = data.draw(ranges(base))
    assert tariff_problems(tariff) == []

    stretches = tariff_curve(tariff, start, end)

    assert_tiles(stretches, start, end)  # type: ignore[arg-type]
    for stretch in stretches:
        assert stretch.price == (None if stretch.origin is None else stretch.origin.net)
    # Every minute of the range (all bounds lie on whole minutes).
    for instant in minutes(start, end):
        stretch = at(stretches, instant)  # type: ignore[arg-type]
        assert stretch is not None
        assert stretch.origin == surcharge_at(tariff, instant)


@settings(deadline=None, max_examples=150)
@given(tz=zones, base=st.sampled_from(BASES), data=st.data())
def test_total_is_energy_plus_components_plus_vat_everywhere(
    tz: ZoneInfo, base: datetime, data: st.DataObject
) -> None:
    tariff = data.draw(tariffs(tz, base))
    energy = data.draw(energy_curves(base))
    start, end = data.draw(ranges(base))

    totals = tile(with_tariff(energy, tariff_curve(tariff, start, end), tariff), start, end)

    assert_tiles(totals, start, end)  # type: ignore[arg-type]
    for stretch in totals:
        for instant in (stretch.start, stretch.end - timedelta(microseconds=1)):
            energy_there = at(energy, instant)  # type: ignore[arg-type]
            surcharge = surcharge_at(tariff, instant)
            if energy_there is None or surcharge is None:
                assert (stretch.price, stretch.origin) == (None, None)
                continue
            assert isinstance(stretch.origin, Itemised)
            parts = stretch.origin.breakdown
            assert parts is not None
            assert stretch.origin.origin == energy_there.origin
            assert (parts.energy, parts.grid, parts.levy, parts.other) == (
                energy_there.price,
                surcharge.grid,
                surcharge.levy,
                surcharge.other,
            )
            net = Fraction(parts.energy) + Fraction(surcharge.net)
            expected_vat = (
                0
                if net < 0 and not tariff.vat_on_negative
                else net * Fraction(tariff.vat_percent) / 100
            )
            assert Fraction(parts.vat) == expected_vat
            assert stretch.price == parts.energy + parts.grid + parts.levy + parts.other + parts.vat


@settings(deadline=None, max_examples=100)
@given(tz=zones, base=st.sampled_from(BASES), data=st.data())
def test_a_tariff_of_zeros_changes_no_price(
    tz: ZoneInfo, base: datetime, data: st.DataObject
) -> None:
    drawn = data.draw(tariffs(tz, base))
    zeros = Tariff(
        tz,
        tuple(
            TariffComponent(
                component.name,
                component.kind,
                price=None if component.price is None else Decimal(0),
                windows=None
                if component.windows is None
                else tuple(
                    TariffWindow(Decimal("0.000"), w.from_minute, w.to_minute, w.months, w.weekdays)
                    for w in component.windows
                ),
                default_price=None if component.windows is None else Decimal(0),
                valid_from=component.valid_from,
                valid_to=component.valid_to,
            )
            for component in drawn.components
        ),
        vat_percent=Decimal(0),
        vat_on_negative=drawn.vat_on_negative,
    )
    energy = data.draw(energy_curves(base))
    start, end = data.draw(ranges(base))

    totals = tile(with_tariff(energy, tariff_curve(zeros, start, end), zeros), start, end)
    plain = tile(energy, start, end)

    for instant in minutes(start, end):
        total, price = at(totals, instant), at(plain, instant)  # type: ignore[arg-type]
        assert total is not None
        assert price is not None
        assert total.price == price.price
        if total.price is not None:
            assert isinstance(total.origin, Itemised)
            assert total.origin.breakdown is not None
            assert total.origin.breakdown.energy == total.price
            assert total.origin.origin == price.origin


def documented_mean(values: list[Decimal]) -> Decimal:
    """One value stays as it is; a mix is its exact mean rounded half-even to 1e-10."""
    if all(value == values[0] for value in values):
        return values[0]
    exact = sum(map(Fraction, values), Fraction(0)) / len(values)
    return Decimal(round(exact * 10**10)).scaleb(-10)


@settings(deadline=None, max_examples=100)
@given(
    tz=zones,
    base=st.sampled_from(BASES),
    minutes_per_slot=st.sampled_from([15, 30, 60]),
    data=st.data(),
)
def test_resampled_breakdowns_are_the_means_of_their_parts(
    tz: ZoneInfo, base: datetime, minutes_per_slot: int, data: st.DataObject
) -> None:
    tariff = data.draw(tariffs(tz, base))
    energy = data.draw(energy_curves(base))
    start, end = data.draw(ranges(base))
    totals = with_tariff(energy, tariff_curve(tariff, start, end), tariff)

    slots = resample_itemised(totals, start, end, minutes_per_slot, tz)

    plain = [
        Segment(s.start, s.end, s.price, None if s.origin is None else s.origin.origin)
        for s in totals
    ]
    expected = resample(plain, start, end, minutes_per_slot, tz)
    assert [(s.start, s.end, s.price) for s in slots] == [
        (s.start, s.end, s.price) for s in expected
    ]
    assert [None if s.origin is None else s.origin.origin for s in slots] == [
        s.origin for s in expected
    ]
    for slot in slots:
        if slot.price is None:
            assert slot.origin is None
            continue
        assert slot.origin is not None
        breakdown = slot.origin.breakdown
        assert breakdown is not None
        covering = [at(totals, minute) for minute in minutes(slot.start, slot.end)]  # type: ignore[arg-type]
        for part in ("energy", "grid", "levy", "other", "vat"):
            values = [getattr(piece.origin.breakdown, part) for piece in covering if piece]
            assert getattr(breakdown, part) == documented_mean(values)
