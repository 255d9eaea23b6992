"""The pricing core as it was before the scaled-integer rewrite, frozen as a test oracle.

A copy of ``energy_contracts.pricing`` at commit 1fc2e1f (exact ``Fraction`` arithmetic, the
local grid found by probing the zone instant by instant). The fast core must give the same
answers, Decimal for Decimal, for every input; ``test_pricing_against_fraction_core`` and
``bench/pricing_core.py`` compare the two. Only its imports were changed: it shares the data
types (``model``) and ``PricingInputError`` with the package, so that results and errors
compare equal. Do not fix or speed up anything here: it is the reference as it was.
"""

from tests.unit.pricing.fraction_core.cost import cost
from tests.unit.pricing.fraction_core.curve import (
    build_curve,
    build_curve_from_pairs,
    override,
    tile,
)
from tests.unit.pricing.fraction_core.levels import levels
from tests.unit.pricing.fraction_core.local_time import (
    add_calendar_months,
    local_day_bounds,
    local_grid,
)
from tests.unit.pricing.fraction_core.resample import resample
from tests.unit.pricing.fraction_core.windows import cheapest_slots, cheapest_window

__all__ = [
    "add_calendar_months",
    "build_curve",
    "build_curve_from_pairs",
    "cheapest_slots",
    "cheapest_window",
    "cost",
    "levels",
    "local_day_bounds",
    "local_grid",
    "override",
    "resample",
    "tile",
]
