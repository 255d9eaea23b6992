"""Tariffs on hand-computed cases: wall-clock windows on 23-, 24- and 25-hour days, validity,
VAT, totals and their breakdown, the cheapest window on totals, the standing charge, and the
rules a tariff's types cannot express."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from energy_contracts.pricing import (
    Breakdown,
    ComponentKind,
    Consumption,
    Itemised,
    Level,
    PricingInputError,
    Segment,
    StandingCharge,
    Surcharge,
    Tariff,
    TariffComponent,
    TariffWindow,
    cheapest_window,
    check_tariff,
    cost,
    levels,
    local_day_bounds,
    resample_itemised,
    standing_charge,
    tariff_curve,
    tariff_problems,
    tile,
    wall_clock_minute,
    with_tariff,
    without_tariff,
)

VIENNA = ZoneInfo("Europe/Vienna")
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)
GRID, LEVY, OTHER = ComponentKind.GRID, ComponentKind.LEVY, ComponentKind.OTHER


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def night_tariff(**tariff: object) -> Tariff:
    """Vienna: a night rate 00:00–06:00, a default rate otherwise, and a flat levy."""
    return Tariff(
        VIENNA,
        (
            TariffComponent(
                "grid energy",
                GRID,
                windows=(TariffWindow(Decimal("0.02"), 0, 6 * 60),),
                default_price=Decimal("0.07"),
            ),
            TariffComponent("electricity levy", LEVY, price=Decimal("0.015")),
        ),
        **tariff,  # type: ignore[arg-type]
    )


def surcharge(grid: str, levy: str = "0.015", other: str = "0") -> Surcharge:
    return Surcharge.of(Decimal(grid), Decimal(levy), Decimal(other))


# Night: 0.02 + 0.015 = 0.035; day: 0.07 + 0.015 = 0.085.
NIGHT, DAY = surcharge("0.02"), surcharge("0.07")


@pytest.mark.parametrize(
    ("day", "night_ends", "night_hours", "day_hours"),
    [
        # CET all day: 00:00 = 23:00Z the day before, 06:00 = 05:00Z.
        (date(2025, 1, 15), utc(2025, 1, 15, 5), 6, 18),
        # 02:00 CET jumps to 03:00 CEST: 00:00 = 23:00Z, 06:00 CEST = 04:00Z, five hours.
        (date(2025, 3, 30), utc(2025, 3, 30, 4), 5, 18),
        # 03:00 CEST falls back to 02:00 CET: 00:00 CEST = 22:00Z, 06:00 CET = 05:00Z, seven
        # hours, as the clock shows 02:00–03:00 twice and both passes are at night.
        (date(2025, 10, 26), utc(2025, 10, 26, 5), 7, 18),
    ],
)
def test_a_night_window_follows_the_wall_clock_on_23_24_and_25_hour_days(
    day: date, night_ends: datetime, night_hours: int, day_hours: int
) -> None:
    start, end = local_day_bounds(day, VIENNA)

    stretches = tariff_curve(night_tariff(), start, end)

    assert stretches == [
        Segment(start, night_ends, Decimal("0.035"), NIGHT),
        Segment(night_ends, end, Decimal("0.085"), DAY),
    ]
    assert night_ends - start == night_hours * HOUR
    assert end - night_ends == day_hours * HOUR


def test_a_window_boundary_inside_the_repeated_hour_counts_each_pass() -> None:
    # Night until 02:30. On 2025-10-26 the clock shows 02:00–02:30 at 00:00Z (CEST) and
    # again at 01:00Z (CET): both are night; 02:30–03:00 (00:30Z and 01:30Z) both day.
    tariff = Tariff(
        VIENNA,
        (
            TariffComponent(
                "grid",
                GRID,
                windows=(TariffWindow(Decimal("0.02"), 0, 150),),
                default_price=Decimal("0.07"),
            ),
        ),
    )
    start, end = local_day_bounds(date(2025, 10, 26), VIENNA)

    stretches = tariff_curve(tariff, start, end)

    night, day = surcharge("0.02", "0"), surcharge("0.07", "0")
    assert stretches == [
        Segment(start, utc(2025, 10, 26, 0, 30), Decimal("0.02"), night),
        Segment(utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1), Decimal("0.07"), day),
        Segment(utc(2025, 10, 26, 1), utc(2025, 10, 26, 1, 30), Decimal("0.02"), night),
        Segment(utc(2025, 10, 26, 1, 30), end, Decimal("0.07"), day),
    ]


def test_months_weekdays_and_the_first_matching_window() -> None:
    # A winter peak on weekdays 17:00–20:00 before an all-year evening window 17:00–22:00:
    # Wednesday 2025-01-15 takes the peak first, Saturday 2025-01-18 and July the evening.
    tariff = Tariff(
        VIENNA,
        (
            TariffComponent(
                "grid",
                GRID,
                windows=(
                    TariffWindow(Decimal("0.11"), 17 * 60, 20 * 60, (1, 2, 12), (1, 2, 3, 4, 5)),
                    TariffWindow(Decimal("0.09"), 17 * 60, 22 * 60),
                ),
                default_price=Decimal("0.07"),
            ),
        ),
    )
    peak, evening, day = surcharge("0.11", "0"), surcharge("0.09", "0"), surcharge("0.07", "0")

    def shape(local_day: date) -> list[tuple[int, Surcharge | None]]:
        start, end = local_day_bounds(local_day, VIENNA)
        return [
            (segment.end.astimezone(VIENNA).hour, segment.origin)
            for segment in tariff_curve(tariff, start, end)
        ]

    assert shape(date(2025, 1, 15)) == [(17, day), (20, peak), (22, evening), (0, day)]
    assert shape(date(2025, 1, 18)) == [(17, day), (22, evening), (0, day)]
    assert shape(date(2025, 7, 16)) == [(17, day), (22, evening), (0, day)]


def test_without_a_default_the_tariff_is_unknown_where_no_window_matches() -> None:
    tariff = Tariff(
        VIENNA,
        (TariffComponent("grid", GRID, windows=(TariffWindow(Decimal("0.02"), 0, 6 * 60),)),),
    )
    start, end = local_day_bounds(date(2025, 1, 15), VIENNA)

    stretches = tariff_curve(tariff, start, end)

    assert stretches == [
        Segment(start, utc(2025, 1, 15, 5), Decimal("0.02"), surcharge("0.02", "0")),
        Segment(utc(2025, 1, 15, 5), end, None, None),
    ]


def test_validity_ends_and_begins_at_local_midnight() -> None:
    # The 2024 levy ends with 2024-12-31 (valid_to 2025-01-01 is exclusive), the 2025 levy
    # begins on 2025-01-01: local midnight, 23:00Z. A component outside its validity adds 0.
    tariff = Tariff(
        VIENNA,
        (
            TariffComponent("levy", LEVY, price=Decimal("0.01"), valid_to=date(2025, 1, 1)),
            TariffComponent("levy", LEVY, price=Decimal("0.03"), valid_from=date(2025, 1, 1)),
            TariffComponent("meter", OTHER, price=Decimal("0.002"), valid_from=date(2025, 1, 2)),
        ),
    )

    stretches = tariff_curve(tariff, utc(2024, 12, 31, 20), utc(2025, 1, 2, 2))

    assert stretches == [
        Segment(utc(2024, 12, 31, 20), utc(2024, 12, 31, 23), Decimal("0.01"),
                surcharge("0", "0.01")),
        Segment(utc(2024, 12, 31, 23), utc(2025, 1, 1, 23), Decimal("0.03"),
                surcharge("0", "0.03")),
        # 0.03 + 0.002 = 0.032
        Segment(utc(2025, 1, 1, 23), utc(2025, 1, 2, 2), Decimal("0.032"),
                surcharge("0", "0.03", "0.002")),
    ]  # fmt: skip


def test_totals_add_the_components_and_vat_to_the_energy_price() -> None:
    # 20 % VAT. At night: net = 0.10 + 0.02 + 0.015 = 0.135, VAT 0.027, total 0.162; by day:
    # net = 0.10 + 0.085 = 0.185, VAT 0.037, total 0.222.
    tariff = night_tariff(vat_percent=Decimal(20))
    start = utc(2025, 1, 15, 4)  # 05:00 local
    energy = [Segment(start, start + 2 * HOUR, Decimal("0.10"), "c1")]
    stretches = tariff_curve(tariff, start, start + 2 * HOUR)

    totals = with_tariff(energy, stretches, tariff)

    night = Breakdown(
        Decimal("0.10"), Decimal("0.02"), Decimal("0.015"), Decimal(0), Decimal("0.027")
    )
    day = Breakdown(
        Decimal("0.10"), Decimal("0.07"), Decimal("0.015"), Decimal(0), Decimal("0.037")
    )
    assert totals == [
        Segment(start, start + HOUR, Decimal("0.162"), Itemised("c1", night)),
        Segment(start + HOUR, start + 2 * HOUR, Decimal("0.222"), Itemised("c1", day)),
    ]  # fmt: skip
    # Computed parts come without trailing zeros: 0.135 × 0.2 is 0.0270 to Decimal.
    assert [str(segment.price) for segment in totals] == ["0.162", "0.222"]


@pytest.mark.parametrize(
    ("vat_on_negative", "vat", "total"),
    [
        # net = -0.30 + 0.085 = -0.215; VAT 20 % of it is -0.043, total -0.258.
        (True, "-0.043", "-0.258"),
        # No VAT on a negative net price: the total is the net price.
        (False, "0", "-0.215"),
    ],
)
def test_vat_on_a_negative_net_price_both_ways(vat_on_negative: bool, vat: str, total: str) -> None:
    tariff = night_tariff(vat_percent=Decimal(20), vat_on_negative=vat_on_negative)
    start = utc(2025, 1, 15, 11)  # noon local: the day rate
    energy = [Segment(start, start + HOUR, Decimal("-0.30"), "c1")]

    (segment,) = with_tariff(energy, tariff_curve(tariff, start, start + HOUR), tariff)

    assert segment.price == Decimal(total)
    assert segment.origin.breakdown == Breakdown(
        Decimal("-0.30"), Decimal("0.07"), Decimal("0.015"), Decimal(0), Decimal(vat)
    )


def test_unknown_energy_or_tariff_leaves_the_total_unknown() -> None:
    tariff = Tariff(
        VIENNA,
        (TariffComponent("grid", GRID, windows=(TariffWindow(Decimal("0.02"), 0, 6 * 60),)),),
    )
    start = utc(2025, 1, 15, 3)  # 04:00 local
    # Energy known 04:00–05:00 and 06:00–08:00; the tariff only until 06:00.
    energy = [
        Segment(start, start + HOUR, Decimal("0.1"), "c1"),
        Segment(start + 2 * HOUR, start + 4 * HOUR, Decimal("0.1"), "c1"),
    ]

    totals = with_tariff(energy, tariff_curve(tariff, start, start + 4 * HOUR), tariff)

    breakdown = Breakdown(Decimal("0.1"), Decimal("0.02"), Decimal(0), Decimal(0), Decimal(0))
    assert tile(totals, start, start + 4 * HOUR) == [
        Segment(start, start + HOUR, Decimal("0.12"), Itemised("c1", breakdown)),
        Segment(start + HOUR, start + 4 * HOUR, None, None),
    ]


def test_tiling_cuts_where_a_part_changes_though_the_total_does_not() -> None:
    # 05:00–07:00 local: energy 0.10 then 0.05 from 06:00, when the grid rises by 0.05
    # (0.02 → 0.07): the total stays 0.135, the breakdown does not.
    tariff = night_tariff()
    start = utc(2025, 1, 15, 4)
    energy = [
        Segment(start, start + HOUR, Decimal("0.10"), "c1"),
        Segment(start + HOUR, start + 2 * HOUR, Decimal("0.05"), "c1"),
    ]

    tiled = tile(with_tariff(energy, tariff_curve(tariff, start, start + 2 * HOUR), tariff),
                 start, start + 2 * HOUR)  # fmt: skip

    assert [(segment.end, segment.price) for segment in tiled] == [
        (start + HOUR, Decimal("0.135")),
        (start + 2 * HOUR, Decimal("0.135")),
    ]


def test_a_grid_peak_moves_the_cheapest_window_away_from_the_cheapest_wholesale_hour() -> None:
    # Wholesale prices 16:00–20:00 local: 0.12, 0.05, 0.08, 0.10. Without a tariff the
    # cheapest hour is 17:00 (0.05). The grid peak of 0.11 from 17:00 to 19:00 makes it
    # 0.05 + 0.11 = 0.16 and 18:00 0.19; 16:00 costs 0.12 + 0.02 = 0.14, 19:00 costs
    # 0.10 + 0.02 = 0.12: the cheapest hour is now 19:00.
    tariff = Tariff(
        VIENNA,
        (
            TariffComponent(
                "grid",
                GRID,
                windows=(TariffWindow(Decimal("0.11"), 17 * 60, 19 * 60),),
                default_price=Decimal("0.02"),
            ),
        ),
    )
    start = utc(2025, 1, 15, 15)  # 16:00 local
    energy = [
        Segment(start + index * HOUR, start + (index + 1) * HOUR, Decimal(price), "c1")
        for index, price in enumerate(["0.12", "0.05", "0.08", "0.10"])
    ]
    end = start + 4 * HOUR

    wholesale = cheapest_window(energy, start, end, 60)
    totals = with_tariff(energy, tariff_curve(tariff, start, end), tariff)
    all_in = cheapest_window(totals, start, end, 60)

    assert wholesale is not None
    assert all_in is not None
    assert (wholesale.start, wholesale.average_price) == (start + HOUR, Decimal("0.05"))
    assert (all_in.start, all_in.average_price) == (start + 3 * HOUR, Decimal("0.12"))
    assert [slot.origin for slot in all_in.slots] == [
        Itemised("c1", Breakdown(Decimal("0.10"), Decimal("0.02"), Decimal(0), Decimal(0),
                                 Decimal(0)))
    ]  # fmt: skip
    # Levels rank the totals 0.14, 0.16, 0.19, 0.12: median 0.15, scale = spread 0.07 (above
    # 0.2 × mean 0.1525); r = -0.14, 0.14, 0.57, -0.43.
    assert levels([segment.price for segment in totals]) == [
        Level.CHEAP,
        Level.EXPENSIVE,
        Level.VERY_EXPENSIVE,
        Level.VERY_CHEAP,
    ]


def test_cost_prices_energy_at_the_total() -> None:
    # 2 kWh over 05:30–06:30 local: 1 kWh at night (0.10 + 0.035 = 0.135), 1 kWh by day
    # (0.10 + 0.085 = 0.185): 0.32.
    tariff = night_tariff()
    start = utc(2025, 1, 15, 4)
    energy = [Segment(start, start + 2 * HOUR, Decimal("0.10"), "c1")]
    totals = with_tariff(energy, tariff_curve(tariff, start, start + 2 * HOUR), tariff)

    result = cost(totals, [Consumption(start + HOUR / 2, start + 3 * HOUR / 2, Decimal(2))])

    assert result.total_cost == Decimal("0.32")
    assert [piece.cost for piece in result.breakdown] == [Decimal("0.135"), Decimal("0.185")]


def test_resampled_parts_are_time_weighted_means() -> None:
    # 05:00–07:00 local, hourly slots; energy 0.10, then 0.20 from 05:30. The 05:00 slot:
    # energy (0.10 + 0.20) / 2 = 0.15, grid 0.02, levy 0.015, VAT (0.027 + 0.047) / 2 = 0.037
    # at 20 %, price (0.162 + 0.282) / 2 = 0.222. The 06:00 slot lies in one stretch.
    tariff = night_tariff(vat_percent=Decimal(20))
    start = utc(2025, 1, 15, 4)
    energy = [
        Segment(start, start + HOUR / 2, Decimal("0.10"), "c1"),
        Segment(start + HOUR / 2, start + 2 * HOUR, Decimal("0.20"), "c1"),
    ]
    totals = with_tariff(energy, tariff_curve(tariff, start, start + 2 * HOUR), tariff)

    slots = resample_itemised(totals, start, start + 2 * HOUR, 60, VIENNA)

    assert slots == [
        Segment(start, start + HOUR, Decimal("0.222"), Itemised("c1", Breakdown(
            Decimal("0.15"), Decimal("0.02"), Decimal("0.015"), Decimal(0), Decimal("0.037")))),
        # 0.20 + 0.085 = 0.285; VAT 0.057; total 0.342.
        Segment(start + HOUR, start + 2 * HOUR, Decimal("0.342"), Itemised("c1", Breakdown(
            Decimal("0.20"), Decimal("0.07"), Decimal("0.015"), Decimal(0), Decimal("0.057")))),
    ]  # fmt: skip


def test_a_slot_partly_without_a_breakdown_has_none() -> None:
    # A building contract with a tariff until 05:30, the user-level one without after.
    tariff = night_tariff()
    start = utc(2025, 1, 15, 4)
    with_one = with_tariff(
        [Segment(start, start + HOUR / 2, Decimal("0.10"), "building")],
        tariff_curve(tariff, start, start + HOUR),
        tariff,
    )
    without = without_tariff([Segment(start + HOUR / 2, start + HOUR, Decimal("0.25"), "user")])

    (slot,) = resample_itemised([*with_one, *without], start, start + HOUR, 60, VIENNA)

    # (0.135 + 0.25) / 2 = 0.1925; a tie of origins goes to the first.
    assert slot == Segment(start, start + HOUR, Decimal("0.1925"), Itemised("building", None))


@pytest.mark.parametrize(
    ("day", "span", "days", "net", "vat", "total"),
    [
        # A whole 23-hour day is one day: 0.41 net, 20 % VAT 0.082.
        (date(2025, 3, 30), 23 * HOUR, "1", "0.41", "0.082", "0.492"),
        # Half of a 24-hour day: 0.205 net, VAT 0.041.
        (date(2025, 1, 15), 12 * HOUR, "0.5", "0.205", "0.041", "0.246"),
        # 12 hours of the 25-hour day: 12/25 = 0.48 day; 0.1968 net, VAT 0.03936.
        (date(2025, 10, 26), 12 * HOUR, "0.48", "0.1968", "0.03936", "0.23616"),
        # One hour of a 23-hour day: 1/23 day = 0.0434782608|69…, rounded to ten places;
        # net 0.41/23 = 0.0178260869|56… → 0.017826087; VAT on that: 0.0035652174.
        (date(2025, 3, 30), HOUR, "0.0434782609", "0.017826087", "0.0035652174",
         "0.0213913044"),
    ],
)  # fmt: skip
def test_standing_charge_counts_the_covered_share_of_each_local_day(
    day: date, span: timedelta, days: str, net: str, vat: str, total: str
) -> None:
    tariff = night_tariff(vat_percent=Decimal(20), standing_charge_per_day=Decimal("0.41"))
    start, _ = local_day_bounds(day, VIENNA)
    # Quarter hours, with a gap between the first and the last: the span counts whole.
    used = [
        Consumption(start, start + QUARTER, Decimal("0.2")),
        Consumption(start + span - QUARTER, start + span, Decimal("0.3")),
    ]

    charge = standing_charge(tariff, used)

    assert charge == StandingCharge(
        Decimal("0.41"), Decimal(days), Decimal(net), Decimal(vat), Decimal(total)
    )


def test_standing_charge_over_two_days_and_none_without_consumption() -> None:
    # 18:00 on 2025-03-29 (24 h) to 06:00 on 2025-03-30 (23 h): 6/24 + 5/23 of a day
    # = 0.25 + 0.2173913043|47… = 0.4673913043; net 0.41 × 0.467391304347… = 0.1916304348.
    tariff = night_tariff(standing_charge_per_day=Decimal("0.41"))
    used = [Consumption(utc(2025, 3, 29, 17), utc(2025, 3, 30, 4), Decimal(1))]

    assert standing_charge(tariff, used) == StandingCharge(
        Decimal("0.41"),
        Decimal("0.4673913043"),
        Decimal("0.1916304348"),
        Decimal(0),
        Decimal("0.1916304348"),
    )
    assert standing_charge(tariff, []) == StandingCharge(
        Decimal("0.41"), Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    )


VALID_WINDOW = TariffWindow(Decimal("0.02"), 0, 6 * 60)
VALID_GRID = TariffComponent("grid", GRID, windows=(VALID_WINDOW,), default_price=Decimal("0.07"))


def with_grid(component: TariffComponent = VALID_GRID, **tariff: Decimal) -> Tariff:
    return Tariff(VIENNA, (component,), **tariff)  # type: ignore[arg-type]


def with_window(**window: object) -> Tariff:
    return with_grid(replace(VALID_GRID, windows=(replace(VALID_WINDOW, **window),)))


def test_a_valid_tariff_has_no_problems() -> None:
    assert tariff_problems(with_grid()) == []
    check_tariff(with_grid())


@pytest.mark.parametrize(
    ("tariff", "parameter", "message"),
    [
        (with_grid(replace(VALID_GRID, price=Decimal("0.1"))), "components[0]",
         "has both a price and windows: give one of them"),
        (with_grid(replace(VALID_GRID, windows=None, default_price=None)), "components[0]",
         "needs a price or windows"),
        (with_grid(replace(VALID_GRID, windows=None, price=Decimal("0.1"))),
         "components[0].default_price", "only goes with windows"),
        (with_grid(replace(VALID_GRID, windows=())), "components[0].windows",
         "must hold at least one window"),
        (with_grid(replace(VALID_GRID, valid_from=date(2025, 1, 1), valid_to=date(2025, 1, 1))),
         "components[0].valid_to", "must be after valid_from (valid_to is exclusive)"),
        (with_window(from_minute=360), "components[0].windows[0].to",
         "must be after from (a stretch across midnight is two windows)"),
        (with_window(from_minute=10), "components[0].windows[0].from",
         "must lie on the 15-minute grid (:00, :15, :30 or :45)"),
        (with_window(to_minute=24 * 60 + 15), "components[0].windows[0].to",
         "must be a wall-clock time from 00:00 to 24:00"),
        (with_window(months=(0, 12)), "components[0].windows[0].months",
         "must be months from 1 to 12 (omit it for every month)"),
        (with_window(weekdays=(8,)), "components[0].windows[0].weekdays",
         "must be ISO weekdays from 1 (Monday) to 7 (Sunday) (omit it for every day)"),
        (with_grid(vat_percent=Decimal("100.5")), "vat_percent", "must be a number from 0 to 100"),
        (with_grid(vat_percent=Decimal(-1)), "vat_percent", "must be a number from 0 to 100"),
        (with_grid(standing_charge_per_day=Decimal("-0.01")), "standing_charge_per_day",
         "must be a number of at least 0"),
        (with_grid(replace(VALID_GRID, price=Decimal("NaN"), windows=None, default_price=None)),
         "components[0].price", "must be a finite number"),
    ],
)  # fmt: skip
def test_each_rule_a_type_cannot_express_is_named(
    tariff: Tariff, parameter: str, message: str
) -> None:
    problems = tariff_problems(tariff)

    assert [(problem.parameter, problem.message) for problem in problems] == [(parameter, message)]
    with pytest.raises(PricingInputError) as raised:
        tariff_curve(tariff, utc(2025, 1, 1), utc(2025, 1, 2))
    assert (raised.value.parameter, raised.value.message) == (parameter, message)


def test_components_of_one_name_must_not_overlap_in_validity() -> None:
    def levy(valid_from: date | None, valid_to: date | None) -> TariffComponent:
        return TariffComponent(
            "levy", LEVY, price=Decimal("0.01"), valid_from=valid_from, valid_to=valid_to
        )

    touching = Tariff(VIENNA, (levy(None, date(2025, 1, 1)), levy(date(2025, 1, 1), None)))
    overlapping = Tariff(
        VIENNA,
        (
            levy(date(2024, 1, 1), date(2025, 1, 1)),
            TariffComponent("grid", GRID, price=Decimal("0.05")),
            levy(date(2024, 12, 31), None),
        ),
    )

    assert tariff_problems(touching) == []
    assert [(problem.parameter, problem.message) for problem in tariff_problems(overlapping)] == [
        ("components[2].name", "is also the name of components[0], whose validity overlaps")
    ]


@pytest.mark.parametrize(
    ("text", "minute"), [("00:00", 0), ("06:15", 375), ("23:45", 1425), ("24:00", 1440)]
)
def test_wall_clock_times_read_as_minutes(text: str, minute: int) -> None:
    assert wall_clock_minute(text, "from") == minute


@pytest.mark.parametrize("text", ["24:15", "6:00", "06:60", "0600", "06:0x", "٠٦:٠٠", ""])
def test_wall_clock_times_that_are_not(text: str) -> None:
    with pytest.raises(PricingInputError) as raised:
        wall_clock_minute(text, "components[0].windows[0].from")
    assert raised.value.parameter == "components[0].windows[0].from"
