"""Tariffs: what grid fees, levies and other components add to an energy price (SPEC §11).

A ``Tariff`` is plain data; ``tariff_problems`` names what its types cannot rule out.
``tariff_curve`` turns it into what it adds per kWh, before VAT, over a range: a tiled curve
of ``Surcharge``s, which depends on the tariff and the range alone, so buildings that share a
tariff share it (the bulk read makes one per tariff and day and combines it with many energy
curves, see ``totals``). ``standing_charge`` is the daily charge of a consumption's span.

Windows are wall clock. An instant is in a window when the wall clock of the tariff's zone
shows, at that instant, a time in ``[from, to)`` (and a month and weekday the window names).
So on a 23-hour day 00:00–06:00 lasts five hours, as the skipped hour has no instants; on a
25-hour day it lasts seven, as the clock shows 02:00–03:00 twice and both passes are inside.
Between two changes of the zone's UTC offset (``local_time.utc_offset_runs``) the wall
clock runs with UTC, so each such run maps wall-clock stretches to instants by one shift;
validity (``valid_from``, ``valid_to``), months and weekdays go by the wall clock's date.

Exactness: component prices are added in a decimal context that never rounds, and the
standing charge's shares of days are exact fractions until they are rounded once, at the
output, like costs (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from energy_contracts.pricing._arguments import consumption_ranges, utc_range
from energy_contracts.pricing._exact import (
    COST_DECIMAL_PLACES,
    EXACT,
    canonical,
    decimal_from_units,
    microseconds,
    round_ratio_half_even,
)
from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.local_time import local_day_bounds, utc_offset_runs
from energy_contracts.pricing.model import Consumption, Segment

MINUTES_PER_DAY = 24 * 60
WINDOW_GRID_MINUTES = 15
"""Window times lie on this grid of the wall clock."""
DAYS_DECIMAL_PLACES = 10
"""Decimal places of ``StandingCharge.days`` (a share of a 23- or 25-hour day rarely ends)."""

_ZERO = Decimal(0)
_DAY = timedelta(days=1)


class ComponentKind(StrEnum):
    GRID = "grid"
    LEVY = "levy"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TariffWindow:
    """``price`` per kWh while the wall clock shows a time in ``[from_minute, to_minute)``.

    Times are minutes after local midnight on the 15-minute grid; ``to_minute`` may be 1440
    (24:00). ``months`` (1–12) and ``weekdays`` (ISO: 1 is Monday, 7 Sunday) restrict the
    window to those days; ``None`` means every month or every day.
    """

    price: Decimal
    from_minute: int
    to_minute: int
    months: tuple[int, ...] | None = None
    weekdays: tuple[int, ...] | None = None

    def applies_on(self, day: date) -> bool:
        return (self.months is None or day.month in self.months) and (
            self.weekdays is None or day.isoweekday() in self.weekdays
        )


@dataclass(frozen=True, slots=True)
class TariffComponent:
    """One fee, levy or other charge per kWh: a flat ``price``, or ``windows`` (the first
    that applies wins) with ``default_price`` where none does; without a default the
    component, and so the total, is unknown there.

    It is in force on the local days ``[valid_from, valid_to)`` (``None``: unbounded); on other
    days nothing of it is added.
    """

    name: str
    kind: ComponentKind
    price: Decimal | None = None
    windows: tuple[TariffWindow, ...] | None = None
    default_price: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    def price_at(self, day: date, minute: int) -> Decimal | None:
        """The price on ``day`` (in force) at wall-clock ``minute``; ``None`` if unknown."""
        if self.windows is None:
            return self.price
        for window in self.windows:
            if window.from_minute <= minute < window.to_minute and window.applies_on(day):
                return window.price
        return self.default_price


@dataclass(frozen=True, slots=True)
class Tariff:
    """What is added to an energy-only price: components per kWh, VAT on the net price
    (``vat_percent``; where the net price is negative only if ``vat_on_negative``), and a
    standing charge per local day, before VAT. ``timezone`` is the clock of windows,
    validity dates and days."""

    timezone: ZoneInfo
    components: tuple[TariffComponent, ...] = ()
    vat_percent: Decimal = _ZERO
    vat_on_negative: bool = True
    standing_charge_per_day: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class Surcharge:
    """What a tariff adds per kWh at some instant, before VAT, by kind of component.

    ``net`` is their sum. Each is exact, without trailing fractional zeros; a kind with
    nothing in force is 0.
    """

    grid: Decimal
    levy: Decimal
    other: Decimal
    net: Decimal

    @classmethod
    def of(cls, grid: Decimal, levy: Decimal, other: Decimal) -> Surcharge:
        net = EXACT.add(EXACT.add(grid, levy), other)
        return cls(canonical(grid), canonical(levy), canonical(other), canonical(net))


@dataclass(frozen=True, slots=True)
class StandingCharge:
    """The standing charge of a consumption: ``days`` (the covered share of each local day
    it touches, summed) × ``per_day`` = ``net``; ``vat`` on it; ``total = net + vat``."""

    per_day: Decimal
    days: Decimal
    net: Decimal
    vat: Decimal
    total: Decimal


def wall_clock_minute(text: str, parameter: str) -> int:
    """``"HH:MM"`` (``00:00`` to ``24:00``) as minutes after midnight."""
    hours, colon, minutes = text.partition(":")
    if not (
        colon
        and len(hours) == 2
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and hours.isascii()
        and minutes.isascii()
    ):
        raise PricingInputError(parameter, "must be a wall-clock time HH:MM")
    minute = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or minute > MINUTES_PER_DAY:
        raise PricingInputError(parameter, "must be a wall-clock time from 00:00 to 24:00")
    return minute


def tariff_problems(tariff: Tariff) -> list[PricingInputError]:
    """Every rule of SPEC §11 that ``tariff`` breaks and its types cannot rule out, each named
    as the API names the field (``components[1].windows[0].to``); empty if none."""
    problems: list[PricingInputError] = []

    def problem(parameter: str, message: str) -> None:
        problems.append(PricingInputError(parameter, message))

    if not _finite(tariff.vat_percent) or not _ZERO <= tariff.vat_percent <= 100:
        problem("vat_percent", "must be a number from 0 to 100")
    if not _finite(tariff.standing_charge_per_day) or tariff.standing_charge_per_day < 0:
        problem("standing_charge_per_day", "must be a number of at least 0")
    for index, component in enumerate(tariff.components):
        _component_problems(component, f"components[{index}]", problem)
    for later_index, later in enumerate(tariff.components):
        for index, earlier in enumerate(tariff.components[:later_index]):
            if earlier.name == later.name and _overlap(earlier, later):
                problem(
                    f"components[{later_index}].name",
                    f"is also the name of components[{index}], whose validity overlaps",
                )
                break
    return problems


def check_tariff(tariff: Tariff) -> None:
    """Raise the first of ``tariff_problems``, if any."""
    problems = tariff_problems(tariff)
    if problems:
        raise problems[0]


def tariff_curve(tariff: Tariff, start: datetime, end: datetime) -> list[Segment[Surcharge]]:
    """What ``tariff`` adds per kWh, before VAT, over ``[start, end)``.

    The result tiles the range like ``tile``: maximal stretches of one ``Surcharge`` (the
    segment's origin; its price is the surcharge's ``net``), and unknown stretches (price and
    origin ``None``) where a component in force has no window and no default there. See the
    module docstring for how wall-clock windows map onto instants. In UTC.
    """
    start, end = utc_range(start, end)
    check_tariff(tariff)
    profiles: dict[date, list[tuple[int, int, Surcharge | None]]] = {}
    stretches: list[Segment[Surcharge]] = []
    for run_start, run_end, offset in utc_offset_runs(tariff.timezone, start, end):
        # The wall clock during the run: the run's instants shifted by its offset.
        wall_from = (run_start + offset).replace(tzinfo=None)
        wall_to = (run_end + offset).replace(tzinfo=None)
        day = wall_from.date()
        while (midnight := datetime.combine(day, time())) < wall_to:
            profile = profiles.get(day)
            if profile is None:
                profile = profiles[day] = _day_profile(tariff, day)
            for from_minute, to_minute, surcharge in profile:
                wall_start = max(wall_from, midnight + timedelta(minutes=from_minute))
                wall_end = min(wall_to, midnight + timedelta(minutes=to_minute))
                if wall_start < wall_end:
                    _append(
                        stretches,
                        (wall_start - offset).replace(tzinfo=UTC),
                        (wall_end - offset).replace(tzinfo=UTC),
                        surcharge,
                    )
            day += _DAY
    return stretches


def standing_charge(tariff: Tariff, consumption: Sequence[Consumption]) -> StandingCharge:
    """The standing charge of ``consumption`` on ``tariff``.

    Each local day of the tariff's clock that ``[first start, last end)`` of the consumption
    touches counts with the share of its real length that the span covers, gaps between the
    consumptions included: a whole 23-hour day is one day, half a 24-hour day a half.
    ``days`` is their sum, rounded half-to-even to ``DAYS_DECIMAL_PLACES`` where it does not
    end sooner; ``net`` is ``per_day`` × the exact sum and ``vat`` is VAT on ``net``, each
    rounded half-to-even to cost places; ``total = net + vat``. No consumption, no days.
    """
    check_tariff(tariff)
    per_day = tariff.standing_charge_per_day
    starts, ends = consumption_ranges(consumption)
    if not starts:
        return StandingCharge(per_day, _ZERO, _ZERO, _ZERO, _ZERO)
    span_start, span_end = min(starts), max(ends)
    tz = tariff.timezone
    days = Fraction(0)
    day = span_start.astimezone(tz).date()
    while True:
        day_start, day_end = local_day_bounds(day, tz)
        if day_start >= span_end:
            break
        covered = min(day_end, span_end) - max(day_start, span_start)
        if covered > timedelta(0):
            days += Fraction(microseconds(covered), microseconds(day_end - day_start))
        day += _DAY
    net = _rounded(days * Fraction(per_day), COST_DECIMAL_PLACES)
    vat = _rounded(Fraction(net) * Fraction(tariff.vat_percent) / 100, COST_DECIMAL_PLACES)
    return StandingCharge(
        per_day,
        _rounded(days, DAYS_DECIMAL_PLACES),
        net,
        vat,
        canonical(EXACT.add(net, vat)),
    )


def _day_profile(tariff: Tariff, day: date) -> list[tuple[int, int, Surcharge | None]]:
    """``(from_minute, to_minute, surcharge)`` over the wall-clock day ``day``, maximal."""
    in_force = [component for component in tariff.components if component.in_force_on(day)]
    cuts = {0, MINUTES_PER_DAY}
    for component in in_force:
        for window in component.windows or ():
            if window.applies_on(day):
                cuts.update((window.from_minute, window.to_minute))
    profile: list[tuple[int, int, Surcharge | None]] = []
    for from_minute, to_minute in pairwise(sorted(cuts)):
        # No window starts or ends inside [from_minute, to_minute): its start decides.
        surcharge = _surcharge_at(in_force, day, from_minute)
        if profile and profile[-1][2] == surcharge:
            profile[-1] = (profile[-1][0], to_minute, surcharge)
        else:
            profile.append((from_minute, to_minute, surcharge))
    return profile


def _surcharge_at(in_force: Iterable[TariffComponent], day: date, minute: int) -> Surcharge | None:
    by_kind = dict.fromkeys(ComponentKind, _ZERO)
    for component in in_force:
        price = component.price_at(day, minute)
        if price is None:
            return None
        kind = ComponentKind(component.kind)
        by_kind[kind] = EXACT.add(by_kind[kind], price)
    return Surcharge.of(
        by_kind[ComponentKind.GRID], by_kind[ComponentKind.LEVY], by_kind[ComponentKind.OTHER]
    )


def _append(
    stretches: list[Segment[Surcharge]],
    start: datetime,
    end: datetime,
    surcharge: Surcharge | None,
) -> None:
    if stretches and stretches[-1].end == start and stretches[-1].origin == surcharge:
        last = stretches[-1]
        stretches[-1] = Segment(last.start, end, last.price, last.origin)
        return
    net = None if surcharge is None else surcharge.net
    stretches.append(Segment(start, end, net, surcharge))


def _component_problems(
    component: TariffComponent, path: str, problem: Callable[[str, str], None]
) -> None:
    if component.kind not in set(ComponentKind):
        problem(f"{path}.kind", "must be grid, levy or other")
    if component.price is not None and component.windows is not None:
        problem(path, "has both a price and windows: give one of them")
    if component.price is None and component.windows is None:
        problem(path, "needs a price or windows")
    if component.price is not None and not _finite(component.price):
        problem(f"{path}.price", "must be a finite number")
    if component.default_price is not None:
        if component.windows is None:
            problem(f"{path}.default_price", "only goes with windows")
        elif not _finite(component.default_price):
            problem(f"{path}.default_price", "must be a finite number")
    if component.windows is not None and not component.windows:
        problem(f"{path}.windows", "must hold at least one window")
    if (
        component.valid_from is not None
        and component.valid_to is not None
        and component.valid_from >= component.valid_to
    ):
        problem(f"{path}.valid_to", "must be after valid_from (valid_to is exclusive)")
    for index, window in enumerate(component.windows or ()):
        _window_problems(window, f"{path}.windows[{index}]", problem)


def _window_problems(window: TariffWindow, path: str, problem: Callable[[str, str], None]) -> None:
    if not _finite(window.price):
        problem(f"{path}.price", "must be a finite number")
    for name, minute in (("from", window.from_minute), ("to", window.to_minute)):
        if not 0 <= minute <= MINUTES_PER_DAY:
            problem(f"{path}.{name}", "must be a wall-clock time from 00:00 to 24:00")
        elif minute % WINDOW_GRID_MINUTES:
            problem(f"{path}.{name}", "must lie on the 15-minute grid (:00, :15, :30 or :45)")
    if window.from_minute >= window.to_minute:
        problem(f"{path}.to", "must be after from (a stretch across midnight is two windows)")
    if window.months is not None and (
        not window.months or not all(1 <= month <= 12 for month in window.months)
    ):
        problem(f"{path}.months", "must be months from 1 to 12 (omit it for every month)")
    if window.weekdays is not None and (
        not window.weekdays or not all(1 <= weekday <= 7 for weekday in window.weekdays)
    ):
        problem(
            f"{path}.weekdays",
            "must be ISO weekdays from 1 (Monday) to 7 (Sunday) (omit it for every day)",
        )


def _overlap(first: TariffComponent, second: TariffComponent) -> bool:
    """Whether the validities of two components share a day."""
    starts_before_second_ends = (
        first.valid_from is None or second.valid_to is None or first.valid_from < second.valid_to
    )
    ends_after_second_starts = (
        first.valid_to is None or second.valid_from is None or second.valid_from < first.valid_to
    )
    return starts_before_second_ends and ends_after_second_starts


def _finite(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _rounded(value: Fraction, places: int) -> Decimal:
    return decimal_from_units(
        round_ratio_half_even(value.numerator * 10**places, value.denominator), places
    )
