"""SPEC §11 through the API: tariffs (create, replace whole, delete), their 422 rules, names,
the ``tariff_id`` of contracts and tenant isolation. Every refused request writes nothing."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from energy_contracts.db.engine import Database
from energy_contracts.tariffs.models import Tariff
from energy_contracts.tariffs.schemas import SECTION_14A_EXAMPLE
from tests.support.factories import make_contract, make_user
from tests.support.http import assert_problem, exact, walk_pages
from tests.support.rows import count_rows
from tests.support.tenants import Tenant, TenantFactory


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


def a_tariff(**fields: Any) -> dict[str, Any]:
    body = copy.deepcopy(SECTION_14A_EXAMPLE)
    body["name"] = f"tariff-{uuid.uuid4().hex[:10]}"
    return {**body, **fields}


async def make_tariff(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = exact(await tenant.post("tariffs", json=a_tariff(**fields)))
    return created


async def send(
    tenant: Tenant, method: str, path: str, *, if_match: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {} if if_match is None else {"If-Match": if_match}
    return await tenant.http.request(
        method, f"{tenant.base}/{path}", headers={**tenant.headers, **headers}, **kwargs
    )


# --- the tariff ----------------------------------------------------------------------------


async def test_create_answers_200_with_location_etag_and_the_spec_example(
    tenant: Tenant,
) -> None:
    response = await tenant.post("tariffs", json=SECTION_14A_EXAMPLE)
    created = exact(response)
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"http://testserver{tenant.base}/tariffs/{created['id']}"
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "updated_at")} == {
        "name": "Wiener Netze 2025, §14a module 3",
        "currency": "EUR",
        "timezone": "Europe/Vienna",
        "vat_percent": Decimal(20),
        "vat_on_negative": False,
        "standing_charge_per_day": Decimal("0.41"),
        "components": [
            {
                "name": "grid energy",
                "kind": "grid",
                "valid_from": "2025-01-01",
                "valid_to": "2026-01-01",
                "price": None,
                "windows": [
                    {
                        "price": Decimal("0.0225"),
                        "months": [1, 2, 3, 10, 11, 12],
                        "weekdays": None,
                        "from": "00:00",
                        "to": "06:00",
                    },
                    {
                        "price": Decimal("0.1124"),
                        "months": [1, 2, 3, 10, 11, 12],
                        "weekdays": [1, 2, 3, 4, 5],
                        "from": "17:00",
                        "to": "20:00",
                    },
                ],
                "default_price": Decimal("0.0749"),
            },
            {
                "name": "electricity levy",
                "kind": "levy",
                "valid_from": None,
                "valid_to": None,
                "price": Decimal("0.015"),
                "windows": None,
                "default_price": None,
            },
        ],
    }
    assert exact(await tenant.get(f"tariffs/{created['id']}")) == created


async def test_put_replaces_the_tariff_whole_and_omitted_fields_take_defaults(
    tenant: Tenant,
) -> None:
    tariff = await make_tariff(tenant)
    response = await tenant.put(
        f"tariffs/{tariff['id']}",
        json={"name": "flat", "components": [{"name": "grid", "kind": "grid", "price": 0.09}]},
    )
    replaced = exact(response)
    assert response.headers["etag"] == '"2"'
    assert (
        replaced["name"],
        replaced["vat_percent"],
        replaced["vat_on_negative"],
        replaced["standing_charge_per_day"],
        replaced["timezone"],
    ) == ("flat", Decimal(0), True, Decimal(0), "Europe/Vienna")
    assert replaced["components"] == [
        {
            "name": "grid",
            "kind": "grid",
            "valid_from": None,
            "valid_to": None,
            "price": Decimal("0.09"),
            "windows": None,
            "default_price": None,
        }
    ]
    same = await tenant.put(
        f"tariffs/{tariff['id']}",
        json={"name": "flat", "components": [{"name": "grid", "kind": "grid", "price": 0.090}]},
    )
    assert same.headers["etag"] == '"2"'  # nothing changed


async def test_a_taken_name_is_409_on_create_and_on_replace(
    tenant: Tenant, database: Database
) -> None:
    first = await make_tariff(tenant, name="A")
    second = await make_tariff(tenant, name="B")
    problem = assert_problem(await tenant.post("tariffs", json=a_tariff(name="A")), 409, "name")
    assert problem["existing_tariff_id"] == first["id"]
    assert_problem(await tenant.put(f"tariffs/{second['id']}", json=a_tariff(name="A")), 409)
    assert exact(await tenant.get(f"tariffs/{second['id']}"))["name"] == "B"
    assert await count_rows(database, Tariff, tenant.org_id) == 2


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        # Both a price and windows, and neither.
        (
            {"components": [{"name": "g", "kind": "grid", "price": 0.1, "windows": [
                {"price": 0.2, "from": "00:00", "to": "06:00"}]}]},
            ["components[0]"],
        ),
        ({"components": [{"name": "g", "kind": "grid"}]}, ["components[0]"]),
        # An empty validity (valid_from ≥ valid_to).
        (
            {"components": [{"name": "g", "kind": "grid", "price": 0.1,
                             "valid_from": "2025-02-01", "valid_to": "2025-02-01"}]},
            ["components[0].valid_to"],
        ),
        # A `to` after 24:00, off the 15-minute grid, and not after `from`.
        (
            {"components": [{"name": "g", "kind": "grid", "windows": [
                {"price": 0.2, "from": "20:00", "to": "24:15"}]}]},
            ["components[0].windows[0].to"],
        ),
        (
            {"components": [{"name": "g", "kind": "grid", "windows": [
                {"price": 0.2, "from": "20:10", "to": "21:00"}]}]},
            ["components[0].windows[0].from"],
        ),
        (
            {"components": [{"name": "g", "kind": "grid", "windows": [
                {"price": 0.2, "from": "20:00", "to": "06:00"}]}]},
            ["components[0].windows[0].to"],
        ),
        # VAT outside 0–100, a negative standing charge.
        ({"vat_percent": 100.5}, ["vat_percent"]),
        ({"vat_percent": -1}, ["vat_percent"]),
        ({"standing_charge_per_day": -0.01}, ["standing_charge_per_day"]),
        # Months, weekdays, kinds.
        (
            {"components": [{"name": "g", "kind": "grid", "windows": [
                {"price": 0.2, "from": "20:00", "to": "21:00", "months": [13]}]}]},
            ["components[0].windows[0].months[0]"],
        ),
        (
            {"components": [{"name": "g", "kind": "grid", "windows": [
                {"price": 0.2, "from": "20:00", "to": "21:00", "weekdays": [0]}]}]},
            ["components[0].windows[0].weekdays[0]"],
        ),
        ({"components": [{"name": "g", "kind": "tax", "price": 0.1}]}, ["components[0].kind"]),
        # A default price without windows.
        (
            {"components": [{"name": "g", "kind": "grid", "price": 0.1, "default_price": 0.2}]},
            ["components[0].default_price"],
        ),
        # Two components of one name whose validities overlap.
        (
            {"components": [
                {"name": "g", "kind": "grid", "price": 0.1, "valid_to": "2025-07-01"},
                {"name": "g", "kind": "grid", "price": 0.2, "valid_from": "2025-06-01"},
            ]},
            ["components[1].name"],
        ),
        # A currency other than the organisation's, an unknown zone, an unknown field.
        ({"currency": "USD"}, ["currency"]),
        ({"timezone": "Mars/Olympus"}, ["timezone"]),
        ({"colour": "red"}, ["colour"]),
        ({"components": [{"name": "g", "kind": "grid", "price": "0.1"}]}, ["components[0].price"]),
        ({"components": [{"name": "g", "kind": "grid", "price": 1e9}]}, ["components[0].price"]),
        # Names of 101 characters; validity dates outside the years 1900 to 2199.
        ({"name": "n" * 101}, ["name"]),
        (
            {"components": [{"name": "g" * 101, "kind": "grid", "price": 0.1}]},
            ["components[0].name"],
        ),
        (
            {"components": [{"name": "g", "kind": "grid", "price": 0.1,
                             "valid_from": "1899-12-31", "valid_to": "2200-01-01"}]},
            ["components[0].valid_from", "components[0].valid_to"],
        ),
    ],
)  # fmt: skip
async def test_a_tariff_that_breaks_a_rule_is_422_and_writes_nothing(
    tenant: Tenant, database: Database, change: dict[str, Any], fields: list[str]
) -> None:
    assert_problem(await tenant.post("tariffs", json=a_tariff(**change)), 422, *fields)
    assert await count_rows(database, Tariff, tenant.org_id) == 0
    # The same body on PUT leaves the tariff as it was.
    kept = await make_tariff(tenant)
    assert_problem(await tenant.put(f"tariffs/{kept['id']}", json=a_tariff(**change)), 422)
    assert exact(await tenant.get(f"tariffs/{kept['id']}")) == kept


async def test_components_of_one_name_may_follow_each_other(tenant: Tenant) -> None:
    tariff = await make_tariff(
        tenant,
        components=[
            {"name": "g", "kind": "grid", "price": 0.1, "valid_to": "2025-07-01"},
            {"name": "g", "kind": "grid", "price": 0.2, "valid_from": "2025-07-01"},
        ],
    )
    assert [c["price"] for c in tariff["components"]] == [Decimal("0.1"), Decimal("0.2")]


async def test_list_pages_and_delete_while_named_is_409(tenant: Tenant, database: Database) -> None:
    tariffs = [await make_tariff(tenant) for _ in range(3)]
    pages = await walk_pages(tenant, "tariffs", limit=2)
    assert [t["id"] for page in pages for t in page] == sorted(t["id"] for t in tariffs)
    assert_problem(await tenant.get("tariffs", params={"limit": 501}), 422, "limit")
    user = await make_user(tenant)
    await make_contract(
        tenant,
        user["id"],
        energy_price_includes_external_components=False,
        tariff_id=tariffs[0]["id"],
    )
    problem = assert_problem(await tenant.delete(f"tariffs/{tariffs[0]['id']}"), 409)
    assert problem["contract_count"] == 1
    assert (await tenant.delete(f"tariffs/{tariffs[1]['id']}")).status_code == 204
    assert await count_rows(database, Tariff, tenant.org_id) == 2


async def test_if_match_guards_tariff_writes(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    path = f"tariffs/{tariff['id']}"
    assert_problem(await send(tenant, "PUT", path, if_match='"9"', json=a_tariff()), 412)
    assert_problem(await send(tenant, "DELETE", path, if_match='"9"'), 412)
    assert (await send(tenant, "DELETE", path, if_match='"1"')).status_code == 204


# --- contracts naming a tariff -------------------------------------------------------------


async def test_a_contract_names_a_tariff_and_drops_it(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    user = await make_user(tenant)
    contract = await make_contract(
        tenant, user["id"], energy_price_includes_external_components=False, tariff_id=tariff["id"]
    )
    assert contract["tariff_id"] == tariff["id"]
    path = f"users/{user['id']}/energy-contracts/{contract['id']}"
    dropped = exact(await tenant.put(path, json={"tariff_id": None}))
    assert dropped["tariff_id"] is None
    # Without a tariff the contract may say its prices include everything.
    all_in = exact(await tenant.put(path, json={"energy_price_includes_external_components": True}))
    assert all_in["energy_price_includes_external_components"] is True


@pytest.mark.parametrize(
    ("fields", "problem_fields"),
    [
        ({"energy_price_includes_external_components": True}, ["tariff_id"]),
        ({"currency_energy_price": None}, ["currency_energy_price"]),
        ({"tariff_id": str(uuid.uuid4())}, ["tariff_id"]),
    ],
)
async def test_tariff_rules_on_create_are_422(
    tenant: Tenant, fields: dict[str, Any], problem_fields: list[str]
) -> None:
    tariff = await make_tariff(tenant)
    user = await make_user(tenant)
    body = {
        "energy_contract_type": "spot_hourly",
        "currency_energy_price": "EUR",
        "tariff_id": tariff["id"],
        **fields,
    }
    response = await tenant.post(f"users/{user['id']}/energy-contracts", json=body)
    assert_problem(response, 422, *problem_fields)
    assert exact(await tenant.get(f"users/{user['id']}/energy-contracts")) == []


async def test_turning_prices_all_in_while_a_tariff_is_named_is_422(tenant: Tenant) -> None:
    tariff = await make_tariff(tenant)
    user = await make_user(tenant)
    contract = await make_contract(tenant, user["id"], tariff_id=tariff["id"])
    path = f"users/{user['id']}/energy-contracts/{contract['id']}"
    response = await tenant.put(path, json={"energy_price_includes_external_components": True})
    assert_problem(response, 422, "energy_price_includes_external_components")
    after = await tenant.get(path)
    assert after.headers["etag"] == '"1"'
    assert exact(after)["energy_price_includes_external_components"] is None


async def test_another_organisations_tariff_is_404_and_a_422_on_a_contract(
    make_tenant: TenantFactory, tenant: Tenant, database: Database
) -> None:
    intruder = await make_tenant(currency="EUR", timezone="Europe/Vienna")
    tariff = await make_tariff(tenant)
    path = f"tariffs/{tariff['id']}"
    for method, body in [("GET", None), ("PUT", a_tariff()), ("DELETE", None)]:
        mine = await send(intruder, method, path, json=body)
        assert_problem(mine, 404)
        assert mine.json()["detail"] == "No such tariff."
        theirs = await intruder.http.request(
            method, f"{tenant.base}/{path}", json=body, headers=intruder.headers
        )
        assert_problem(theirs, 404)
    assert exact(await intruder.get("tariffs")) == []
    user = await make_user(intruder)
    named = await intruder.post(
        f"users/{user['id']}/energy-contracts",
        json={"energy_contract_type": "monthly", "currency_energy_price": "EUR",
              "tariff_id": tariff["id"]},
    )  # fmt: skip
    assert_problem(named, 422, "tariff_id")
    assert exact(await tenant.get(path)) == tariff
    assert await count_rows(database, Tariff, tenant.org_id) == 1
