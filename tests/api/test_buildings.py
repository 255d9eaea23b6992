"""Buildings (SPEC §3): a user's buildings, their rules, paging, and who may see them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from energy_contracts.buildings.models import Building
from energy_contracts.contracts.models import EnergyContract
from energy_contracts.db.engine import Database
from tests.support.factories import make_building, make_user
from tests.support.http import (
    assert_each_is_404,
    instant,
    list_all,
    problem_fields,
    walk_pages,
)
from tests.support.rows import (
    add_contract_with_price,
    count_prices,
    count_rows,
    delete_user_row,
    while_uncommitted,
)
from tests.support.tenants import Tenant, TenantFactory

FULL_BUILDING = {
    "name": "Home",
    "property_type": "single_family_house",
    "occupant_type": "owner",
    "space_heating": "heat_pump",
    "water_heating": "electric_boiler",
    "property_size_m2": 140,
    "property_age": 12,
    "num_occupants": 4,
    "photovoltaic": True,
    "street_and_number": "Hauptstraße 5",
    "street_add_info": "Hof 2",
    "town": "Graz",
    "zip_code": "8010",
    "country": "at",
    "timezone": "Europe/Berlin",
}
OPTIONAL = [k for k in FULL_BUILDING if k not in ("name", "timezone")]


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(timezone="Europe/Vienna")


@pytest.fixture
async def user(tenant: Tenant) -> dict[str, Any]:
    return await make_user(tenant)


def buildings_of(user: dict[str, Any]) -> str:
    return f"users/{user['id']}/buildings"


# --- create and read ------------------------------------------------------------------------


async def test_create_returns_the_building_and_its_location(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    response = await tenant.post(buildings_of(user), json=FULL_BUILDING)
    assert response.status_code == 200
    building = response.json()
    assert building == {
        **FULL_BUILDING,
        "country": "AT",
        "id": building["id"],
        "user_id": user["id"],
        "created_at": building["created_at"],
        "updated_at": building["updated_at"],
    }
    assert instant(building["created_at"]) == instant(building["updated_at"])
    location = response.headers["location"]
    assert (
        location == f"http://testserver{tenant.base}/users/{user['id']}/buildings/{building['id']}"
    )
    fetched = await tenant.http.get(location, headers=tenant.headers)
    assert fetched.status_code == 200
    assert fetched.json() == building


async def test_create_with_only_a_name_takes_the_organisations_timezone(
    make_tenant: TenantFactory,
) -> None:
    tenant = await make_tenant(timezone="America/New_York")
    user = await make_user(tenant)
    response = await tenant.post(buildings_of(user), json={"name": "Flat"})
    assert response.status_code == 200
    building = response.json()
    assert {k: building[k] for k in OPTIONAL} == dict.fromkeys(OPTIONAL)
    assert (building["name"], building["timezone"]) == ("Flat", "America/New_York")


async def test_values_at_the_limits_are_accepted(tenant: Tenant, user: dict[str, Any]) -> None:
    body = {
        "name": "n" * 100,
        "property_type": "p" * 50,
        "occupant_type": "o" * 50,
        "space_heating": "s" * 50,
        "water_heating": "w" * 50,
        "property_size_m2": 0,
        "property_age": 2_147_483_647,
        "num_occupants": 0,
        "photovoltaic": False,
        "street_and_number": "s" * 100,
        "street_add_info": "i" * 100,
        "town": "t" * 100,
        "zip_code": "z" * 20,
        "country": "CH",
        "timezone": "Asia/Kolkata",
    }
    response = await tenant.post(buildings_of(user), json=body)
    assert response.status_code == 200, response.text
    assert {k: v for k, v in response.json().items() if k in body} == body


async def test_unknown_building_is_404(tenant: Tenant, user: dict[str, Any]) -> None:
    response = await tenant.get(f"{buildings_of(user)}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such building."


async def test_buildings_of_an_unknown_user_are_404(tenant: Tenant, database: Database) -> None:
    path = f"users/{uuid.uuid4()}/buildings"
    assert (await tenant.get(path)).status_code == 404
    assert (await tenant.post(path, json={"name": "Home"})).status_code == 404
    assert await count_rows(database, Building, tenant.org_id) == 0


# --- lists and paging -----------------------------------------------------------------------


async def test_paging_walks_the_users_buildings_once_in_creation_order(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = [await make_building(tenant, user["id"], name=f"B{i}") for i in range(5)]
    neighbour = await make_user(tenant)
    await make_building(tenant, neighbour["id"], name="Not theirs")
    assert await list_all(tenant, buildings_of(user)) == created

    pages = await walk_pages(tenant, buildings_of(user), limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [b for page in pages for b in page] == created

    exact = await tenant.get(buildings_of(user), params={"limit": 5})
    assert len(exact.json()) == 5
    assert "link" not in exact.headers


async def test_a_cursor_beyond_the_last_building_is_an_empty_page(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    await make_building(tenant, user["id"])
    response = await tenant.get(buildings_of(user), params={"cursor": f"{'9' * 16}.{'f' * 32}"})
    assert response.status_code == 200
    assert response.json() == []
    assert "link" not in response.headers


async def test_a_user_without_buildings_lists_an_empty_array(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    assert await list_all(tenant, buildings_of(user)) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),
        ({"cursor": f"1.{uuid.uuid4()}"}, "cursor"),
        ({"limt": 10}, "limt"),
    ],
)
async def test_bad_paging_parameters_are_422(
    tenant: Tenant, user: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    await make_building(tenant, user["id"])
    response = await tenant.get(buildings_of(user), params=params)
    assert response.status_code == 422
    assert problem_fields(response) == [field]


# --- validation: every rule is a 422 naming the field, and nothing is written ---------------

BAD_BUILDING_FIELDS = [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": 5}, "name"),
    ({"property_type": "x" * 51}, "property_type"),
    ({"occupant_type": "x" * 51}, "occupant_type"),
    ({"space_heating": "x" * 51}, "space_heating"),
    ({"water_heating": "x" * 51}, "water_heating"),
    ({"property_size_m2": -1}, "property_size_m2"),
    ({"property_size_m2": 12.5}, "property_size_m2"),
    ({"property_size_m2": "140"}, "property_size_m2"),
    ({"property_age": -1}, "property_age"),
    ({"property_age": 2_147_483_648}, "property_age"),
    ({"num_occupants": -1}, "num_occupants"),
    ({"num_occupants": True}, "num_occupants"),
    ({"photovoltaic": "yes"}, "photovoltaic"),
    ({"photovoltaic": 1}, "photovoltaic"),
    ({"street_and_number": "x" * 101}, "street_and_number"),
    ({"street_add_info": "x" * 101}, "street_add_info"),
    ({"town": "x" * 101}, "town"),
    ({"zip_code": "x" * 21}, "zip_code"),
    ({"country": "XX"}, "country"),
    ({"country": "AUT"}, "country"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "europe/vienna"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"timezone": None}, "timezone"),
    ({"timezone": "x" * 65}, "timezone"),
    ({"town": "nul\x00byte"}, "town"),
    ({"heating": "gas"}, "heating"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BUILDING_FIELDS)
async def test_invalid_fields_on_create_are_422(
    tenant: Tenant, user: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = await tenant.post(buildings_of(user), json={"name": "Home", **change})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert await list_all(tenant, buildings_of(user)) == []


async def test_a_missing_name_is_422(tenant: Tenant, user: dict[str, Any]) -> None:
    response = await tenant.post(buildings_of(user), json={"town": "Graz"})
    assert response.status_code == 422
    assert problem_fields(response) == ["name"]
    assert await list_all(tenant, buildings_of(user)) == []


@pytest.mark.parametrize("content", [b"{", b'{"name": "Home",}', b"", b'{"name": "Home"'])
async def test_malformed_json_is_400(tenant: Tenant, user: dict[str, Any], content: bytes) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = await tenant.http.post(
        f"{tenant.base}/{buildings_of(user)}", content=content, headers=headers
    )
    assert response.status_code == 400
    assert problem_fields(response) == []
    assert await list_all(tenant, buildings_of(user)) == []


# --- update ---------------------------------------------------------------------------------


async def test_update_is_partial_null_clears_absent_stays(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"], **FULL_BUILDING)
    path = f"{buildings_of(user)}/{building['id']}"
    response = await tenant.put(
        path, json={"name": "Cottage", "photovoltaic": None, "num_occupants": 2, "country": "de"}
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated == {
        **building,
        "name": "Cottage",
        "photovoltaic": None,
        "num_occupants": 2,
        "country": "DE",
        "updated_at": updated["updated_at"],
    }
    assert instant(updated["updated_at"]) > instant(building["updated_at"])
    assert updated["created_at"] == building["created_at"]
    assert (await tenant.get(path)).json() == updated


async def test_every_optional_field_can_be_cleared(tenant: Tenant, user: dict[str, Any]) -> None:
    building = await make_building(tenant, user["id"], **FULL_BUILDING)
    path = f"{buildings_of(user)}/{building['id']}"
    response = await tenant.put(path, json=dict.fromkeys(OPTIONAL))
    assert response.status_code == 200
    cleared = response.json()
    assert {k: cleared[k] for k in OPTIONAL} == dict.fromkeys(OPTIONAL)
    assert (cleared["name"], cleared["timezone"]) == ("Home", "Europe/Berlin")


async def test_the_timezone_can_be_changed_even_with_a_priced_contract(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    building = await make_building(tenant, user["id"])
    assert building["timezone"] == "Europe/Vienna"
    await add_contract_with_price(database, tenant.org_id, user["id"], building["id"])
    path = f"{buildings_of(user)}/{building['id']}"
    response = await tenant.put(path, json={"timezone": "Europe/London"})
    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/London"
    assert await count_prices(database, tenant.org_id) == 1


@pytest.mark.parametrize(("change", "field"), BAD_BUILDING_FIELDS)
async def test_invalid_fields_on_update_are_422_and_change_nothing(
    tenant: Tenant, user: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    building = await make_building(tenant, user["id"], **FULL_BUILDING)
    path = f"{buildings_of(user)}/{building['id']}"
    response = await tenant.put(path, json={"town": "Linz", **change})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert (await tenant.get(path)).json() == building


async def test_malformed_json_on_update_is_400(tenant: Tenant, user: dict[str, Any]) -> None:
    building = await make_building(tenant, user["id"])
    path = f"{tenant.base}/{buildings_of(user)}/{building['id']}"
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = await tenant.http.put(path, content=b'{"name": "X"', headers=headers)
    assert response.status_code == 400
    assert (await tenant.get(path)).json() == building


# --- delete ---------------------------------------------------------------------------------


async def test_delete_removes_the_building_and_its_contract_only(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    building = await make_building(tenant, user["id"], name="Gone")
    kept = await make_building(tenant, user["id"], name="Kept")
    await add_contract_with_price(database, tenant.org_id, user["id"], building["id"])
    await add_contract_with_price(database, tenant.org_id, user["id"], kept["id"])
    await add_contract_with_price(database, tenant.org_id, user["id"])  # user-level contract

    response = await tenant.delete(f"{buildings_of(user)}/{building['id']}")
    assert response.status_code == 204
    assert response.content == b""

    assert (await tenant.get(f"{buildings_of(user)}/{building['id']}")).status_code == 404
    assert (await tenant.delete(f"{buildings_of(user)}/{building['id']}")).status_code == 404
    assert await list_all(tenant, buildings_of(user)) == [kept]
    assert (await tenant.get(f"users/{user['id']}")).json() == user
    assert await count_rows(database, EnergyContract, tenant.org_id) == 2
    assert await count_prices(database, tenant.org_id) == 2


@pytest.mark.parametrize("write", ["create", "update", "delete"])
async def test_a_write_racing_a_concurrent_delete_of_the_user_is_404_not_500(
    tenant: Tenant, user: dict[str, Any], database: Database, backend: str, write: str
) -> None:
    """The user (and, by cascade, the building) was found, then deleted by another
    transaction before our write landed: a 404, never a foreign-key error as a 500."""
    building = await make_building(tenant, user["id"])
    path = f"{buildings_of(user)}/{building['id']}"
    if write == "create":
        attempt = tenant.post(buildings_of(user), json={"name": "Late"})
    elif write == "update":
        attempt = tenant.put(path, json={"name": "Late"})
    else:
        attempt = tenant.delete(path)
    response = await while_uncommitted(database, backend, delete_user_row(user), attempt)
    assert response.status_code == 404, response.text
    assert await count_rows(database, Building, tenant.org_id) == 0


# --- scopes and tenancy ---------------------------------------------------------------------


async def test_a_read_only_token_reads_but_cannot_write(
    tenant: Tenant, user: dict[str, Any], make_tenant: TenantFactory
) -> None:
    building = await make_building(tenant, user["id"])
    path = f"{buildings_of(user)}/{building['id']}"
    reader = await make_tenant.another_client(tenant, scope="read")
    assert (await reader.get(path)).json() == building
    attempts = [
        await reader.post(buildings_of(user), json={"name": "New"}),
        await reader.put(path, json={"name": "Renamed"}),
        await reader.delete(path),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]
    assert await list_all(tenant, buildings_of(user)) == [building]


async def test_another_organisations_token_gets_404_on_every_building_path(
    tenant: Tenant, user: dict[str, Any], make_tenant: TenantFactory
) -> None:
    building = await make_building(tenant, user["id"])
    intruder = await make_tenant()
    base = f"{tenant.base}/{buildings_of(user)}"
    attempts = [
        ("GET", base, None),
        ("POST", base, {"name": "Evil"}),
        ("GET", f"{base}/{building['id']}", None),
        ("PUT", f"{base}/{building['id']}", {"name": "Evil"}),
        ("DELETE", f"{base}/{building['id']}", None),
    ]
    await assert_each_is_404(intruder, attempts, "No such organisation.")
    assert await list_all(tenant, buildings_of(user)) == [building]


async def test_a_foreign_users_id_under_ones_own_organisation_is_404(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    victim = await make_tenant()
    foreign_user = await make_user(victim)
    foreign = await make_building(victim, foreign_user["id"])
    base = buildings_of(foreign_user)
    responses = [
        await tenant.get(base),
        await tenant.post(base, json={"name": "Evil"}),
        await tenant.get(f"{base}/{foreign['id']}"),
        await tenant.put(f"{base}/{foreign['id']}", json={"name": "Evil"}),
        await tenant.delete(f"{base}/{foreign['id']}"),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert {r.json()["detail"] for r in responses} == {"No such user."}
    assert await list_all(victim, base) == [foreign]


async def test_another_users_building_under_a_users_path_is_404(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    owner = await make_user(tenant)
    building = await make_building(tenant, owner["id"])
    wrong_path = f"{buildings_of(user)}/{building['id']}"
    responses = [
        await tenant.get(wrong_path),
        await tenant.put(wrong_path, json={"name": "Hijacked"}),
        await tenant.delete(wrong_path),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert {r.json()["detail"] for r in responses} == {"No such building."}
    assert await list_all(tenant, buildings_of(owner)) == [building]
    assert await list_all(tenant, buildings_of(user)) == []
