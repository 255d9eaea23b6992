"""SPEC §5 ``prices_known_until`` and the organisation-wide ``prices_known_until_before``.

A monthly or yearly entry holds one calendar month or year from its own timestamp on the
contract's clock (the building's, else the organisation's); a spot entry one interval; a
linked contract's is its series'. The filter is strict and leaves out contracts without
prices. The arithmetic is in the comments.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import make_building, make_contract, make_series, make_user
from tests.support.http import assert_problem, exact, walk_pages
from tests.support.tenants import Tenant, TenantFactory


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


def one_price(timestamp: str, price: float = 0.2) -> list[dict[str, Any]]:
    return [{"price": price, "timestamp": timestamp}]


async def known_until(tenant: Tenant, contract: dict[str, Any]) -> str | None:
    path = f"users/{contract['owner']}/energy-contracts/{contract['id']}"
    with_prices = exact(await tenant.get(path))["prices_known_until"]
    without = exact(await tenant.get(path, params={"include_prices": "false"}))
    assert without["prices_known_until"] == with_prices
    value: str | None = with_prices
    return value


@pytest.mark.parametrize(
    ("kind", "entries", "expected"),
    [
        # Vienna, CET: 2024-01-31 00:00 + one calendar month = 2024-02-29 00:00 (clamped to
        # the month's end, a leap year) = 2024-02-28T23:00Z.
        (
            "monthly",
            [("2024-01-01T00:00:00+01:00", 0.2), ("2024-01-31T00:00:00+01:00", 0.21)],
            "2024-02-28T23:00:00Z",
        ),
        # Across the spring change: 2024-03-15 12:00 CET + one month = 2024-04-15 12:00 CEST
        # = 10:00Z (a month of 31 days less one hour).
        ("monthly", [("2024-03-15T12:00:00+01:00", 0.2)], "2024-04-15T10:00:00Z"),
        # 2024-02-29 00:00 + one calendar year = 2025-02-28 00:00 CET = 2025-02-27T23:00Z.
        ("yearly", [("2024-02-29T00:00:00+01:00", 0.25)], "2025-02-27T23:00:00Z"),
        # The last entry counts, not the first; a year from 2025-01-01 00:00 CET.
        (
            "yearly",
            [("2024-01-01T00:00:00+01:00", 0.25), ("2025-01-01T00:00:00+01:00", 0.27)],
            "2025-12-31T23:00:00Z",
        ),
    ],
)
async def test_a_calendar_entry_holds_one_month_or_year_on_the_contracts_clock(
    tenant: Tenant, kind: str, entries: list[tuple[str, float]], expected: str
) -> None:
    user = await make_user(tenant)
    contract = await make_contract(
        tenant,
        user["id"],
        energy_contract_type=kind,
        energy_prices=[{"price": price, "timestamp": ts} for ts, price in entries],
    )
    assert contract["prices_known_until"] == expected
    assert await known_until(tenant, contract) == expected


async def test_a_building_contract_follows_the_buildings_clock(tenant: Tenant) -> None:
    user = await make_user(tenant)
    london = await make_building(tenant, user["id"], timezone="Europe/London")
    contract = await make_contract(
        tenant,
        user["id"],
        building_id=london["id"],
        energy_contract_type="monthly",
        energy_prices=one_price("2024-01-31T00:00:00Z"),
    )
    # London, GMT: 2024-01-31 00:00 + one month = 2024-02-29 00:00 GMT.
    assert await known_until(tenant, contract) == "2024-02-29T00:00:00Z"


async def test_a_spot_entry_holds_one_interval(tenant: Tenant) -> None:
    user = await make_user(tenant)
    contract = await make_contract(
        tenant,
        user["id"],
        price_interval_minutes=30,
        energy_prices=one_price("2024-01-15T10:00:00Z") + one_price("2024-01-15T10:30:00Z"),
    )
    assert await known_until(tenant, contract) == "2024-01-15T11:00:00Z"
    no_prices = await make_contract(tenant, (await make_user(tenant))["id"])
    assert await known_until(tenant, no_prices) is None


async def test_prices_known_until_follows_writes_and_deletes(tenant: Tenant) -> None:
    user = await make_user(tenant)
    contract = await make_contract(tenant, user["id"], energy_contract_type="monthly")
    path = f"users/{user['id']}/energy-contracts/{contract['id']}"
    exact(
        await tenant.put(
            f"{path}/prices", json={"energy_prices": one_price("2024-05-10T00:00:00Z")}
        )
    )
    # 2024-05-10 00:00 UTC is 02:00 CEST; a month later 2024-06-10 02:00 CEST = 00:00Z.
    assert await known_until(tenant, contract) == "2024-06-10T00:00:00Z"
    exact(await tenant.delete(f"{path}/prices"))
    assert await known_until(tenant, contract) is None


async def test_the_filter_is_strict_and_leaves_out_contracts_without_prices(
    tenant: Tenant,
) -> None:
    users = [await make_user(tenant) for _ in range(6)]
    # Monthly, last entry 2024-02-01 00:00 CET: known until 2024-03-01 00:00 CET
    # = 2024-02-29T23:00Z (a calendar month, not 30 days).
    monthly = await make_contract(
        tenant,
        users[0]["id"],
        energy_contract_type="monthly",
        energy_prices=one_price("2024-02-01T00:00:00+01:00"),
    )
    # Yearly, 2024-01-01 00:00 CET: known until 2025-01-01 00:00 CET = 2024-12-31T23:00Z.
    yearly = await make_contract(
        tenant,
        users[1]["id"],
        energy_contract_type="yearly",
        energy_prices=one_price("2024-01-01T00:00:00+01:00"),
    )
    # Spot, 15 minutes, last 2024-02-29T22:00Z: known until 22:15Z.
    spot = await make_contract(
        tenant,
        users[2]["id"],
        price_interval_minutes=15,
        energy_prices=one_price("2024-02-29T22:00:00Z"),
    )
    # Linked to a 60-minute series whose last price is at 2024-02-29T21:00Z: until 22:00Z.
    series = await make_series(tenant, interval_minutes=60)
    exact(
        await tenant.put(
            f"price-series/{series['id']}/prices",
            json={"energy_prices": one_price("2024-02-29T21:00:00Z")},
        )
    )
    linked = await make_contract(
        tenant, users[3]["id"], energy_price_index={"series_id": series["id"]}
    )
    await make_contract(tenant, users[4]["id"])  # no prices: never listed
    await make_contract(
        tenant, users[5]["id"], energy_price_index={"series_id": (await make_series(tenant))["id"]}
    )  # linked to a series without prices: never listed

    async def running_out(before: str, **params: Any) -> list[str]:
        pages = await walk_pages(
            tenant, "energy-contracts", prices_known_until_before=before, **params
        )
        return [contract["id"] for page in pages for contract in page]

    assert await running_out("2024-02-29T22:00:00Z") == []
    assert await running_out("2024-02-29T22:00:00.000001Z") == [linked["id"]]
    assert sorted(await running_out("2024-02-29T22:15:00.000001Z")) == sorted(
        [linked["id"], spot["id"]]
    )
    # The monthly contract runs out at 23:00Z exactly: strictly before means later.
    assert sorted(await running_out("2024-02-29T23:00:00Z")) == sorted([linked["id"], spot["id"]])
    assert sorted(await running_out("2024-03-01T00:00:00+01:00", limit=1)) == sorted(
        [linked["id"], spot["id"]]
    )
    everyone = sorted([linked["id"], spot["id"], monthly["id"], yearly["id"]])
    assert sorted(await running_out("2025-01-01T00:00:00Z", limit=1)) == everyone
    assert await running_out("2025-01-01T00:00:00Z", user_id=users[1]["id"]) == [yearly["id"]]


async def test_a_bad_filter_instant_is_422(tenant: Tenant) -> None:
    for value in ("soon", "2024-01-01T00:00:00", "2300-01-01T00:00:00Z"):
        response = await tenant.get("energy-contracts", params={"prices_known_until_before": value})
        assert_problem(response, 422, "prices_known_until_before")
