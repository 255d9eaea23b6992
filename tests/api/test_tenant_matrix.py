"""Tenant isolation (SPEC §2): another organisation's token, and ids that are not under the
path they are asked under, get 404 on every path and method, and change nothing."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.factories import make_building, make_contract, make_user
from tests.support.tenants import Tenant, TenantFactory

PRICES = [
    {"price": 0.15, "timestamp": "2024-01-15T00:00:00+00:00"},
    {"price": 0.18, "timestamp": "2024-01-15T01:00:00+00:00"},
]
NEW_PRICES = {"energy_prices": [{"price": 9, "timestamp": "2024-01-15T00:00:00Z"}]}


@dataclass
class Owned:
    """One organisation's data: a user with a building, a building contract and a user-level
    contract, and a second user with a contract of their own."""

    tenant: Tenant
    user: str
    building: str
    contract: str
    user_contract: str
    other_user: str
    other_contract: str


async def populate(tenant: Tenant, external_id: str) -> Owned:
    user = await make_user(tenant, external_user_id=external_id)
    building = await make_building(tenant, user["id"])
    contract = await make_contract(
        tenant, user["id"], building_id=building["id"], energy_prices=PRICES
    )
    user_contract = await make_contract(tenant, user["id"], energy_contract_type="monthly")
    other_user = await make_user(tenant)
    other_contract = await make_contract(tenant, other_user["id"], energy_prices=PRICES)
    return Owned(
        tenant,
        user["id"],
        building["id"],
        contract["id"],
        user_contract["id"],
        other_user["id"],
        other_contract["id"],
    )


@pytest.fixture
async def victim(make_tenant: TenantFactory) -> Owned:
    return await populate(await make_tenant(), f"ext-{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def intruder(make_tenant: TenantFactory) -> Owned:
    return await populate(await make_tenant(), f"ext-{uuid.uuid4().hex[:8]}")


async def snapshot(owned: Owned) -> list[Any]:
    """Everything the organisation can read about its data, with exact decimals."""
    tenant, u = owned.tenant, owned.user
    paths = [
        "",
        "users",
        f"users/{u}",
        f"users/{u}/buildings",
        f"users/{u}/buildings/{owned.building}",
        f"users/{u}/energy-contracts",
        f"users/{owned.other_user}/energy-contracts",
        "energy-contracts",
        f"users/{u}/energy-contracts/{owned.contract}/prices",
    ]
    state = []
    for path in paths:
        response = await tenant.get(path)
        assert response.status_code == 200, (path, response.text)
        state.append(json.loads(response.text, parse_float=Decimal))
    contract = await tenant.get(f"users/{u}/energy-contracts/{owned.contract}")
    state.append(contract.headers["etag"])
    return state


# (method, path under /org/{org}, body); {u} user, {b} building, {c} contract.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("GET", "users", None),
    ("POST", "users", {"email": "intruder@example.com"}),
    ("GET", "users/{u}", None),
    ("GET", "users/by-ext-id/{ext}", None),
    ("PUT", "users/{u}", {"first_name": "Mallory"}),
    ("DELETE", "users/{u}", None),
    ("GET", "users/{u}/buildings", None),
    ("POST", "users/{u}/buildings", {"name": "Intruder's"}),
    ("GET", "users/{u}/buildings/{b}", None),
    ("PUT", "users/{u}/buildings/{b}", {"name": "Renamed"}),
    ("DELETE", "users/{u}/buildings/{b}", None),
    ("GET", "energy-contracts", None),
    ("GET", "users/{u}/energy-contracts", None),
    ("POST", "users/{u}/energy-contracts", {"energy_contract_type": "yearly"}),
    ("GET", "users/{u}/energy-contracts/{c}", None),
    ("PUT", "users/{u}/energy-contracts/{c}", {"supplier": "Mallory Power"}),
    ("DELETE", "users/{u}/energy-contracts/{c}", None),
    ("GET", "users/{u}/energy-contracts/{c}/prices", None),
    ("PUT", "users/{u}/energy-contracts/{c}/prices", NEW_PRICES),
    ("DELETE", "users/{u}/energy-contracts/{c}/prices", None),
]
CONTRACT_ROUTES = [route for route in ROUTES if "{c}" in route[1]]


def route_id(route: tuple[str, str, Any]) -> str:
    return f"{route[0]} {route[1] or '/'}"


async def call(
    tenant: Tenant, method: str, org_id: uuid.UUID, path: str, body: dict[str, Any] | None
) -> httpx.Response:
    url = f"/api/partners/v2.0/org/{org_id}" + (f"/{path}" if path else "")
    return await tenant.http.request(method, url, headers=tenant.headers, json=body)


def fill(path: str, owned: Owned, *, ext: str = "", **ids: str) -> str:
    values = {"u": owned.user, "b": owned.building, "c": owned.contract, "ext": ext} | ids
    return path.format(**values)


def assert_404(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
async def test_another_organisations_token_gets_404_and_changes_nothing(
    victim: Owned, intruder: Owned, route: tuple[str, str, dict[str, Any] | None]
) -> None:
    method, template, body = route
    user = await victim.tenant.get(f"users/{victim.user}")
    ext = user.json()["external_user_id"]
    before = await snapshot(victim)
    response = await call(
        intruder.tenant, method, victim.tenant.org_id, fill(template, victim, ext=ext), body
    )
    assert_404(response)
    assert await snapshot(victim) == before
    # The intruder's own token and data keep working: the 404 is about the path, not the token.
    own = await call(intruder.tenant, "GET", intruder.tenant.org_id, f"users/{intruder.user}", None)
    assert own.status_code == 200


@pytest.mark.parametrize("route", CONTRACT_ROUTES, ids=route_id)
async def test_ids_not_under_the_path_are_404_and_change_nothing(
    victim: Owned, intruder: Owned, route: tuple[str, str, dict[str, Any] | None]
) -> None:
    method, template, body = route
    org = victim.tenant.org_id
    before = await snapshot(victim)
    intruder_before = await snapshot(intruder)
    misplaced = {
        # another user's contract under this user
        "another user's contract": fill(template, victim, c=victim.other_contract),
        # this user's contract under another user
        "contract under the wrong user": fill(template, victim, u=victim.other_user),
        # organisation B's contract (and user) under organisation A
        "other org's contract": fill(template, victim, c=intruder.contract),
        "other org's user and contract": fill(
            template, victim, u=intruder.user, c=intruder.contract
        ),
        "unknown contract": fill(template, victim, c=str(uuid.uuid4())),
    }
    details = set()
    for path in misplaced.values():
        response = await call(victim.tenant, method, org, path, body)
        assert_404(response)
        details.add((response.json()["title"], response.json()["detail"]))
    # A misplaced contract is indistinguishable from one that does not exist.
    contract_not_found = {d for d in details if "contract" in d[1]}
    assert len(contract_not_found) == 1
    assert await snapshot(victim) == before
    assert await snapshot(intruder) == intruder_before


async def test_contract_lists_never_show_another_organisation(
    victim: Owned, intruder: Owned
) -> None:
    mine = (await victim.tenant.get("energy-contracts")).json()
    assert sorted(c["id"] for c in mine) == sorted(
        [victim.contract, victim.user_contract, victim.other_contract]
    )
    foreign_user = await victim.tenant.get("energy-contracts", params={"user_id": intruder.user})
    assert foreign_user.json() == []
    foreign_building = await victim.tenant.get(
        "energy-contracts", params={"building_id": intruder.building}
    )
    assert foreign_building.json() == []
