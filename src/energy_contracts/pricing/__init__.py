"""Pure functions over price curves: no I/O, no SQL, no HTTP.

A contract's stored prices become a *curve* (``build_curve``): sorted, non-overlapping known
segments ``[start, end)`` with a price and an opaque caller-supplied origin; between them the
price is unknown, never zero and never carried forward. A building's curve overrides the
user-level curve instant by instant (``override``). Every question is then a function of a
curve: ``tile`` (maximal stretches with explicit unknowns), ``resample`` (slots of the local
clock's grid), ``levels``, ``cheapest_window``, ``cheapest_slots`` and ``cost``.

Tariffs (SPEC §11, ``tariffs`` and ``totals``): ``tariff_curve`` is what a ``Tariff`` adds per
kWh over a range (shared by every energy curve it is added to), ``with_tariff`` adds it to an
energy curve, giving a curve of totals whose origins are ``Itemised`` (the caller's origin and
the ``Breakdown``), on which every question above works as it is; ``resample_itemised``
resamples it part by part; ``standing_charge`` is the daily charge of a consumption;
``tariff_problems`` names what a tariff's types let through but SPEC §11 does not.

Time. Datetimes going in must be timezone-aware (a naive one is a ``PricingInputError``);
everything coming out is in UTC, and all arithmetic is on UTC instants at the microsecond
resolution of ``datetime``. Local calendars and clocks use ``zoneinfo``; wall times are turned
into instants with ``fold=0`` (see ``local_time``).

Precision. Prices, kWh and costs are ``Decimal`` at the edges and exact scaled integers inside
(prices as counts of a common unit, times in microseconds; see ``_exact``), so nothing is lost
until the output, where rounding happens once:

- A time-weighted mean (resampled slot, window average) over a stretch with a single price is
  that price, returned exactly as given. A mean that mixes prices is the exact rational mean
  rounded half-to-even to 10 decimal places.
- Costs are rounded to 10 decimal places: ``total_cost`` is the exact total rounded
  half-to-even, and the pieces' costs are apportioned (largest remainder) so that they add up
  to ``total_cost`` exactly, each within 1e-10 of its exact value.
- kWh amounts are rounded to 10 decimal places, or to more if an input kWh has more. The piece
  kWh of one consumption are apportioned to add up to exactly its kWh, so ``covered_kwh +
  uncovered_kwh`` equals the total consumption exactly.
- Comparisons (cheapest window, cheapest slots, levels) use the exact values, never the
  rounded ones.

Returned Decimals that were rounded carry no trailing fractional zeros (``0.25``, not
``0.2500000000``). Bad arguments raise ``PricingInputError(parameter, message)``.
"""

from energy_contracts.pricing._exact import EXACT, canonical
from energy_contracts.pricing.cost import cost
from energy_contracts.pricing.curve import (
    build_curve,
    build_curve_from_pairs,
    entry_end,
    override,
    tile,
    tiled_curve_from_pairs,
)
from energy_contracts.pricing.errors import PricingInputError
from energy_contracts.pricing.indexed import indexed_price
from energy_contracts.pricing.levels import Level, levels
from energy_contracts.pricing.local_time import add_calendar_months, local_day_bounds, local_grid
from energy_contracts.pricing.model import (
    Consumption,
    ContractType,
    CostPiece,
    CostResult,
    PriceEntry,
    Segment,
    Window,
)
from energy_contracts.pricing.resample import resample
from energy_contracts.pricing.tariffs import (
    ComponentKind,
    StandingCharge,
    Surcharge,
    Tariff,
    TariffComponent,
    TariffWindow,
    check_tariff,
    standing_charge,
    tariff_curve,
    tariff_problems,
    wall_clock_minute,
)
from energy_contracts.pricing.totals import (
    Breakdown,
    Itemised,
    resample_itemised,
    with_tariff,
    without_tariff,
)
from energy_contracts.pricing.windows import cheapest_slots, cheapest_window

__all__ = [
    "EXACT",
    "Breakdown",
    "ComponentKind",
    "Consumption",
    "ContractType",
    "CostPiece",
    "CostResult",
    "Itemised",
    "Level",
    "PriceEntry",
    "PricingInputError",
    "Segment",
    "StandingCharge",
    "Surcharge",
    "Tariff",
    "TariffComponent",
    "TariffWindow",
    "Window",
    "add_calendar_months",
    "build_curve",
    "build_curve_from_pairs",
    "canonical",
    "cheapest_slots",
    "cheapest_window",
    "check_tariff",
    "cost",
    "entry_end",
    "indexed_price",
    "levels",
    "local_day_bounds",
    "local_grid",
    "override",
    "resample",
    "resample_itemised",
    "standing_charge",
    "tariff_curve",
    "tariff_problems",
    "tile",
    "tiled_curve_from_pairs",
    "wall_clock_minute",
    "with_tariff",
    "without_tariff",
]
