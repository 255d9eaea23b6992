"""SPEC §4a through the API: contracts that take their energy price from a price series.

Derived prices are ``series × factor + markup``, exact (the arithmetic is in the tests); a
linked contract stores no prices; every refused request writes nothing.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from energy_contracts.db.engine import Database
from tests.support.factories import make_building, make_contract, make_series, make_user
from tests.support.http import assert_problem, exact
from tests.support.rows import count_prices
from tests.support.tenants import Tenant, TenantFactory

# Four quarter hours of 2025-10-01 in Vienna (CEST, UTC+2).
SERIES_PRICES = [
    ("0.0812", "2025-10-01T00:00:00+02:00"),
    ("0.0795", "2025-10-01T00:15:00+02:00"),
    ("-0.0031", "2025-10-01T00:30:00+02:00"),
    ("0.1234567890123456789", "2025-10-01T00:45:00+02:00"),
]


def price_body(entries: list[tuple[str, str]]) -> bytes:
    """``{"energy_prices": [...]}`` with the prices' exact digits."""
    items = ",".join(f'{{"price": {price}, "timestamp": "{ts}"}}' for price, ts in entries)
    return f'{{"energy_prices": [{items}]}}'.encode()


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


@pytest.fixture
async def user(tenant: Tenant) -> dict[str, Any]:
    return await make_user(tenant)


@pytest.fixture
async def series(tenant: Tenant) -> dict[str, Any]:
    created = await make_series(tenant, name="EPEX AT", interval_minutes=15)
    response = await tenant.put(
        f"price-series/{created['id']}/prices", content=price_body(SERIES_PRICES)
    )
    assert response.status_code == 200, response.text
    return created


def contract_path(user: dict[str, Any], contract: dict[str, Any]) -> str:
    return f"users/{user['id']}/energy-contracts/{contract['id']}"


async def linked(tenant: Tenant, user: dict[str, Any], index: dict[str, Any]) -> dict[str, Any]:
    response = await tenant.post(
        f"users/{user['id']}/energy-contracts",
        content=json.dumps(
            {
                "energy_contract_type": "spot_hourly",
                "currency_energy_price": "EUR",
                "energy_price_includes_external_components": False,
                "energy_price_index": index,
            }
        )
        .replace('"@', "")
        .replace('@"', ""),  # "@1.1@" is the JSON number 1.1, exactly
        headers={"Content-Type": "application/json"},
    )
    created: dict[str, Any] = exact(response)
    return created


async def test_derived_prices_are_series_times_factor_plus_markup_exactly(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any], database: Database
) -> None:
    contract = await linked(
        tenant, user, {"series_id": series["id"], "factor": "@1.1@", "markup": "@0.0125@"}
    )
    assert contract["energy_price_index"] == {
        "series_id": series["id"],
        "factor": Decimal("1.1"),
        "markup": Decimal("0.0125"),
    }
    assert contract["price_interval_minutes"] == 15  # the series'
    # 0.0812 × 1.1 + 0.0125 = 0.08932 + 0.0125 = 0.10182
    # 0.0795 × 1.1 + 0.0125 = 0.08745 + 0.0125 = 0.09995
    # −0.0031 × 1.1 + 0.0125 = −0.00341 + 0.0125 = 0.00909
    # 0.1234567890123456789 × 1.1 + 0.0125
    #   = 0.13580246791358024679 + 0.0125 = 0.14830246791358024679 (20 places, not rounded)
    expected = [
        {"price": Decimal("0.10182"), "timestamp": "2025-09-30T22:00:00Z"},
        {"price": Decimal("0.09995"), "timestamp": "2025-09-30T22:15:00Z"},
        {"price": Decimal("0.00909"), "timestamp": "2025-09-30T22:30:00Z"},
        {"price": Decimal("0.14830246791358024679"), "timestamp": "2025-09-30T22:45:00Z"},
    ]
    assert contract["energy_prices"] == expected
    read = exact(await tenant.get(contract_path(user, contract)))
    assert read["energy_prices"] == expected
    assert read["prices_known_until"] == "2025-09-30T23:00:00Z"  # the series': 22:45 + 15 min
    assert exact(await tenant.get(f"{contract_path(user, contract)}/prices")) == expected
    paged = await tenant.get(
        f"{contract_path(user, contract)}/prices",
        params={"from": "2025-09-30T22:15:00Z", "limit": 2},
    )
    assert exact(paged) == expected[1:3]
    assert "link" in paged.headers
    listed = exact(await tenant.get("energy-contracts"))
    assert [c["energy_prices"] for c in listed] == [expected]
    assert await count_prices(database, tenant.org_id) == 0  # nothing stored for the contract


