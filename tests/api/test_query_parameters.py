"""SPEC §1: an unknown request field is a 422, so a typo is never silently dropped — query
parameters included, on every route of the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from energy_contracts.api.routes import declared_parameters
from energy_contracts.app import API_PREFIX
from tests.support.factories import make_building, make_contract, make_user
from tests.support.http import assert_problem, exact, openapi_document
from tests.support.tenants import Tenant, TenantFactory


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


@pytest.fixture
async def paths(tenant: Tenant) -> dict[str, str]:
    """One real path of every kind of resource."""
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    contract = await make_contract(tenant, user["id"])
    contract_path = f"users/{user['id']}/energy-contracts/{contract['id']}"
    return {
        "organisation": "",
        "users": "users",
        "user": f"users/{user['id']}",
        "buildings": f"users/{user['id']}/buildings",
        "contract": contract_path,
        "prices": f"{contract_path}/prices",
        "organisation contracts": "energy-contracts",
        "effective prices": f"users/{user['id']}/buildings/{building['id']}/effective-prices",
    }


async def test_an_unknown_query_parameter_is_422_naming_it_on_every_kind_of_path(
    tenant: Tenant, paths: dict[str, str]
) -> None:
    for path in paths.values():
        response = await tenant.get(path, params={"limt": "10"})
        assert_problem(response, 422, "limt")
        assert response.json()["errors"] == [
            {"field": "limt", "message": "is not a parameter of this endpoint"}
        ]


async def test_a_parameter_without_a_name_is_unknown_too(tenant: Tenant) -> None:
    url = f"{tenant.base}/energy-contracts?=false"
    response = await tenant.http.get(url, headers=tenant.headers)
    assert_problem(response, 422, "")


async def test_every_unknown_parameter_is_named_once(tenant: Tenant) -> None:
    url = f"{tenant.base}/users?limit=1&b=1&a=2&b=3"
    problem = assert_problem(await tenant.http.get(url, headers=tenant.headers), 422)
    assert [e["field"] for e in problem["errors"]] == ["b", "a"]


async def test_unknown_parameters_and_nul_values_are_named_in_the_order_sent(
    tenant: Tenant,
) -> None:
    # Enough names that any order but the one sent (a set's, say) would show.
    names = ["kilo", "echo", "zulu", "alpha", "mike", "delta", "xray", "bravo"]
    query = "&".join(f"{name}=1" for name in [*names, *reversed(names)])
    problem = assert_problem(
        await tenant.http.get(f"{tenant.base}/users?limit=1&{query}", headers=tenant.headers),
        422,
    )
    assert [e["field"] for e in problem["errors"]] == names
    sent = ["cursor", "limit"]
    problem = assert_problem(
        await tenant.http.get(
            f"{tenant.base}/users?cursor=a%00&limit=1%00", headers=tenant.headers
        ),
        422,
    )
    assert [e["field"] for e in problem["errors"]] == sent


async def test_unknown_parameters_are_refused_on_writes_too_and_nothing_is_written(
    tenant: Tenant,
) -> None:
    response = await tenant.post("users", params={"dry_run": "1"}, json={"email": "a@b.io"})
    assert_problem(response, 422, "dry_run")
    assert exact(await tenant.get("users")) == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("users", {"limit": "2", "cursor": f"0.{'0' * 32}"}),
        ("energy-contracts", {"include_prices": "false", "limit": "1", "user_id": None}),
        ("prices", {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "limit": "5"}),
    ],
)
async def test_declared_parameters_by_their_alias_are_accepted(
    tenant: Tenant, paths: dict[str, str], path: str, params: dict[str, Any]
) -> None:
    user_id = paths["user"].removeprefix("users/")
    values = {name: value if value is not None else user_id for name, value in params.items()}
    response = await tenant.get(paths.get(path, path), params=values)
    assert response.status_code == 200, response.text


async def test_the_token_is_checked_first(tenant: Tenant, make_tenant: TenantFactory) -> None:
    """Without a valid token the answer is 401 whatever the query (a token sent as a query
    parameter is not a token); a token without the scope is a 403."""
    url = f"{tenant.base}/users?access_token={tenant.token}"
    assert_problem(await tenant.http.get(url), 401)
    reader = await make_tenant.another_client(tenant, scope="read")
    response = await reader.post("users", params={"limt": "1"}, json={"email": "a@b.io"})
    assert_problem(response, 403)


async def test_routes_outside_the_api_are_left_alone(tenant: Tenant) -> None:
    assert (await tenant.http.get("/healthz", params={"verbose": "1"})).status_code == 200


async def test_the_check_knows_exactly_the_query_parameters_the_document_shows(
    app: Litestar, http: httpx.AsyncClient
) -> None:
    """The check reads the parameters the framework resolved for the matched handler (its
    own and its dependencies'); the document shows the same handler. They must agree."""
    document = await openapi_document(http)
    declared = declared_parameters(app)
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path_format.startswith(API_PREFIX):
            continue
        for method, (handler, _model) in route.route_handler_map.items():
            if method == "OPTIONS" or not handler.resolve_include_in_schema():
                continue
            operation = document["paths"][route.path_format][method.lower()]
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert declared.query[id(handler)] == documented, (method, route.path_format)
            checked += 1
    api = [ops for path, ops in document["paths"].items() if path.startswith(API_PREFIX)]
    assert checked == sum(len(ops) for ops in api) > 0
    # The check authenticates the caller first: that is right only where a token is needed.
    assert all(op["security"] for ops in api for op in ops.values())
