"""SPEC §6 additions and §11 through the API: what a building pays with a tariff added to
its energy-only prices, hand-computed (the arithmetic is in the comments).

The tariff is SPEC §11's §14a example (Vienna): grid energy 0.0225 from 00:00 to 06:00 and
0.1124 from 17:00 to 20:00 on weekdays, both in January–March and October–December,
0.0749 otherwise, valid in 2025; an electricity levy of 0.015; VAT 20 %, not on negative net
prices; a standing charge of 0.41 a day. With an energy price of 0.10 the totals are:

- night:   net 0.10 + 0.0225 + 0.015 = 0.1375, VAT 0.0275,  total 0.165
- day:     net 0.10 + 0.0749 + 0.015 = 0.1899, VAT 0.03798, total 0.22788
- evening: net 0.10 + 0.1124 + 0.015 = 0.2274, VAT 0.04548, total 0.27288
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from energy_contracts.tariffs.schemas import SECTION_14A_EXAMPLE
from tests.support.factories import make_building, make_user
from tests.support.http import assert_problem, exact
from tests.support.tenants import Tenant, TenantFactory

D = Decimal
NIGHT = {"energy": D("0.10"), "grid": D("0.0225"), "levy": D("0.015"), "other": D(0),
         "vat": D("0.0275")}  # fmt: skip
DAY = {"energy": D("0.10"), "grid": D("0.0749"), "levy": D("0.015"), "other": D(0),
       "vat": D("0.03798")}  # fmt: skip
EVENING = {"energy": D("0.10"), "grid": D("0.1124"), "levy": D("0.015"), "other": D(0),
           "vat": D("0.04548")}  # fmt: skip


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


async def make_tariff(tenant: Tenant, **fields: Any) -> str:
    body = {**copy.deepcopy(SECTION_14A_EXAMPLE), **fields}
    created: dict[str, Any] = exact(await tenant.post("tariffs", json=body))
    return str(created["id"])


def hours(first: str, values: list[str], minutes: int = 60) -> list[dict[str, Any]]:
    start = datetime.fromisoformat(first)
    step = timedelta(minutes=minutes)
    return [
        {"timestamp": (start + step * index).isoformat(), "price": value}
        for index, value in enumerate(values)
    ]


class Building:
    """A building (Vienna unless said) with one spot contract of energy-only prices."""

    def __init__(self, tenant: Tenant, user_id: str, building_id: str, contract: str) -> None:
        self.tenant = tenant
        self.path = f"users/{user_id}/buildings/{building_id}"
        self.contract = contract

    async def get(self, what: str, **params: Any) -> Any:
        return exact(await self.tenant.get(f"{self.path}/{what}", params=params))


async def building_with(
    tenant: Tenant,
    prices: list[dict[str, Any]],
    *,
    tariff: str | None,
    minutes: int = 60,
    timezone: str = "Europe/Vienna",
    includes: bool | None = False,
) -> Building:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"], timezone=timezone)
    body = {
        "energy_contract_type": "spot_hourly",
        "price_interval_minutes": minutes,
        "currency_energy_price": "EUR",
        "energy_price_includes_external_components": includes,
        "building_id": building["id"],
        "tariff_id": tariff,
        "energy_prices": [{**p, "price": "@" + p["price"] + "@"} for p in prices],
    }
    text = json.dumps(body).replace('"@', "").replace('@"', "")  # exact JSON numbers
    response = await tenant.post(
        f"users/{user['id']}/energy-contracts",
        content=text,
        headers={"Content-Type": "application/json"},
    )
    contract = exact(response)
    return Building(tenant, user["id"], building["id"], contract["id"])


def stretches(answer: dict[str, Any]) -> list[tuple[str, str, Decimal | None, Any]]:
    return [(i["start"], i["end"], i["price"], i["breakdown"]) for i in answer["intervals"]]


# --- windows on the wall clock -------------------------------------------------------------


async def test_an_ordinary_weekday_with_the_14a_windows(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    # 2025-01-15 is a Wednesday in January: CET, the night and the evening window apply.
    building = await building_with(
        tenant, hours("2025-01-14T23:00:00+00:00", ["0.10"] * 24), tariff=tariff
    )
    answer = await building.get("effective-prices", day="2025-01-15")
    assert answer["price_basis"] == "all_in"
    assert stretches(answer) == [
        ("2025-01-14T23:00:00Z", "2025-01-15T05:00:00Z", D("0.165"), NIGHT),  # 00–06
        ("2025-01-15T05:00:00Z", "2025-01-15T16:00:00Z", D("0.22788"), DAY),  # 06–17
        ("2025-01-15T16:00:00Z", "2025-01-15T19:00:00Z", D("0.27288"), EVENING),  # 17–20
        ("2025-01-15T19:00:00Z", "2025-01-15T23:00:00Z", D("0.22788"), DAY),  # 20–24
    ]
    assert {i["contract_id"] for i in answer["intervals"]} == {building.contract}
    assert {i["includes_external_components"] for i in answer["intervals"]} == {True}
    # Levels rank the totals: median 0.22788, scale max(0.27288 − 0.165, 0.2 × mean) =
    # 0.10788; r(0.165) = −0.58 → VERY_CHEAP, r(0.27288) = 0.42 → VERY_EXPENSIVE.
    assert [i["level"] for i in answer["intervals"]] == [
        "VERY_CHEAP",
        "NORMAL",
        "VERY_EXPENSIVE",
        "NORMAL",
    ]


async def test_on_a_23_hour_day_the_night_window_lasts_five_hours(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    # 2025-03-30, a Sunday: 02:00 CET jumps to 03:00 CEST. 00:00–06:00 on the wall clock is
    # 23:00Z–04:00Z; the weekday evening window does not apply on a Sunday.
    building = await building_with(
        tenant, hours("2025-03-29T23:00:00+00:00", ["0.10"] * 23), tariff=tariff
    )
    answer = await building.get("effective-prices", day="2025-03-30")
    assert (answer["from"], answer["to"]) == ("2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z")
    assert stretches(answer) == [
        ("2025-03-29T23:00:00Z", "2025-03-30T04:00:00Z", D("0.165"), NIGHT),
        ("2025-03-30T04:00:00Z", "2025-03-30T22:00:00Z", D("0.22788"), DAY),
    ]


async def test_on_a_25_hour_day_the_night_window_lasts_seven_hours(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    # 2025-10-26, a Sunday: 03:00 CEST falls back to 02:00 CET. 00:00 CEST is 22:00Z the
    # day before and 06:00 CET is 05:00Z: both passes of 02:00–03:00 are inside.
    building = await building_with(
        tenant, hours("2025-10-25T22:00:00+00:00", ["0.10"] * 25), tariff=tariff
    )
    answer = await building.get("effective-prices", day="2025-10-26")
    assert stretches(answer) == [
        ("2025-10-25T22:00:00Z", "2025-10-26T05:00:00Z", D("0.165"), NIGHT),
        ("2025-10-26T05:00:00Z", "2025-10-26T23:00:00Z", D("0.22788"), DAY),
    ]


async def test_a_component_ends_at_local_midnight_of_its_valid_to(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    # Grid energy is valid until 2026-01-01 (exclusive): local midnight, 2025-12-31T23:00Z.
    # 22:00–24:00 on Wednesday 31 December is outside both windows: the default, 0.0749.
    # From midnight on only the levy is added: net 0.115, VAT 0.023, total 0.138.
    building = await building_with(
        tenant, hours("2025-12-31T21:00:00+00:00", ["0.10"] * 4), tariff=tariff
    )
    answer = await building.get(
        "effective-prices", **{"from": "2025-12-31T21:00:00Z", "to": "2026-01-01T01:00:00Z"}
    )
    levy_only = {"energy": D("0.10"), "grid": D(0), "levy": D("0.015"), "other": D(0),
                 "vat": D("0.023")}  # fmt: skip
    assert stretches(answer) == [
        ("2025-12-31T21:00:00Z", "2025-12-31T23:00:00Z", D("0.22788"), DAY),
        ("2025-12-31T23:00:00Z", "2026-01-01T01:00:00Z", D("0.138"), levy_only),
    ]


@pytest.mark.parametrize(
    ("vat_on_negative", "vat", "total"),
    [
        # energy −0.20 + levy 0.015 = net −0.185; 20 % of it is −0.037: −0.222 in all.
        (True, D("-0.037"), D("-0.222")),
        # No VAT on a negative net price: the total is the net, −0.185.
        (False, D(0), D("-0.185")),
    ],
)
async def test_vat_on_a_negative_net_price_both_ways(
    tenant: Tenant, vat_on_negative: bool, vat: Decimal, total: Decimal
) -> None:
    tariff = await make_tariff(
        tenant,
        vat_on_negative=vat_on_negative,
        components=[{"name": "levy", "kind": "levy", "price": 0.015}],
    )
    building = await building_with(
        tenant, hours("2025-01-15T12:00:00+00:00", ["-0.20"]), tariff=tariff
    )
    answer = await building.get(
        "effective-prices", **{"from": "2025-01-15T12:00:00Z", "to": "2025-01-15T13:00:00Z"}
    )
    assert stretches(answer) == [
        (
            "2025-01-15T12:00:00Z",
            "2025-01-15T13:00:00Z",
            total,
            {"energy": D("-0.20"), "grid": D(0), "levy": D("0.015"), "other": D(0), "vat": vat},
        )
    ]


async def test_slots_carry_time_weighted_means_of_each_part(tenant: Tenant) -> None:
    tariff = await make_tariff(
        tenant, components=[{"name": "levy", "kind": "levy", "price": 0.015}]
    )
    building = await building_with(
        tenant,
        hours("2025-01-15T09:00:00+00:00", ["0.10", "0.20", "0.30", "0.40"], minutes=15),
        tariff=tariff,
        minutes=15,
    )
    answer = await building.get(
        "effective-prices",
        **{"from": "2025-01-15T09:00:00Z", "to": "2025-01-15T10:00:00Z", "interval": 60},
    )
    # Totals per quarter: (0.115, 0.215, 0.315, 0.415) × 1.2 = 0.138, 0.258, 0.378, 0.498;
    # their mean 0.318. Parts: energy 0.25, levy 0.015, VAT (0.023 + 0.043 + 0.063 + 0.083)
    # / 4 = 0.053; 0.25 + 0.015 + 0.053 = 0.318.
    assert stretches(answer) == [
        (
            "2025-01-15T09:00:00Z",
            "2025-01-15T10:00:00Z",
            D("0.318"),
            {"energy": D("0.25"), "grid": D(0), "levy": D("0.015"), "other": D(0),
             "vat": D("0.053")},
        )
    ]  # fmt: skip


# --- the cheapest window on totals ---------------------------------------------------------

# Wednesday 2025-01-15, local hours: 00–06 at 0.20, 06–17 at 0.15, 17–20 at 0.12, 20–24 at
# 0.15. Wholesale, 17:00–19:00 is the cheapest two hours (0.12). With the tariff:
# 00–06: (0.20 + 0.0225 + 0.015) × 1.2 = 0.285; 06–17 and 20–24: (0.15 + 0.0749 + 0.015)
# × 1.2 = 0.28788; 17–20: (0.12 + 0.1124 + 0.015) × 1.2 = 0.29688: the evening grid fee
# moves the cheapest two hours to 00:00–02:00.
WEDNESDAY = ["0.20"] * 6 + ["0.15"] * 11 + ["0.12"] * 3 + ["0.15"] * 4


async def test_a_grid_window_moves_the_cheapest_window_away_from_the_cheapest_wholesale_hours(
    tenant: Tenant,
) -> None:
    tariff = await make_tariff(tenant)
    all_in = await building_with(
        tenant, hours("2025-01-14T23:00:00+00:00", WEDNESDAY), tariff=tariff
    )
    wholesale = await building_with(
        tenant, hours("2025-01-14T23:00:00+00:00", WEDNESDAY), tariff=None
    )

    with_tariff = await all_in.get("cheapest-window", minutes=120, day="2025-01-15")
    without = await wholesale.get("cheapest-window", minutes=120, day="2025-01-15")

    assert (with_tariff["start"], with_tariff["end"], with_tariff["average_price"]) == (
        "2025-01-14T23:00:00Z",
        "2025-01-15T01:00:00Z",
        D("0.285"),
    )
    assert with_tariff["price_basis"] == "all_in"
    assert (without["start"], without["end"], without["average_price"]) == (
        "2025-01-15T16:00:00Z",
        "2025-01-15T18:00:00Z",
        D("0.12"),
    )
    assert without["price_basis"] == "energy_only"


async def test_cheapest_window_by_day_refuses_from_and_to_with_it(tenant: Tenant) -> None:
    building = await building_with(tenant, hours("2025-01-15T09:00:00+00:00", ["0.1"]), tariff=None)
    both = await tenant.get(
        f"{building.path}/cheapest-window",
        params={"minutes": 60, "day": "2025-01-15", "from": "2025-01-15T00:00:00Z"},
    )
    assert_problem(both, 422, "day")
    # One known hour holds no two-hour window: the 422 names the range asked for.
    none = await tenant.get(
        f"{building.path}/cheapest-window", params={"minutes": 120, "day": "2025-01-15"}
    )
    problem = assert_problem(none, 422, "day")
    assert problem["errors"][0]["message"] == (
        "has no 120 minutes of known prices in a row from 2025-01-14T23:00:00Z "
        "to 2025-01-15T23:00:00Z"
    )


# --- cost with the standing charge ---------------------------------------------------------


async def test_cost_over_a_whole_23_hour_day_counts_one_day(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    building = await building_with(
        tenant, hours("2025-03-29T23:00:00+00:00", ["0.10"] * 23), tariff=tariff
    )
    answer = exact(
        await tenant.post(
            f"{building.path}/cost",
            json={
                "consumption": [
                    {"start": "2025-03-29T23:00:00Z", "end": "2025-03-30T22:00:00Z", "kwh": 23}
                ]
            },
        )
    )
    # 1 kWh an hour: 5 night hours × 0.165 = 0.825, 18 day hours × 0.22788 = 4.10184;
    # the standing charge: one whole (23-hour) day, 0.41 net, 0.082 VAT, 0.492 in all.
    assert answer["standing_charge"] == {
        "per_day": D("0.41"),
        "days": D(1),
        "net": D("0.41"),
        "vat": D("0.082"),
        "total": D("0.492"),
    }
    assert answer["total_cost"] == D("5.41884")  # 0.825 + 4.10184 + 0.492
    assert (answer["covered_kwh"], answer["uncovered_kwh"]) == (D(23), D(0))
    assert answer["price_basis"] == "all_in"
    assert [
        (p["start"], p["end"], p["kwh"], p["price"], p["cost"], p["source"])
        for p in answer["breakdown"]
    ] == [
        ("2025-03-29T23:00:00Z", "2025-03-30T04:00:00Z", D(5), D("0.165"), D("0.825"), "building"),
        ("2025-03-30T04:00:00Z", "2025-03-30T22:00:00Z", D(18), D("0.22788"), D("4.10184"),
         "building"),
    ]  # fmt: skip
    assert {(p["contract_id"], p["includes_external_components"]) for p in answer["breakdown"]} == {
        (building.contract, True)
    }


async def test_cost_over_half_a_day_counts_half_a_day(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    building = await building_with(
        tenant, hours("2025-01-14T23:00:00+00:00", ["0.10"] * 24), tariff=tariff
    )
    answer = exact(
        await tenant.post(
            f"{building.path}/cost",
            json={
                "consumption": [
                    {"start": "2025-01-14T23:00:00Z", "end": "2025-01-15T05:00:00Z", "kwh": 6},
                    {"start": "2025-01-15T08:00:00Z", "end": "2025-01-15T11:00:00Z", "kwh": 3},
                ]
            },
        )
    )
    # The span 00:00–12:00 local counts, gap included: half of a 24-hour day, 0.205 net,
    # 0.041 VAT. Energy: 6 × 0.165 = 0.99 and 3 × 0.22788 = 0.68364.
    assert answer["standing_charge"] == {
        "per_day": D("0.41"),
        "days": D("0.5"),
        "net": D("0.205"),
        "vat": D("0.041"),
        "total": D("0.246"),
    }
    assert [p["cost"] for p in answer["breakdown"]] == [D("0.99"), D("0.68364")]
    assert answer["total_cost"] == D("1.91964")  # 0.99 + 0.68364 + 0.246


# --- the price basis and the current price -------------------------------------------------


async def test_unlike_prices_make_a_mixed_basis(tenant: Tenant) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    for fields in (
        {"building_id": building["id"], "energy_price_includes_external_components": False,
         "energy_prices": [{"price": 0.1, "timestamp": "2025-01-15T10:00:00Z"}]},
        {"energy_price_includes_external_components": True,
         "energy_prices": [{"price": 0.3, "timestamp": "2025-01-15T11:00:00Z"}]},
    ):  # fmt: skip
        body = {"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR", **fields}
        exact(await tenant.post(f"users/{user['id']}/energy-contracts", json=body))
    path = f"users/{user['id']}/buildings/{building['id']}/effective-prices"
    mixed = exact(
        await tenant.get(
            path, params={"from": "2025-01-15T10:00:00Z", "to": "2025-01-15T12:00:00Z"}
        )
    )
    assert mixed["price_basis"] == "mixed"
    assert [(i["price"], i["source"], i["breakdown"]) for i in mixed["intervals"]] == [
        (D("0.1"), "building", None),
        (D("0.3"), "user", None),
    ]
    one_kind = exact(
        await tenant.get(
            path, params={"from": "2025-01-15T10:00:00Z", "to": "2025-01-15T11:00:00Z"}
        )
    )
    assert one_kind["price_basis"] == "energy_only"
    nothing = exact(
        await tenant.get(
            path, params={"from": "2025-01-15T00:00:00Z", "to": "2025-01-15T01:00:00Z"}
        )
    )
    assert nothing["price_basis"] is None


async def test_current_without_a_known_price_is_404(tenant: Tenant) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    for path in (
        f"users/{user['id']}/buildings/{building['id']}/effective-prices/current",
        f"users/{user['id']}/effective-prices/current",
    ):
        problem = assert_problem(await tenant.get(path), 404)
        assert problem["type"] == "https://energy-contracts.dev/problems/no-current-price"