async def test_factor_and_markup_default_to_one_and_zero(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    contract = await linked(tenant, user, {"series_id": series["id"]})
    assert contract["energy_price_index"] == {
        "series_id": series["id"],
        "factor": Decimal(1),
        "markup": Decimal(0),
    }
    assert [p["price"] for p in contract["energy_prices"]] == [
        Decimal(price) for price, _ in SERIES_PRICES
    ]


async def test_a_series_update_is_one_put_and_reaches_every_linked_contract(
    tenant: Tenant, series: dict[str, Any], database: Database
) -> None:
    users = [await make_user(tenant) for _ in range(3)]
    contracts = [
        await linked(tenant, u, {"series_id": series["id"], "markup": "@0.01@"}) for u in users
    ]
    update = price_body([("0.2", "2025-10-01T01:00:00+02:00")])
    written = await tenant.put(f"price-series/{series['id']}/prices", content=update)
    assert exact(written) == {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0}
    for u, contract in zip(users, contracts, strict=True):
        read = exact(await tenant.get(contract_path(u, contract)))
        # 0.2 × 1 + 0.01 = 0.21; the contract's version did not change.
        assert read["energy_prices"][-1] == {
            "price": Decimal("0.21"),
            "timestamp": "2025-09-30T23:00:00Z",
        }
        assert read["prices_known_until"] == "2025-09-30T23:15:00Z"
        assert (await tenant.get(contract_path(u, contract))).headers["etag"] == '"1"'
    assert await count_prices(database, tenant.org_id) == 0


async def test_unlinking_leaves_no_prices_and_relinking_works(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    contract = await linked(tenant, user, {"series_id": series["id"]})
    response = await tenant.put(contract_path(user, contract), json={"energy_price_index": None})
    unlinked = exact(response)
    assert response.headers["etag"] == '"2"'
    assert (unlinked["energy_price_index"], unlinked["energy_prices"]) == (None, [])
    assert unlinked["prices_known_until"] is None
    assert exact(await tenant.get(f"{contract_path(user, contract)}/prices")) == []
    # Unlinked, it may hold prices of its own again.
    own = await tenant.put(
        f"{contract_path(user, contract)}/prices",
        content=price_body([("0.3", "2025-10-01T00:00:00+02:00")]),
    )
    assert exact(own)["inserted"] == 1


async def test_a_series_interval_change_reaches_its_linked_contracts(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    empty = await make_series(tenant, interval_minutes=15)
    contract = await linked(tenant, user, {"series_id": empty["id"]})
    assert contract["price_interval_minutes"] == 15
    exact(await tenant.put(f"price-series/{empty['id']}", json={"interval_minutes": 30}))
    assert exact(await tenant.get(contract_path(user, contract)))["price_interval_minutes"] == 30


# --- the rules: 422 ------------------------------------------------------------------------


async def assert_refused_and_nothing_written(
    tenant: Tenant,
    user: dict[str, Any],
    response: httpx.Response,
    status: int,
    *fields: str,
) -> None:
    assert_problem(response, status, *fields)
    contracts = exact(await tenant.get(f"users/{user['id']}/energy-contracts"))
    assert contracts == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"energy_contract_type": "monthly"}, "energy_price_index"),
        ({"energy_contract_type": "yearly"}, "energy_price_index"),
        ({"currency_energy_price": None}, "currency_energy_price"),
        ({"price_interval_minutes": 60}, "price_interval_minutes"),
        (
            {"energy_prices": [{"price": 0.1, "timestamp": "2025-10-01T00:00:00+02:00"}]},
            "energy_prices",
        ),
        (
            {"energy_price": [{"price": 0.1, "timestamp": "2025-10-01T00:00:00+02:00"}]},
            "energy_price",
        ),
    ],
)
async def test_index_rules_are_422_naming_the_field(
    tenant: Tenant,
    user: dict[str, Any],
    series: dict[str, Any],
    extra: dict[str, Any],
    field: str,
) -> None:
    body = {
        "energy_contract_type": "spot_hourly",
        "currency_energy_price": "EUR",
        "energy_price_index": {"series_id": series["id"]},
        **extra,
    }
    response = await tenant.post(f"users/{user['id']}/energy-contracts", json=body)
    await assert_refused_and_nothing_written(tenant, user, response, 422, field)


