"""SPEC §4 through the API: every field rule, aliases, conflicts, ETags, If-Match, listing."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from energy_contracts.contracts import repository
from energy_contracts.contracts.models import energy_prices
from energy_contracts.db.engine import Database
from tests.support.factories import make_building, make_contract, make_user
from tests.support.http import assert_problem, exact
from tests.support.tenants import Tenant, TenantFactory

CONTRACT_KEYS = {
    "id",
    "owner",
    "building",
    "energy_contract_type",
    "energy_prices",
    "meter_id",
    "supplier",
    "currency_energy_price",
    "energy_price_includes_external_components",
    "price_interval_minutes",
    "energy_price_index",
    "tariff_id",
    "prices_known_until",
    "created_at",
    "updated_at",
}
HOURS = [
    {"price": 0.15, "timestamp": "2024-01-15T00:00:00+00:00"},
    {"price": 0.18, "timestamp": "2024-01-15T01:00:00+00:00"},
]


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


@pytest.fixture
async def user(tenant: Tenant) -> dict[str, Any]:
    return await make_user(tenant)


def contracts_path(user: dict[str, Any]) -> str:
    return f"users/{user['id']}/energy-contracts"


async def send(
    tenant: Tenant, method: str, path: str, *, if_match: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = dict(tenant.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return await tenant.http.request(method, f"{tenant.base}/{path}", headers=headers, **kwargs)


async def create(tenant: Tenant, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """``make_contract``, parsed with exact decimals so that it compares with later reads."""
    created = await make_contract(tenant, user["id"], **fields)
    path = f"{contracts_path(user)}/{created['id']}"
    fetched: dict[str, Any] = exact(await tenant.get(path))
    return fetched


async def contracts_of(tenant: Tenant, user: dict[str, Any]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = exact(await tenant.get(contracts_path(user)))
    return listed


async def stored_price_count(database: Database, contract_id: str) -> int:
    async with database.session(write=False) as session:
        count = await session.scalar(
            select(func.count()).where(energy_prices.c.contract_id == uuid.UUID(contract_id))
        )
    return int(count or 0)


# --- creating ------------------------------------------------------------------------------


async def test_create_answers_200_with_location_etag_and_the_contract(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    response = await tenant.post(
        contracts_path(user),
        json={
            "energy_contract_type": "spot_hourly",
            "meter_id": "125328591095",
            "supplier": "Dynamic Energy Co",
            "currency_energy_price": "eur",
            "energy_price_includes_external_components": False,
            "energy_prices": HOURS,
        },
    )
    created = exact(response)
    assert set(created) == CONTRACT_KEYS
    assert created["owner"] == user["id"]
    assert created["building"] is None
    assert created["energy_contract_type"] == "spot_hourly"
    assert created["currency_energy_price"] == "EUR"
    assert created["price_interval_minutes"] == 60
    assert created["energy_price_includes_external_components"] is False
    assert created["energy_prices"] == [
        {"price": Decimal("0.15"), "timestamp": "2024-01-15T00:00:00Z"},
        {"price": Decimal("0.18"), "timestamp": "2024-01-15T01:00:00Z"},
    ]
    assert created["created_at"] == created["updated_at"]
    assert created["created_at"].endswith("Z")
    assert response.headers["etag"] == '"1"'
    location = response.headers["location"]
    assert location.endswith(f"{tenant.base}/{contracts_path(user)}/{created['id']}")
    fetched = await tenant.http.get(location, headers=tenant.headers)
    assert exact(fetched) == created
    assert fetched.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("spot_hourly", "spot_hourly"),
        ("Spot Hourly", "spot_hourly"),
        ("spot-hourly", "spot_hourly"),
        ("SPOT HOURLY", "spot_hourly"),
        ("Monthly", "monthly"),
        ("MONTHLY", "monthly"),
        ("Yearly", "yearly"),
        ("yearly", "yearly"),
    ],
)
async def test_contract_type_spellings(
    tenant: Tenant, user: dict[str, Any], sent: str, stored: str
) -> None:
    created = await make_contract(tenant, user["id"], energy_contract_type=sent)
    assert created["energy_contract_type"] == stored
    assert created["price_interval_minutes"] == (60 if stored == "spot_hourly" else None)


Y = {"energy_contract_type": "yearly"}
S = {"energy_contract_type": "spot_hourly"}
CURRENCY = "currency_energy_price"
INTERVAL = "price_interval_minutes"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"energy_contract_type": "hourly"}, "energy_contract_type"),
        ({"energy_contract_type": "spot hourly daily"}, "energy_contract_type"),
        ({"energy_contract_type": None}, "energy_contract_type"),
        ({"energy_contract_type": 1}, "energy_contract_type"),
        ({}, "energy_contract_type"),
        ({"energy_contract_type": "yearly", "meter_id": "x" * 20}, "meter_id"),
        ({"energy_contract_type": "yearly", "supplier": "x" * 101}, "supplier"),
        ({"energy_contract_type": "yearly", "meter_id": "12\x0034"}, "meter_id"),
        ({"energy_contract_type": "yearly", "supplier": "nul\x00byte"}, "supplier"),
        ({**Y, CURRENCY: "EURO"}, CURRENCY),
        ({**Y, CURRENCY: "XAU"}, CURRENCY),
        ({**Y, CURRENCY: "USD"}, CURRENCY),
        ({**Y, CURRENCY: 978}, CURRENCY),
        (
            {"energy_contract_type": "yearly", "energy_price_includes_external_components": "yes"},
            "energy_price_includes_external_components",
        ),
        ({**S, INTERVAL: 45}, INTERVAL),
        ({**S, INTERVAL: "15"}, INTERVAL),
        ({"energy_contract_type": "monthly", INTERVAL: 15}, INTERVAL),
        ({**Y, INTERVAL: 60}, INTERVAL),
        ({"energy_contract_type": "yearly", "building_id": "not-a-uuid"}, "building_id"),
        ({"energy_contract_type": "yearly", "owner": str(uuid.uuid4())}, "owner"),
        ({"energy_contract_type": "yearly", "owner": None}, "owner"),
        ({"energy_contract_type": "yearly", "id": str(uuid.uuid4())}, "id"),
        ({"energy_contract_type": "yearly", "energy_pirces": []}, "energy_pirces"),
        ({"energy_contract_type": "yearly", "energy_prices": HOURS}, "currency_energy_price"),
        (
            {"energy_contract_type": "yearly", "energy_prices": HOURS, "energy_price": HOURS},
            "energy_price",
        ),
        (
            {
                "energy_contract_type": "yearly",
                "building_id": str(uuid.uuid4()),
                "building": str(uuid.uuid4()),
            },
            "building",
        ),
        ({"energy_contract_type": "yearly", "building_id": str(uuid.uuid4())}, "building_id"),
        ({"energy_contract_type": "yearly", "building": str(uuid.uuid4())}, "building"),
    ],
)  # fmt: skip
async def test_invalid_fields_are_422_naming_the_field_and_write_nothing(
    tenant: Tenant, user: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    assert_problem(await tenant.post(contracts_path(user), json=body), 422, field)
    assert await contracts_of(tenant, user) == []


async def test_meter_id_of_19_and_supplier_of_100_characters_are_fine(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(tenant, user["id"], meter_id="1" * 19, supplier="s" * 100)
    assert (created["meter_id"], created["supplier"]) == ("1" * 19, "s" * 100)


async def test_owner_equal_to_the_path_user_is_accepted(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(tenant, user["id"], owner=user["id"])
    assert created["owner"] == user["id"]
    response = await tenant.put(
        f"{contracts_path(user)}/{created['id']}", json={"owner": str(uuid.uuid4())}
    )
    assert_problem(response, 422, "owner")


async def test_several_invalid_fields_are_all_named(tenant: Tenant, user: dict[str, Any]) -> None:
    response = await tenant.post(
        contracts_path(user),
        json={
            "energy_contract_type": "hourly",
            "currency_energy_price": "USD",
            "owner": str(uuid.uuid4()),
        },
    )
    assert_problem(response, 422, "energy_contract_type", "currency_energy_price", "owner")


async def test_malformed_json_is_400(tenant: Tenant, user: dict[str, Any]) -> None:
    response = await tenant.post(contracts_path(user), content=b'{"energy_contract_type": ')
    assert_problem(response, 400)
    response = await tenant.post(contracts_path(user), content=b"")
    assert_problem(response, 400)


async def test_aliases_energy_price_and_building(tenant: Tenant, user: dict[str, Any]) -> None:
    building = await make_building(tenant, user["id"])
    created = await make_contract(
        tenant,
        user["id"],
        energy_contract_type="Spot Hourly",
        building=building["id"],
        energy_price=HOURS,
    )
    assert created["building"] == building["id"]
    assert [p["timestamp"] for p in created["energy_prices"]] == [
        "2024-01-15T00:00:00Z",
        "2024-01-15T01:00:00Z",
    ]


async def test_another_users_building_is_422(tenant: Tenant, user: dict[str, Any]) -> None:
    other = await make_user(tenant)
    theirs = await make_building(tenant, other["id"])
    for name in ("building_id", "building"):
        response = await tenant.post(
            contracts_path(user), json={"energy_contract_type": "yearly", name: theirs["id"]}
        )
        assert_problem(response, 422, name)
    assert await contracts_of(tenant, user) == []
    assert await contracts_of(tenant, other) == []


async def test_another_organisations_building_is_the_same_422(
    tenant: Tenant, user: dict[str, Any], make_tenant: TenantFactory
) -> None:
    elsewhere = await make_tenant()
    their_user = await make_user(elsewhere)
    theirs = await make_building(elsewhere, their_user["id"])
    response = await tenant.post(
        contracts_path(user), json={"energy_contract_type": "yearly", "building_id": theirs["id"]}
    )
    unknown = await tenant.post(
        contracts_path(user),
        json={"energy_contract_type": "yearly", "building_id": str(uuid.uuid4())},
    )
    assert (
        assert_problem(response, 422, "building_id")["detail"]
        == (assert_problem(unknown, 422, "building_id")["detail"])
    )


async def test_prices_need_a_currency_but_an_empty_list_does_not(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = exact(
        await tenant.post(
            contracts_path(user), json={"energy_contract_type": "yearly", "energy_prices": []}
        )
    )
    assert created["currency_energy_price"] is None
    path = f"{contracts_path(user)}/{created['id']}"
    assert_problem(
        await tenant.put(path, json={"energy_price": HOURS}), 422, "currency_energy_price"
    )
    assert_problem(
        await tenant.put(f"{path}/prices", json={"energy_prices": HOURS}),
        422,
        "currency_energy_price",
    )
    assert exact(await tenant.get(path))["energy_prices"] == []
    updated = exact(await tenant.put(path, json={"currency_energy_price": "EUR"}))
    assert updated["currency_energy_price"] == "EUR"
    updated = exact(await tenant.put(path, json={"energy_price": HOURS}))
    assert len(updated["energy_prices"]) == 2
    response = await tenant.put(path, json={"currency_energy_price": None})
    assert_problem(response, 422, "currency_energy_price")
    assert exact(await tenant.get(path))["currency_energy_price"] == "EUR"


async def test_currency_must_be_the_organisations_billing_currency(
    make_tenant: TenantFactory,
) -> None:
    swiss = await make_tenant(currency="CHF")
    user = await make_user(swiss)
    created = await make_contract(swiss, user["id"], currency_energy_price="chf")
    assert created["currency_energy_price"] == "CHF"
    response = await swiss.put(
        f"{contracts_path(user)}/{created['id']}", json={"currency_energy_price": "EUR"}
    )
    problem = assert_problem(response, 422, "currency_energy_price")
    assert "CHF" in problem["errors"][0]["message"]


# --- one contract per user and per building --------------------------------------------------


async def test_second_user_level_contract_is_409_with_existing_id(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    first = await make_contract(tenant, user["id"])
    response = await tenant.post(
        contracts_path(user),
        json={"energy_contract_type": "yearly", "building_id": None, "energy_prices": []},
    )
    problem = assert_problem(response, 409)
    assert problem["existing_contract_id"] == first["id"]
    assert [c["id"] for c in await contracts_of(tenant, user)] == [first["id"]]


async def test_second_contract_for_a_building_is_409_with_existing_id(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    first = await make_contract(tenant, user["id"], building_id=building["id"])
    response = await tenant.post(
        contracts_path(user), json={"energy_contract_type": "monthly", "building": building["id"]}
    )
    assert assert_problem(response, 409)["existing_contract_id"] == first["id"]
    # A user-level contract and another building's contract are still fine.
    await make_contract(tenant, user["id"])
    other = await make_building(tenant, user["id"])
    await make_contract(tenant, user["id"], building_id=other["id"])
    assert len(await contracts_of(tenant, user)) == 3


async def test_moving_a_contract_onto_a_taken_slot_is_409(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    user_level = await make_contract(tenant, user["id"])
    on_building = await make_contract(tenant, user["id"], building_id=building["id"])
    path = f"{contracts_path(user)}/{on_building['id']}"
    response = await tenant.put(path, json={"building_id": None})
    assert assert_problem(response, 409)["existing_contract_id"] == user_level["id"]
    response = await tenant.put(
        f"{contracts_path(user)}/{user_level['id']}", json={"building": building["id"]}
    )
    assert assert_problem(response, 409)["existing_contract_id"] == on_building["id"]
    assert exact(await tenant.get(path))["building"] == building["id"]


async def test_a_contract_can_move_to_a_free_building_and_back_to_user_level(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    created = await make_contract(tenant, user["id"])
    path = f"{contracts_path(user)}/{created['id']}"
    assert (
        exact(await tenant.put(path, json={"building_id": building["id"]}))["building"]
        == (building["id"])
    )
    assert exact(await tenant.put(path, json={"building": None}))["building"] is None


# --- partial updates, type and interval rules ------------------------------------------------


async def test_put_changes_only_the_fields_sent_and_null_clears(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(
        tenant,
        user["id"],
        meter_id="125328591095",
        supplier="Good Energy Company",
        energy_price_includes_external_components=True,
    )
    path = f"{contracts_path(user)}/{created['id']}"
    updated = exact(await tenant.put(path, json={"supplier": "Other", "meter_id": None}))
    assert updated["supplier"] == "Other"
    assert updated["meter_id"] is None
    assert updated["energy_price_includes_external_components"] is True
    assert updated["currency_energy_price"] == "EUR"
    assert updated["created_at"] == created["created_at"]
    assert updated["updated_at"] > created["updated_at"]
    assert exact(await tenant.get(path)) == updated


async def test_interval_and_type_change_freely_without_prices(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(tenant, user["id"], price_interval_minutes=15)
    assert created["price_interval_minutes"] == 15
    path = f"{contracts_path(user)}/{created['id']}"
    assert (
        exact(await tenant.put(path, json={"price_interval_minutes": 30}))["price_interval_minutes"]
        == 30
    )
    assert (
        exact(await tenant.put(path, json={"price_interval_minutes": None}))[
            "price_interval_minutes"
        ]
        == 60
    )
    monthly = exact(await tenant.put(path, json={"energy_contract_type": "Monthly"}))
    assert (monthly["energy_contract_type"], monthly["price_interval_minutes"]) == ("monthly", None)
    response = await tenant.put(path, json={"price_interval_minutes": 15})
    assert_problem(response, 422, "price_interval_minutes")
    back = {"energy_contract_type": "spot-hourly", "price_interval_minutes": 15}
    spot = exact(await tenant.put(path, json=back))
    assert (spot["energy_contract_type"], spot["price_interval_minutes"]) == ("spot_hourly", 15)


async def test_with_prices_type_and_interval_changes_are_409(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await create(tenant, user, energy_prices=HOURS)
    path = f"{contracts_path(user)}/{created['id']}"
    assert_problem(await tenant.put(path, json={"price_interval_minutes": 15}), 409)
    assert_problem(await tenant.put(path, json={"energy_contract_type": "monthly"}), 409)
    assert_problem(
        await tenant.put(path, json={"energy_contract_type": "yearly", "supplier": "X"}), 409
    )
    unchanged = exact(await tenant.get(path))
    assert unchanged == created
    # Re-sending the current values is not a change.
    same = await tenant.put(
        path, json={"energy_contract_type": "Spot Hourly", "price_interval_minutes": 60}
    )
    assert exact(same) == created
    assert same.headers["etag"] == '"1"'
    # Once the prices are gone, the change is allowed.
    assert exact(await tenant.delete(f"{path}/prices")) == {"deleted": 2}
    changed = exact(await tenant.put(path, json={"price_interval_minutes": 15}))
    assert changed["price_interval_minutes"] == 15


async def test_spot_contract_with_prices_cannot_move_to_another_time_zone(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    kolkata = await make_building(tenant, user["id"], timezone="Asia/Kolkata")
    vienna = await make_building(tenant, user["id"], timezone="Europe/Vienna")
    created = await make_contract(tenant, user["id"], energy_prices=HOURS)  # org zone: Vienna
    path = f"{contracts_path(user)}/{created['id']}"
    assert_problem(await tenant.put(path, json={"building_id": kolkata["id"]}), 409)
    assert (
        exact(await tenant.put(path, json={"building_id": vienna["id"]}))["building"]
        == (vienna["id"])
    )


# --- reading ----------------------------------------------------------------------------------


async def test_include_prices_false_returns_an_empty_list(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await create(tenant, user, energy_prices=HOURS)
    path = f"{contracts_path(user)}/{created['id']}"
    single = exact(await tenant.get(path, params={"include_prices": "false"}))
    assert single == {**created, "energy_prices": []}
    assert (
        len(exact(await tenant.get(path, params={"include_prices": "true"}))["energy_prices"]) == 2
    )
    listed = exact(await tenant.get(contracts_path(user), params={"include_prices": "false"}))
    assert listed == [{**created, "energy_prices": []}]
    organisation = exact(await tenant.get("energy-contracts", params={"include_prices": "false"}))
    assert organisation == [{**created, "energy_prices": []}]
    put = await tenant.put(path, params={"include_prices": "false"}, json={"supplier": "S"})
    assert exact(put)["energy_prices"] == []


async def test_user_list_holds_only_that_users_contracts_with_prices(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    user_level = await make_contract(tenant, user["id"], energy_prices=HOURS)
    on_building = await make_contract(
        tenant, user["id"], building_id=building["id"], energy_prices=HOURS[:1]
    )
    other = await make_user(tenant)
    await make_contract(tenant, other["id"])
    listed = await contracts_of(tenant, user)
    assert sorted(c["id"] for c in listed) == sorted([user_level["id"], on_building["id"]])
    by_id = {c["id"]: c for c in listed}
    assert len(by_id[user_level["id"]]["energy_prices"]) == 2
    assert len(by_id[on_building["id"]]["energy_prices"]) == 1


async def test_unknown_contract_is_404(tenant: Tenant, user: dict[str, Any]) -> None:
    path = f"{contracts_path(user)}/{uuid.uuid4()}"
    for method in ("GET", "PUT", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"supplier": "x"}} if method == "PUT" else {}
        assert_problem(await send(tenant, method, path, **kwargs), 404)
    unknown_user = {"id": str(uuid.uuid4())}
    assert_problem(await tenant.get(contracts_path(unknown_user)), 404)
    assert_problem(
        await tenant.post(contracts_path(unknown_user), json={"energy_contract_type": "yearly"}),
        404,
    )


# --- ETag and If-Match -----------------------------------------------------------------------


async def test_etag_bumps_on_every_change_and_only_then(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await tenant.post(
        contracts_path(user),
        json={"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR"},
    )
    contract = exact(created)
    path = f"{contracts_path(user)}/{contract['id']}"
    assert created.headers["etag"] == '"1"'
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("PUT", {"supplier": "A"}, '"2"'),
        ("PUT", {"supplier": "A"}, '"2"'),  # nothing changed
        ("PUT", {"energy_prices": HOURS}, '"3"'),
        ("PUT", {"energy_prices": HOURS}, '"3"'),  # same prices again
        ("PUT", {"energy_prices": [{**HOURS[0], "price": 0.16}]}, '"4"'),
    ]
    for method, body, expected in steps:
        response = await send(tenant, method, path, json=body)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == expected, body
    prices_put = await tenant.put(f"{path}/prices", json={"energy_prices": HOURS})
    assert prices_put.headers["etag"] == '"5"'
    same_again = await tenant.put(f"{path}/prices", json={"energy_prices": HOURS})
    assert same_again.headers["etag"] == '"5"'
    deleted = await tenant.delete(f"{path}/prices", params={"from": "2024-01-15T01:00:00Z"})
    assert (exact(deleted), deleted.headers["etag"]) == ({"deleted": 1}, '"6"')
    nothing = await tenant.delete(f"{path}/prices", params={"from": "2030-01-01T00:00:00Z"})
    assert (exact(nothing), nothing.headers["etag"]) == ({"deleted": 0}, '"6"')
    fetched = await tenant.get(path)
    assert fetched.headers["etag"] == '"6"'
    assert (await tenant.get(f"{path}/prices")).headers["etag"] == '"6"'


async def test_stale_if_match_is_412_and_changes_nothing(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(tenant, user["id"], energy_prices=HOURS, supplier="A")
    path = f"{contracts_path(user)}/{created['id']}"
    assert (await tenant.put(path, json={"supplier": "B"})).headers["etag"] == '"2"'
    stale = '"1"'
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", path, {"json": {"supplier": "C"}}),
        ("DELETE", path, {}),
        ("PUT", f"{path}/prices", {"json": {"energy_prices": [{**HOURS[0], "price": 9}]}}),
        ("DELETE", f"{path}/prices", {}),
    ]
    for method, target, kwargs in attempts:
        for tag in (stale, 'W/"2"', '"2x"', ""):
            response = await send(tenant, method, target, if_match=tag, **kwargs)
            assert_problem(response, 412)
            assert response.headers["etag"] == '"2"'
    after = exact(await tenant.get(path))
    assert after["supplier"] == "B"
    assert [p["price"] for p in after["energy_prices"]] == [Decimal("0.15"), Decimal("0.18")]


async def test_matching_or_star_if_match_is_allowed(tenant: Tenant, user: dict[str, Any]) -> None:
    created = await make_contract(tenant, user["id"], energy_prices=HOURS)
    path = f"{contracts_path(user)}/{created['id']}"
    response = await send(tenant, "PUT", path, if_match='"1"', json={"supplier": "B"})
    assert response.headers["etag"] == '"2"'
    response = await send(tenant, "PUT", path, if_match='"7", "2"', json={"supplier": "C"})
    assert response.headers["etag"] == '"3"'
    response = await send(tenant, "PUT", path, if_match="*", json={"supplier": "D"})
    assert response.headers["etag"] == '"4"'
    response = await send(
        tenant, "PUT", f"{path}/prices", if_match='"4"', json={"energy_prices": [HOURS[0]]}
    )
    assert response.status_code == 200
    response = await send(tenant, "DELETE", f"{path}/prices", if_match="*")
    assert exact(response) == {"deleted": 2}
    response = await send(tenant, "DELETE", path, if_match=response.headers["etag"])
    assert response.status_code == 204


# --- deleting ----------------------------------------------------------------------------------


async def test_delete_contract_is_204_and_removes_its_prices(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    created = await make_contract(tenant, user["id"], energy_prices=HOURS)
    path = f"{contracts_path(user)}/{created['id']}"
    assert await stored_price_count(database, created["id"]) == 2
    response = await tenant.delete(path)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await tenant.get(path), 404)
    assert_problem(await tenant.get(f"{path}/prices"), 404)
    assert_problem(await tenant.delete(path), 404)
    assert await stored_price_count(database, created["id"]) == 0
    assert await contracts_of(tenant, user) == []
    # The slot is free again.
    await make_contract(tenant, user["id"])


async def test_deleting_a_building_deletes_its_contract(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    building = await make_building(tenant, user["id"])
    on_building = await make_contract(
        tenant, user["id"], building_id=building["id"], energy_prices=HOURS
    )
    user_level = await make_contract(tenant, user["id"])
    response = await tenant.delete(f"users/{user['id']}/buildings/{building['id']}")
    assert response.status_code == 204
    assert_problem(await tenant.get(f"{contracts_path(user)}/{on_building['id']}"), 404)
    assert [c["id"] for c in await contracts_of(tenant, user)] == [user_level["id"]]
    assert await stored_price_count(database, on_building["id"]) == 0


async def test_deleting_a_user_deletes_their_contracts(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    created = await make_contract(tenant, user["id"], energy_prices=HOURS)
    assert (await tenant.delete(f"users/{user['id']}")).status_code == 204
    assert exact(await tenant.get("energy-contracts")) == []
    assert await stored_price_count(database, created["id"]) == 0


# --- organisation-wide list --------------------------------------------------------------------


async def test_organisation_list_filters_and_pages(tenant: Tenant) -> None:
    users = [await make_user(tenant) for _ in range(3)]
    buildings = [await make_building(tenant, u["id"]) for u in users]
    created: list[dict[str, Any]] = []
    for u, b in zip(users, buildings, strict=True):
        created.append(await make_contract(tenant, u["id"], energy_prices=HOURS[:1]))
        created.append(await make_contract(tenant, u["id"], building_id=b["id"]))
    everything = exact(await tenant.get("energy-contracts"))
    assert sorted(c["id"] for c in everything) == sorted(c["id"] for c in created)
    assert [c["id"] for c in everything] == sorted(c["id"] for c in everything)  # by id

    seen: list[dict[str, Any]] = []
    url: str | None = f"{tenant.base}/energy-contracts?limit=4"
    pages = 0
    while url is not None:
        response = await tenant.http.get(url, headers=tenant.headers)
        page = exact(response)
        seen += page
        pages += 1
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None
        if url is not None:
            assert link is not None
            assert link.endswith('; rel="next"')
            assert "limit=4" in url
    assert pages == 2
    assert [c["id"] for c in seen] == [c["id"] for c in everything]
    assert len({c["id"] for c in seen}) == 6

    mine = exact(await tenant.get("energy-contracts", params={"user_id": users[1]["id"]}))
    assert sorted(c["id"] for c in mine) == sorted([created[2]["id"], created[3]["id"]])
    one = exact(await tenant.get("energy-contracts", params={"building_id": buildings[2]["id"]}))
    assert [c["id"] for c in one] == [created[5]["id"]]
    both = exact(
        await tenant.get(
            "energy-contracts",
            params={"user_id": users[0]["id"], "building_id": buildings[2]["id"]},
        )
    )
    assert both == []
    nobody = exact(await tenant.get("energy-contracts", params={"user_id": str(uuid.uuid4())}))
    assert nobody == []
    with_prices = {c["id"]: c for c in everything}
    assert len(with_prices[created[0]["id"]]["energy_prices"]) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": str(uuid.uuid4())}, "cursor"),  # 32 hex digits, no dashes
        ({"cursor": "F" * 32}, "cursor"),
        ({"user": str(uuid.uuid4())}, "user"),  # the parameter is called `user_id`
        ({"user_id": "nope"}, "user_id"),
    ],
)
async def test_organisation_list_bad_parameters_are_422(
    tenant: Tenant, params: dict[str, Any], field: str
) -> None:
    assert_problem(await tenant.get("energy-contracts", params=params), 422, field)


async def test_organisation_list_any_cursor_of_the_pattern_is_the_page_after_it(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    created = [await create(tenant, user), await create(tenant, user, building_id=building["id"])]
    ids = sorted(uuid.UUID(c["id"]) for c in created)
    pages = {"0" * 32: ids, ids[0].hex: ids[1:], ids[1].hex: [], "f" * 32: []}
    for cursor, expected in pages.items():
        page = exact(await tenant.get("energy-contracts", params={"cursor": cursor}))
        assert [uuid.UUID(c["id"]) for c in page] == expected, cursor


async def test_organisation_list_limit_500_is_allowed(tenant: Tenant) -> None:
    assert exact(await tenant.get("energy-contracts", params={"limit": 500})) == []


# --- scopes ------------------------------------------------------------------------------------


async def test_read_only_token_is_403_on_every_write(
    tenant: Tenant, user: dict[str, Any], make_tenant: TenantFactory
) -> None:
    created = await create(tenant, user, energy_prices=HOURS)
    path = f"{contracts_path(user)}/{created['id']}"
    reader = await make_tenant.another_client(tenant, scope="read")
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", contracts_path(user), {"json": {"energy_contract_type": "yearly"}}),
        ("PUT", path, {"json": {"supplier": "X"}}),
        ("DELETE", path, {}),
        ("PUT", f"{path}/prices", {"json": {"energy_prices": HOURS}}),
        ("DELETE", f"{path}/prices", {}),
    ]
    for method, target, kwargs in writes:
        assert_problem(await send(reader, method, target, **kwargs), 403)
    for target in (path, f"{path}/prices", contracts_path(user), "energy-contracts"):
        assert (await reader.get(target)).status_code == 200
    assert exact(await tenant.get(path)) == created


# --- concurrent writers ----------------------------------------------------------------------


async def test_concurrent_writers_with_one_etag_exactly_one_wins(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await create(tenant, user)
    path = f"{contracts_path(user)}/{created['id']}"
    writes = [
        send(tenant, "PUT", f"{path}/prices", if_match='"1"', json={"energy_prices": [
            {"price": i, "timestamp": "2024-01-15T00:00:00Z"}]})
        for i in range(5)
    ]  # fmt: skip
    responses = await asyncio.gather(*writes)
    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412, 412]
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.headers["etag"] == '"2"'
    assert len(exact(await tenant.get(path))["energy_prices"]) == 1


async def test_concurrent_batches_never_interleave(tenant: Tenant, user: dict[str, Any]) -> None:
    created = await create(tenant, user)
    path = f"{contracts_path(user)}/{created['id']}"
    stamps = [f"2024-01-{day:02d}T{hour:02d}:00:00Z" for day in (1, 2, 3) for hour in range(24)]

    def batch(value: int) -> dict[str, Any]:
        return {"energy_prices": [{"price": value, "timestamp": ts} for ts in stamps]}

    responses = await asyncio.gather(
        *(tenant.put(f"{path}/prices", json=batch(value)) for value in range(1, 7))
    )
    summaries = [exact(r) for r in responses]
    assert sorted(s["inserted"] for s in summaries) == [0, 0, 0, 0, 0, 72]
    assert sorted(s["updated"] for s in summaries) == [0, 72, 72, 72, 72, 72]
    stored = exact(await tenant.get(path))
    assert len(stored["energy_prices"]) == 72
    assert len({p["price"] for p in stored["energy_prices"]}) == 1  # one whole batch won
    assert (await tenant.get(path)).headers["etag"] == '"7"'


async def test_concurrent_creates_of_one_slot_give_one_contract_and_409s(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    body = {"energy_contract_type": "yearly", "currency_energy_price": "EUR"}
    responses = await asyncio.gather(
        *(tenant.post(contracts_path(user), json=body) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    for response in responses:
        if response.status_code == 409:
            assert assert_problem(response, 409)["existing_contract_id"] == winner["id"]
    assert [c["id"] for c in await contracts_of(tenant, user)] == [winner["id"]]


async def test_unique_index_backstop_turns_a_race_into_409(
    tenant: Tenant, user: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that passed the pre-check while another created the contract hits the unique
    index; that IntegrityError must become the same 409, never a 500."""
    first = await create(tenant, user)
    real = repository.conflicting_contract_id
    calls: list[object] = []

    async def blind_pre_check(*args: Any, **kwargs: Any) -> uuid.UUID | None:
        calls.append(args)
        return None if len(calls) == 1 else await real(*args, **kwargs)

    monkeypatch.setattr(repository, "conflicting_contract_id", blind_pre_check)
    response = await tenant.post(
        contracts_path(user), json={"energy_contract_type": "monthly", "energy_prices": []}
    )
    assert assert_problem(response, 409)["existing_contract_id"] == first["id"]
    assert len(calls) == 2
    building = await make_building(tenant, user["id"])
    on_building = await create(tenant, user, building_id=building["id"])
    calls.clear()
    moved = await tenant.put(
        f"{contracts_path(user)}/{first['id']}", json={"building_id": building["id"]}
    )
    assert assert_problem(moved, 409)["existing_contract_id"] == on_building["id"]
    monkeypatch.undo()
    assert sorted(c["id"] for c in await contracts_of(tenant, user)) == sorted(
        [first["id"], on_building["id"]]
    )
    assert exact(await tenant.get(f"{contracts_path(user)}/{first['id']}")) == first
