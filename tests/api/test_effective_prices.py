"""SPEC §6 through the API, with hand-computed answers (the arithmetic is in the comments)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from tests.support.factories import make_building, make_user
from tests.support.tenants import Tenant, TenantFactory


def prices(start: str, values: list[str], minutes: int = 60) -> list[dict[str, Any]]:
    first = datetime.fromisoformat(start)
    return [
        {"timestamp": (first + timedelta(minutes=minutes * i)).isoformat(), "price": Decimal(v)}
        for i, v in enumerate(values)
    ]


def body(**fields: Any) -> str:
    """JSON with exact decimals (json.dumps would turn Decimal into an error)."""

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)  # only for values with short decimal forms
        raise TypeError(value)

    return json.dumps(fields, default=default)


def exact(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def simple(intervals: list[dict[str, Any]]) -> list[tuple[str, str, Decimal | None, str | None]]:
    return [(i["start"], i["end"], i["price"], i["source"]) for i in intervals]


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(timezone="Europe/Vienna")


async def setup_building(tenant: Tenant, timezone: str = "Europe/Vienna") -> tuple[str, str]:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"], timezone=timezone)
    return user["id"], building["id"]


async def add_contract(
    tenant: Tenant, user_id: str, entries: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    response = await tenant.post(
        f"users/{user_id}/energy-contracts",
        content=body(
            energy_contract_type=fields.pop("energy_contract_type", "spot_hourly"),
            currency_energy_price="EUR",
            energy_prices=entries,
            **fields,
        ),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_building_overrides_user_instant_by_instant_with_gaps(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    user_contract = await add_contract(
        tenant, user_id, prices("2024-01-15T00:00:00+00:00", ["0.10", "0.20", "0.30"])
    )
    building_contract = await add_contract(
        tenant, user_id, prices("2024-01-15T01:00:00+00:00", ["0.50"]), building_id=building_id
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z"},
        )
    )
    assert answer["currency"] == "EUR"
    assert answer["timezone"] == "Europe/Vienna"
    assert answer["from"] == "2024-01-15T00:00:00Z"
    assert answer["to"] == "2024-01-15T05:00:00Z"
    # The user's 01:00 price (0.20) is hidden where the building's 0.50 is known; after
    # 03:00 nobody has a price: unknown, never zero, never 0.30 carried forward.
    assert simple(answer["intervals"]) == [
        ("2024-01-15T00:00:00Z", "2024-01-15T01:00:00Z", Decimal("0.10"), "user"),
        ("2024-01-15T01:00:00Z", "2024-01-15T02:00:00Z", Decimal("0.50"), "building"),
        ("2024-01-15T02:00:00Z", "2024-01-15T03:00:00Z", Decimal("0.30"), "user"),
        ("2024-01-15T03:00:00Z", "2024-01-15T05:00:00Z", None, None),
    ]
    ids = [i["contract_id"] for i in answer["intervals"]]
    assert ids == [user_contract["id"], building_contract["id"], user_contract["id"], None]
    # Levels: known 0.10, 0.50, 0.30 → median 0.30, scale = max(0.50 − 0.10, 0.2 × 0.30) = 0.40
    # r = (0.10 − 0.30)/0.40 = −0.5 → VERY_CHEAP; (0.50 − 0.30)/0.40 = 0.5 → VERY_EXPENSIVE;
    # 0.30 → r = 0 → NORMAL; unknown → null.
    assert [i["level"] for i in answer["intervals"]] == [
        "VERY_CHEAP",
        "VERY_EXPENSIVE",
        "NORMAL",
        None,
    ]
    assert [i["includes_external_components"] for i in answer["intervals"]] == [
        None,
        None,
        None,
        None,
    ]


async def test_user_level_effective_prices_ignore_building_contracts(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    await add_contract(tenant, user_id, prices("2024-01-15T00:00:00+00:00", ["0.10", "0.20"]))
    await add_contract(
        tenant, user_id, prices("2024-01-15T00:00:00+00:00", ["0.99"]), building_id=building_id
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/effective-prices",
            params={"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T02:00:00Z"},
        )
    )
    assert answer["timezone"] == "Europe/Vienna"
    assert simple(answer["intervals"]) == [
        ("2024-01-15T00:00:00Z", "2024-01-15T01:00:00Z", Decimal("0.10"), "user"),
        ("2024-01-15T01:00:00Z", "2024-01-15T02:00:00Z", Decimal("0.20"), "user"),
    ]


async def test_quarter_hours_resampled_to_hours(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    await add_contract(
        tenant,
        user_id,
        prices("2024-01-15T00:00:00+00:00", ["0.10", "0.20", "0.30", "0.40", "0.50", "0.60"], 15),
        building_id=building_id,
        price_interval_minutes=15,
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T02:00:00Z", "interval": 60},
        )
    )
    # 00:00–01:00: (0.10 + 0.20 + 0.30 + 0.40) / 4 = 0.25 (equal quarters, time-weighted).
    # 01:00–02:00: only 01:00–01:30 is known → the slot is null.
    assert simple(answer["intervals"]) == [
        ("2024-01-15T00:00:00Z", "2024-01-15T01:00:00Z", Decimal("0.25"), "building"),
        ("2024-01-15T01:00:00Z", "2024-01-15T02:00:00Z", None, None),
    ]


async def test_hourly_contract_on_a_quarter_hour_grid(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    await add_contract(
        tenant, user_id, prices("2024-01-15T00:00:00+00:00", ["0.12"]), building_id=building_id
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T01:00:00Z", "interval": 15},
        )
    )
    starts = ["00:00", "00:15", "00:30", "00:45", "01:00"]
    assert simple(answer["intervals"]) == [
        (f"2024-01-15T{a}:00Z", f"2024-01-15T{b}:00Z", Decimal("0.12"), "building")
        for a, b in pairwise(starts)
    ]


@pytest.mark.parametrize(
    ("day", "first_utc", "hours"),
    [
        ("2024-03-31", "2024-03-30T23:00:00+00:00", 23),  # CET → CEST: 02:00 does not exist
        ("2024-06-12", "2024-06-11T22:00:00+00:00", 24),
        ("2024-10-27", "2024-10-26T22:00:00+00:00", 25),  # CEST → CET: 02:00–03:00 twice
    ],
)
async def test_local_day_in_vienna_has_23_24_or_25_hours(
    tenant: Tenant, day: str, first_utc: str, hours: int
) -> None:
    user_id, building_id = await setup_building(tenant)
    values = [f"0.{10 + hour:02d}" for hour in range(hours)]
    await add_contract(tenant, user_id, prices(first_utc, values), building_id=building_id)
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices", params={"day": day}
        )
    )
    start = datetime.fromisoformat(first_utc)
    assert answer["from"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert answer["to"] == (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(answer["intervals"]) == hours  # the repeated hour is neither dropped nor moved
    assert [i["price"] for i in answer["intervals"]] == [Decimal(v) for v in values]


async def test_london_and_new_york_days(make_tenant: TenantFactory) -> None:
    tenant = await make_tenant(timezone="Europe/London")
    user_id, london = await setup_building(tenant, "Europe/London")
    new_york = (await make_building(tenant, user_id, timezone="America/New_York"))["id"]
    # London 2024-03-31 starts at 00:00 GMT and has 23 hours (01:00 → 02:00 BST).
    await add_contract(
        tenant, user_id, prices("2024-03-31T00:00:00+00:00", ["0.20"] * 23), building_id=london
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{london}/effective-prices",
            params={"day": "2024-03-31", "interval": 60},
        )
    )
    assert (answer["from"], answer["to"]) == ("2024-03-31T00:00:00Z", "2024-03-31T23:00:00Z")
    assert len(answer["intervals"]) == 23
    # New York 2024-11-03: 04:00Z → next day 05:00Z, 25 hours, all unknown here.
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{new_york}/effective-prices",
            params={"day": "2024-11-03"},
        )
    )
    assert (answer["from"], answer["to"]) == ("2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z")
    assert simple(answer["intervals"]) == [
        ("2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z", None, None)
    ]


async def test_monthly_prices_hold_one_calendar_month(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    # A monthly entry at local midnight of 1 Feb 2024 (leap year) holds until 1 Mar local.
    await add_contract(
        tenant,
        user_id,
        [{"timestamp": "2024-02-01T00:00:00+01:00", "price": Decimal("0.21")}],
        energy_contract_type="monthly",
        building_id=building_id,
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"from": "2024-01-31T00:00:00Z", "to": "2024-03-02T00:00:00Z"},
        )
    )
    assert simple(answer["intervals"]) == [
        ("2024-01-31T00:00:00Z", "2024-01-31T23:00:00Z", None, None),
        ("2024-01-31T23:00:00Z", "2024-02-29T23:00:00Z", Decimal("0.21"), "building"),
        ("2024-02-29T23:00:00Z", "2024-03-02T00:00:00Z", None, None),
    ]


async def hourly_building(tenant: Tenant, values: list[str]) -> tuple[str, str]:
    user_id, building_id = await setup_building(tenant)
    await add_contract(
        tenant, user_id, prices("2024-01-15T00:00:00+00:00", values), building_id=building_id
    )
    return user_id, building_id


async def test_cheapest_contiguous_window(tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30", "0.10", "0.20", "0.05", "0.40"])
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/cheapest-window",
            params={"minutes": 120, "from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z"},
        )
    )
    # Two-hour means: 00–02 (0.30+0.10)/2 = 0.20; 01–03 0.15; 02–04 (0.20+0.05)/2 = 0.125;
    # 03–05 0.225. The mean is linear between those starts, so 02:00 is the minimum.
    assert answer == {
        "start": "2024-01-15T02:00:00Z",
        "end": "2024-01-15T04:00:00Z",
        "average_price": Decimal("0.125"),
        "currency": "EUR",
        "price_basis": None,  # the contract does not say what its prices include
        "slots": [
            {
                "start": "2024-01-15T02:00:00Z",
                "end": "2024-01-15T03:00:00Z",
                "price": Decimal("0.20"),
            },
            {
                "start": "2024-01-15T03:00:00Z",
                "end": "2024-01-15T04:00:00Z",
                "price": Decimal("0.05"),
            },
        ],
    }


async def test_cheapest_slots_not_contiguous(tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30", "0.10", "0.20", "0.05", "0.40"])
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/cheapest-window",
            params={
                "minutes": 120,
                "from": "2024-01-15T00:00:00Z",
                "to": "2024-01-15T05:00:00Z",
                "contiguous": "false",
            },
        )
    )
    # The two cheapest hours are 03:00 (0.05) and 01:00 (0.10): mean 0.075.
    assert answer == {
        "start": "2024-01-15T01:00:00Z",
        "end": "2024-01-15T04:00:00Z",
        "average_price": Decimal("0.075"),
        "currency": "EUR",
        "price_basis": None,
        "slots": [
            {
                "start": "2024-01-15T01:00:00Z",
                "end": "2024-01-15T02:00:00Z",
                "price": Decimal("0.10"),
            },
            {
                "start": "2024-01-15T03:00:00Z",
                "end": "2024-01-15T04:00:00Z",
                "price": Decimal("0.05"),
            },
        ],
    }


async def test_no_known_window_is_422(tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    response = await tenant.get(
        f"users/{user_id}/buildings/{building_id}/cheapest-window",
        params={"minutes": 120, "from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z"},
    )
    assert response.status_code == 422
    # The range is what holds no window, not the length asked for.
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["from", "to"]
    assert errors[0]["message"] == (
        "has no 120 minutes of known prices in a row from 2024-01-15T00:00:00Z "
        "to 2024-01-15T05:00:00Z"
    )


async def test_cost_of_a_profile_with_uncovered_energy(tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30", "0.10", "0.20", "0.05", "0.40"])
    response = await tenant.post(
        f"users/{user_id}/buildings/{building_id}/cost",
        json={
            "consumption": [
                {"start": "2024-01-15T00:30:00Z", "end": "2024-01-15T01:30:00Z", "kwh": 2},
                {"start": "2024-01-15T04:30:00Z", "end": "2024-01-15T05:30:00Z", "kwh": 1},
            ]
        },
    )
    answer = exact(response)
    # 2 kWh over 00:30–01:30: 1 kWh × 0.30 + 1 kWh × 0.10 = 0.40.
    # 1 kWh over 04:30–05:30: 0.5 kWh × 0.40 = 0.20; 05:00–05:30 is unknown → 0.5 uncovered.
    assert answer["currency"] == "EUR"
    assert answer["total_cost"] == Decimal("0.6")
    assert answer["covered_kwh"] == Decimal("2.5")
    assert answer["uncovered_kwh"] == Decimal("0.5")
    assert [
        (p["start"], p["end"], p["kwh"], p["price"], p["cost"]) for p in answer["breakdown"]
    ] == [
        (
            "2024-01-15T00:30:00Z",
            "2024-01-15T01:00:00Z",
            Decimal(1),
            Decimal("0.30"),
            Decimal("0.3"),
        ),
        (
            "2024-01-15T01:00:00Z",
            "2024-01-15T01:30:00Z",
            Decimal(1),
            Decimal("0.10"),
            Decimal("0.1"),
        ),
        (
            "2024-01-15T04:30:00Z",
            "2024-01-15T05:00:00Z",
            Decimal("0.5"),
            Decimal("0.40"),
            Decimal("0.2"),
        ),
        ("2024-01-15T05:00:00Z", "2024-01-15T05:30:00Z", Decimal("0.5"), None, None),
    ]


async def test_cost_needs_only_the_read_scope(make_tenant: TenantFactory, tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    reader = await make_tenant.another_client(tenant, scope="read")
    response = await reader.post(
        f"users/{user_id}/buildings/{building_id}/cost", json={"consumption": []}
    )
    assert exact(response) == {
        "currency": "EUR",
        "total_cost": Decimal(0),
        "covered_kwh": Decimal(0),
        "uncovered_kwh": Decimal(0),
        "price_basis": None,
        "standing_charge": None,
        "breakdown": [],
    }


async def test_current_interval_contains_now(tenant: Tenant) -> None:
    user_id, building_id = await setup_building(tenant)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    entries = [
        {"timestamp": (hour + timedelta(hours=h)).isoformat(), "price": Decimal(f"0.{10 + h}")}
        for h in range(-1, 2)
    ]
    await add_contract(tenant, user_id, entries, building_id=building_id)
    answer = exact(
        await tenant.get(f"users/{user_id}/buildings/{building_id}/effective-prices/current")
    )
    start = datetime.fromisoformat(answer["start"])
    end = datetime.fromisoformat(answer["end"])
    assert start <= datetime.now(UTC) < end
    assert answer["source"] == "building"
    if start == hour:  # the hour did not roll over during the test
        assert answer["price"] == Decimal("0.10")
        assert end == hour + timedelta(hours=1)


BAD_QUERIES = [
    ({"from": "2024-01-15T05:00:00Z", "to": "2024-01-15T00:00:00Z"}, "to"),
    ({"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T00:00:00Z"}, "to"),
    ({"from": "2024-01-01T00:00:00Z", "to": "2025-01-02T00:00:01Z"}, "to"),
    ({"from": "2024-01-15T00:00:00", "to": "2024-01-15T05:00:00Z"}, "from"),
    ({"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z", "interval": 45}, "interval"),
    ({"day": "2024-13-01"}, "day"),
    ({"day": "2024-01-15", "from": "2024-01-15T00:00:00Z"}, "day"),
    ({}, "from"),
    ({"from": "2024-01-15T00:00:00Z"}, "to"),
    ({"from": "yesterday", "to": "2024-01-15T05:00:00Z"}, "from"),
]


@pytest.mark.parametrize(("params", "field"), BAD_QUERIES)
async def test_bad_effective_price_queries_are_422(
    tenant: Tenant, params: dict[str, Any], field: str
) -> None:
    user_id, building_id = await setup_building(tenant)
    response = await tenant.get(
        f"users/{user_id}/buildings/{building_id}/effective-prices", params=params
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -15}, "minutes"),
        ({"minutes": 301}, "minutes"),
        ({"minutes": "an hour"}, "minutes"),
        ({}, "minutes"),
    ],
)
async def test_bad_cheapest_window_queries_are_422(
    tenant: Tenant, params: dict[str, Any], field: str
) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    query = {"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z", **params}
    response = await tenant.get(
        f"users/{user_id}/buildings/{building_id}/cheapest-window", params=query
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


T0, T1, T2 = "2024-01-15T00:00:00Z", "2024-01-15T01:00:00Z", "2024-01-15T02:00:00Z"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"start": T0, "end": T1, "kwh": -1}, "consumption[0].kwh"),
        ({"start": T0, "end": T1, "kwh": "1"}, "consumption[0].kwh"),
        ({"start": T1, "end": T1, "kwh": 1}, "consumption[0].end"),
        ({"start": T2, "end": T1, "kwh": 1}, "consumption[0].end"),
        ({"start": "2024-01-15T00:00:00", "end": T1, "kwh": 1}, "consumption[0].start"),
        ({"start": T0, "end": T1}, "consumption[0].kwh"),
        ({"start": T0, "end": T1, "kwh": 1, "x": 1}, "consumption[0].x"),
    ],
)
async def test_bad_consumption_is_422(tenant: Tenant, item: dict[str, Any], field: str) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    response = await tenant.post(
        f"users/{user_id}/buildings/{building_id}/cost", json={"consumption": [item]}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_non_finite_kwh_is_refused(tenant: Tenant) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    response = await tenant.post(
        f"users/{user_id}/buildings/{building_id}/cost",
        content=b'{"consumption": [{"start": "2024-01-15T00:00:00Z", '
        b'"end": "2024-01-15T01:00:00Z", "kwh": NaN}]}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


async def test_another_organisation_gets_404_everywhere(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    user_id, building_id = await hourly_building(tenant, ["0.30"])
    intruder = await make_tenant()
    base = f"{tenant.base}/users/{user_id}"
    query = {"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T05:00:00Z"}
    for path, params in [
        (f"{base}/buildings/{building_id}/effective-prices", query),
        (f"{base}/buildings/{building_id}/effective-prices/current", {}),
        (f"{base}/effective-prices", query),
        (f"{base}/effective-prices/current", {}),
        (f"{base}/buildings/{building_id}/cheapest-window", {"minutes": 60, **query}),
    ]:
        assert (await intruder.get(path, params=params)).status_code == 404, path
    cost = await intruder.post(f"{base}/buildings/{building_id}/cost", json={"consumption": []})
    assert cost.status_code == 404
    # And a foreign building under one's own organisation's user path is a 404 too.
    other_user, _ = await setup_building(tenant)
    response = await tenant.get(
        f"users/{other_user}/buildings/{building_id}/effective-prices", params=query
    )
    assert response.status_code == 404


async def test_kolkata_hour_grid_lies_on_half_hours_utc(make_tenant: TenantFactory) -> None:
    tenant = await make_tenant(timezone="Asia/Kolkata")
    user_id, building_id = await setup_building(tenant, "Asia/Kolkata")
    await add_contract(
        tenant,
        user_id,
        prices("2024-01-15T00:00:00+00:00", ["0.10", "0.20", "0.30", "0.40"], 30),
        building_id=building_id,
        price_interval_minutes=30,
    )
    answer = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"from": "2024-01-15T00:00:00Z", "to": "2024-01-15T02:00:00Z", "interval": 60},
        )
    )
    # IST is UTC+05:30, so local whole hours are at :30 UTC. The range starts and ends off
    # that grid, so the first and last slots are partial: 00:00–00:30 (0.10), then
    # 00:30–01:30 = 06:00–07:00 IST with (0.20 + 0.30) / 2 = 0.25, then 01:30–02:00 (0.40).
    assert simple(answer["intervals"]) == [
        ("2024-01-15T00:00:00Z", "2024-01-15T00:30:00Z", Decimal("0.10"), "building"),
        ("2024-01-15T00:30:00Z", "2024-01-15T01:30:00Z", Decimal("0.25"), "building"),
        ("2024-01-15T01:30:00Z", "2024-01-15T02:00:00Z", Decimal("0.40"), "building"),
    ]