async def test_the_series_interval_sent_again_is_fine(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    contract = await make_contract(
        tenant,
        user["id"],
        price_interval_minutes=15,
        energy_price_index={"series_id": series["id"]},
    )
    assert contract["price_interval_minutes"] == 15


async def test_another_interval_on_a_linked_contracts_put_is_422(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    # The link is kept (not sent again): the interval is still the series'.
    contract = await linked(tenant, user, {"series_id": series["id"]})
    response = await tenant.put(contract_path(user, contract), json={"price_interval_minutes": 60})
    assert_problem(response, 422, "price_interval_minutes")
    after = await tenant.get(contract_path(user, contract))
    assert after.headers["etag"] == '"1"'
    assert exact(after)["price_interval_minutes"] == 15
    same = await tenant.put(contract_path(user, contract), json={"price_interval_minutes": 15})
    assert same.headers["etag"] == '"1"'
    assert exact(same)["price_interval_minutes"] == 15


@pytest.mark.parametrize(
    ("index", "field"),
    [
        ({"series_id": "not-a-uuid"}, "energy_price_index.series_id"),
        ({}, "energy_price_index.series_id"),
        ({"series_id": "@SERIES@", "factor": "1.1"}, "energy_price_index.factor"),
        ({"series_id": "@SERIES@", "markup": 1e9}, "energy_price_index.markup"),
        ({"series_id": "@SERIES@", "factor": 1e-20}, "energy_price_index.factor"),
        ({"series_id": "@SERIES@", "offset": 1}, "energy_price_index.offset"),
    ],
)
async def test_a_malformed_index_is_422(
    tenant: Tenant,
    user: dict[str, Any],
    series: dict[str, Any],
    index: dict[str, Any],
    field: str,
) -> None:
    index = {k: series["id"] if v == "@SERIES@" else v for k, v in index.items()}
    body = {
        "energy_contract_type": "spot_hourly",
        "currency_energy_price": "EUR",
        "energy_price_index": index,
    }
    response = await tenant.post(f"users/{user['id']}/energy-contracts", json=body)
    await assert_refused_and_nothing_written(tenant, user, response, 422, field)


@pytest.mark.parametrize(
    ("term", "field"),
    [
        ('"factor": NaN', "energy_price_index.factor"),
        ('"markup": -Infinity', "energy_price_index.markup"),
    ],
)
async def test_a_non_finite_factor_or_markup_is_422_naming_it(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any], term: str, field: str
) -> None:
    # Not JSON at all, but SPEC §1: a number that is not finite is a 422 naming its field.
    body = (
        '{"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR", '
        f'"energy_price_index": {{"series_id": "{series["id"]}", {term}}}}}'
    )
    response = await tenant.post(
        f"users/{user['id']}/energy-contracts",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    await assert_refused_and_nothing_written(tenant, user, response, 422, field)


async def test_an_unknown_or_another_organisations_series_is_the_same_422(
    make_tenant: TenantFactory, tenant: Tenant, user: dict[str, Any]
) -> None:
    other = await make_tenant(currency="EUR", timezone="Europe/Vienna")
    theirs = await make_series(other)
    details = []
    for series_id in (theirs["id"], str(uuid.uuid4())):
        body = {
            "energy_contract_type": "spot_hourly",
            "currency_energy_price": "EUR",
            "energy_price_index": {"series_id": series_id},
        }
        response = await tenant.post(f"users/{user['id']}/energy-contracts", json=body)
        problem = assert_problem(response, 422, "energy_price_index.series_id")
        details.append(problem["errors"])
    assert details[0] == details[1]  # the answer never tells them apart
    assert exact(await tenant.get(f"users/{user['id']}/energy-contracts")) == []
    assert exact(await other.get("energy-contracts")) == []


async def test_changing_a_linked_contracts_type_is_422(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    contract = await linked(tenant, user, {"series_id": series["id"]})
    response = await tenant.put(
        contract_path(user, contract), json={"energy_contract_type": "monthly"}
    )
    assert_problem(response, 422, "energy_contract_type")
    after = await tenant.get(contract_path(user, contract))
    assert after.headers["etag"] == '"1"'
    assert exact(after)["energy_contract_type"] == "spot_hourly"
    # Type and index changed together: the index is the field in the way.
    both = await tenant.put(
        contract_path(user, contract),
        json={"energy_contract_type": "monthly", "energy_price_index": {"series_id": series["id"]}},
    )
    assert_problem(both, 422, "energy_price_index")


# --- the rules: 409 ------------------------------------------------------------------------


async def test_linking_a_contract_that_has_prices_is_409(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any], database: Database
) -> None:
    contract = await make_contract(
        tenant,
        user["id"],
        price_interval_minutes=15,
        energy_prices=[{"price": 0.3, "timestamp": "2025-10-01T00:00:00+02:00"}],
    )
    response = await tenant.put(
        contract_path(user, contract), json={"energy_price_index": {"series_id": series["id"]}}
    )
    assert_problem(response, 409)
    after = await tenant.get(contract_path(user, contract))
    assert after.headers["etag"] == '"1"'
    assert exact(after)["energy_price_index"] is None
    assert await count_prices(database, tenant.org_id) == 1


async def test_writing_prices_of_a_linked_contract_is_409(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any], database: Database
) -> None:
    contract = await linked(tenant, user, {"series_id": series["id"]})
    path = contract_path(user, contract)
    one_price = price_body([("0.3", "2025-10-01T00:00:00+02:00")])
    assert_problem(await tenant.put(f"{path}/prices", content=one_price), 409)
    assert_problem(await tenant.delete(f"{path}/prices"), 409)
    # Prices in a contract PUT while the stored link stays: the same conflict.
    assert_problem(await tenant.put(path, content=one_price), 409)
    assert (await tenant.get(path)).headers["etag"] == '"1"'
    assert await count_prices(database, tenant.org_id) == 0


# --- what a building pays ------------------------------------------------------------------


async def test_effective_prices_of_a_linked_contract_come_from_the_series(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    contract = await make_contract(
        tenant,
        user["id"],
        building_id=building["id"],
        energy_price_index={"series_id": series["id"], "factor": 2, "markup": -0.1},
    )
    answer = exact(
        await tenant.get(
            f"users/{user['id']}/buildings/{building['id']}/effective-prices",
            params={"from": "2025-09-30T22:00:00Z", "to": "2025-09-30T23:30:00Z"},
        )
    )
    # 0.0812 × 2 − 0.1 = 0.0624; 0.0795 × 2 − 0.1 = 0.059; −0.0031 × 2 − 0.1 = −0.1062;
    # 0.1234567890123456789 × 2 − 0.1 = 0.1469135780246913578; after 23:00 the series (and
    # so the contract) is unknown.
    assert [(i["start"], i["end"], i["price"], i["contract_id"]) for i in answer["intervals"]] == [
        ("2025-09-30T22:00:00Z", "2025-09-30T22:15:00Z", Decimal("0.0624"), contract["id"]),
        ("2025-09-30T22:15:00Z", "2025-09-30T22:30:00Z", Decimal("0.059"), contract["id"]),
        ("2025-09-30T22:30:00Z", "2025-09-30T22:45:00Z", Decimal("-0.1062"), contract["id"]),
        (
            "2025-09-30T22:45:00Z",
            "2025-09-30T23:00:00Z",
            Decimal("0.1469135780246913578"),
            contract["id"],
        ),
        ("2025-09-30T23:00:00Z", "2025-09-30T23:30:00Z", None, None),
    ]
    # The same through the day's single read (prices read together with the building).
    day = exact(
        await tenant.get(
            f"users/{user['id']}/buildings/{building['id']}/effective-prices",
            params={"day": "2025-10-01"},
        )
    )
    assert day["intervals"][:4] == answer["intervals"][:4]


async def test_a_linked_user_level_contract_fills_in_for_the_building(
    tenant: Tenant, user: dict[str, Any], series: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    await make_contract(
        tenant,
        user["id"],
        building_id=building["id"],
        price_interval_minutes=15,
        energy_prices=[{"price": 0.5, "timestamp": "2025-10-01T00:15:00+02:00"}],
    )
    user_level = await make_contract(
        tenant, user["id"], energy_price_index={"series_id": series["id"]}
    )
    answer = exact(
        await tenant.get(
            f"users/{user['id']}/buildings/{building['id']}/effective-prices",
            params={"from": "2025-09-30T22:00:00Z", "to": "2025-09-30T22:45:00Z"},
        )
    )
    assert [(i["price"], i["source"]) for i in answer["intervals"]] == [
        (Decimal("0.0812"), "user"),
        (Decimal("0.5"), "building"),
        (Decimal("-0.0031"), "user"),
    ]
    assert answer["intervals"][0]["contract_id"] == user_level["id"]
