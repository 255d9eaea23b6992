"""SPEC §12 through the API: every building's effective prices as NDJSON, each line exactly
the building's own ``effective-prices?day=`` answer with its ids, in building-id order."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from energy_contracts.tariffs.schemas import SECTION_14A_EXAMPLE
from tests.support.factories import make_building, make_contract, make_series, make_user
from tests.support.http import assert_problem, next_url
from tests.support.tenants import Tenant, TenantFactory

NDJSON = "application/x-ndjson"
DAY = "2025-03-30"  # 23 hours in Vienna and London, 24 in New York (changed on 9 March)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


def quarter_hours(first: str, count: int, base: float) -> list[dict[str, Any]]:
    start = datetime.fromisoformat(first)
    return [
        {
            "timestamp": (start + timedelta(minutes=15 * i)).isoformat(),
            "price": round(base + (i % 7) / 100, 4),
        }
        for i in range(count)
    ]


async def populate(tenant: Tenant) -> list[tuple[str, str]]:
    """Buildings in three time zones: linked to one series with one tariff, with their own
    prices, with only a user-level contract, and with nothing at all."""
    tariff = (
        await tenant.post("tariffs", json={**copy.deepcopy(SECTION_14A_EXAMPLE), "name": "14a"})
    ).json()
    series = await make_series(tenant, interval_minutes=15, timezone="Europe/Vienna")
    # 2025-03-29T22:00Z to 2025-03-31T06:00Z: every building's 30 March, whatever its zone.
    response = await tenant.put(
        f"price-series/{series['id']}/prices",
        json={"energy_prices": quarter_hours("2025-03-29T22:00:00+00:00", 128, 0.05)},
    )
    assert response.status_code == 200, response.text
    places: list[tuple[str, str]] = []
    for timezone in ("Europe/Vienna", "America/New_York", "Europe/London"):
        user = await make_user(tenant)
        linked = await make_building(tenant, user["id"], timezone=timezone)
        await make_contract(
            tenant,
            user["id"],
            building_id=linked["id"],
            energy_price_includes_external_components=False,
            tariff_id=tariff["id"],
            energy_price_index={"series_id": series["id"], "factor": 1.1, "markup": 0.01},
        )
        own = await make_building(tenant, user["id"], timezone=timezone)
        await make_contract(
            tenant,
            user["id"],
            building_id=own["id"],
            price_interval_minutes=15,
            energy_price_includes_external_components=True,
            energy_prices=quarter_hours("2025-03-30T03:00:00+00:00", 20, 0.2),
        )
        # The user-level contract covers the rest of both buildings' days, and all of this one.
        user_level_only = await make_building(tenant, user["id"], timezone=timezone)
        await make_contract(
            tenant,
            user["id"],
            energy_contract_type="monthly",
            energy_price_includes_external_components=True,
            energy_prices=[{"price": 0.31, "timestamp": "2025-03-01T00:00:00+01:00"}],
        )
        places += [(user["id"], b["id"]) for b in (linked, own, user_level_only)]
        other = await make_user(tenant)
        bare = await make_building(tenant, other["id"], timezone=timezone)
        places.append((other["id"], bare["id"]))
        # Two users whose only contracts follow the series with the tariff: the same answer
        # but for the contract ids (the bulk read shares the work).
        for _ in range(2):
            alike = await make_user(tenant)
            building = await make_building(tenant, alike["id"], timezone=timezone)
            await make_contract(
                tenant,
                alike["id"],
                building_id=building["id"],
                energy_price_includes_external_components=False,
                tariff_id=tariff["id"],
                energy_price_index={"series_id": series["id"], "factor": 1.1, "markup": 0.01},
            )
            places.append((alike["id"], building["id"]))
    return places


async def bulk(tenant: Tenant, **params: Any) -> tuple[list[bytes], Any]:
    response = await tenant.get("effective-prices", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(NDJSON)
    # Every line ends with a newline (no content at all without buildings).
    assert response.content == b"" or response.content.endswith(b"\n")
    return response.content.split(b"\n")[:-1], response


async def test_each_line_is_the_buildings_own_answer_with_its_ids(tenant: Tenant) -> None:
    places = await populate(tenant)
    lines, response = await bulk(tenant, day=DAY)
    assert "link" not in response.headers
    expected_order = sorted(places, key=lambda place: place[1])
    assert [(json.loads(line)["user_id"], json.loads(line)["building_id"]) for line in lines] == (
        expected_order
    )
    for line, (user_id, building_id) in zip(lines, expected_order, strict=True):
        single = await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices", params={"day": DAY}
        )
        # Exactly the same members with the same formatting, after the two ids.
        prefix = f'{{"user_id":"{user_id}","building_id":"{building_id}",'.encode()
        assert line == prefix + single.content[1:]
    answers = [json.loads(line) for line in lines]
    assert {answer["timezone"] for answer in answers} == {
        "Europe/Vienna",
        "America/New_York",
        "Europe/London",
    }
    assert {answer["price_basis"] for answer in answers} == {"all_in", None}
    assert any(i["breakdown"] for answer in answers for i in answer["intervals"])


async def test_resampled_lines_equal_resampled_answers(tenant: Tenant) -> None:
    places = await populate(tenant)
    lines, _ = await bulk(tenant, day=DAY, interval=60)
    by_building = {json.loads(line)["building_id"]: line for line in lines}
    for user_id, building_id in places:
        single = await tenant.get(
            f"users/{user_id}/buildings/{building_id}/effective-prices",
            params={"day": DAY, "interval": 60},
        )
        assert json.loads(by_building[building_id]) == {
            "user_id": user_id,
            "building_id": building_id,
            **json.loads(single.content),
        }


async def test_pages_follow_the_link_in_building_id_order(tenant: Tenant) -> None:
    places = await populate(tenant)
    seen: list[str] = []
    lines, response = await bulk(tenant, day=DAY, limit=5)
    pages = 1
    seen += [json.loads(line)["building_id"] for line in lines]
    while (url := next_url(response)) is not None:
        response = await tenant.http.get(url, headers=tenant.headers)
        assert response.status_code == 200
        seen += [json.loads(line)["building_id"] for line in response.content.splitlines()]
        pages += 1
    assert pages == 4  # 18 buildings, 5 a page
    assert seen == sorted(building_id for _, building_id in places)


async def test_bad_parameters_are_422(tenant: Tenant) -> None:
    assert_problem(await tenant.get("effective-prices"), 422, "day")
    assert_problem(await tenant.get("effective-prices", params={"day": "30.3.2025"}), 422, "day")
    too_many = await tenant.get("effective-prices", params={"day": DAY, "limit": 10_001})
    assert_problem(too_many, 422, "limit")
    assert_problem(
        await tenant.get("effective-prices", params={"day": DAY, "interval": 45}), 422, "interval"
    )
    none = await tenant.get("effective-prices", params={"day": DAY, "limit": 0})
    assert_problem(none, 422, "limit")
    garbage = await tenant.get("effective-prices", params={"day": DAY, "cursor": "garbage"})
    assert_problem(garbage, 422, "cursor")
    assert_problem(await tenant.get("effective-prices", params={"day": "2025-02-30"}), 422, "day")


async def test_only_the_callers_buildings_and_no_line_without_one(
    make_tenant: TenantFactory, tenant: Tenant
) -> None:
    await populate(tenant)
    other = await make_tenant()
    lines, _ = await bulk(other, day=DAY)
    assert lines == []
    foreign = await other.http.get(f"{tenant.base}/effective-prices", params={"day": DAY},
                                   headers=other.headers)  # fmt: skip
    assert_problem(foreign, 404)
