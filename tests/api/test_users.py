"""Users (SPEC §3): create, read, page, update, delete — and every way to get it wrong."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.api.paging import BY_CREATED
from energy_contracts.contracts.models import EnergyContract
from energy_contracts.db.engine import Database
from energy_contracts.users.models import User
from tests.support.factories import make_building, make_user
from tests.support.http import (
    INSTANT,
    assert_each_is_404,
    instant,
    list_all,
    micros,
    next_url,
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

FULL_USER = {
    "email": "Jane.Doe@Example.com",
    "role": "staff",
    "external_user_id": "crm-4711",
    "first_name": "Jane",
    "last_name": "Doe",
    "street_and_number": "Mariahilfer Straße 1",
    "street_add_info": "Top 4",
    "town": "Wien",
    "zip_code": "1060",
    "country": "at",
    "latitude": 48.1986,
    "longitude": 16.3417,
}


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


# --- create and read ------------------------------------------------------------------------


async def test_create_returns_the_user_and_its_location(tenant: Tenant) -> None:
    response = await tenant.post("users", json=FULL_USER)
    assert response.status_code == 200
    user = response.json()
    assert user == {
        **FULL_USER,
        "country": "AT",
        "id": user["id"],
        "organization_id": str(tenant.org_id),
        "created_at": user["created_at"],
        "updated_at": user["updated_at"],
    }
    assert uuid.UUID(user["id"]).version == 4
    assert INSTANT.match(user["created_at"])
    assert user["updated_at"] == user["created_at"]
    location = response.headers["location"]
    assert location == f"http://testserver{tenant.base}/users/{user['id']}"
    fetched = await tenant.http.get(location, headers=tenant.headers)
    assert fetched.status_code == 200
    assert fetched.json() == user


async def test_create_with_only_an_email_takes_the_defaults(tenant: Tenant) -> None:
    response = await tenant.post("users", json={"email": "min@example.com"})
    assert response.status_code == 200
    user = response.json()
    assert {k: v for k, v in user.items() if k not in ("id", "created_at", "updated_at")} == {
        "organization_id": str(tenant.org_id),
        "email": "min@example.com",
        "role": "user",
        "external_user_id": None,
        "first_name": None,
        "last_name": None,
        "street_and_number": None,
        "street_add_info": None,
        "town": None,
        "zip_code": None,
        "country": None,
        "latitude": None,
        "longitude": None,
    }


async def test_values_at_the_limits_are_accepted(tenant: Tenant) -> None:
    email = "a" * 64 + "@" + "b" * 185 + ".com"
    assert len(email) == 254
    body = {
        "email": email,
        "external_user_id": "x" * 100,
        "first_name": "f" * 100,
        "last_name": "l" * 100,
        "street_and_number": "s" * 100,
        "street_add_info": "i" * 100,
        "town": "t" * 100,
        "zip_code": "z" * 20,
        "country": "DE",
        "latitude": -90,
        "longitude": 180,
    }
    response = await tenant.post("users", json=body)
    assert response.status_code == 200, response.text
    assert {k: v for k, v in response.json().items() if k in body} == body
    other = await tenant.post("users", json={"email": "b@x.io", "latitude": 90, "longitude": -180})
    assert other.status_code == 200
    assert (other.json()["latitude"], other.json()["longitude"]) == (90.0, -180.0)


async def test_get_by_external_id(tenant: Tenant) -> None:
    user = await make_user(tenant, external_user_id="crm/42 ä")
    await make_user(tenant, external_user_id="crm-43")
    response = await tenant.get("users/by-ext-id/crm%2F42%20%C3%A4")
    assert response.status_code == 200
    assert response.json() == user
    for unknown in ("crm-44", "CRM-43", "x" * 101, "nul%00"):
        missing = await tenant.get(f"users/by-ext-id/{unknown}")
        assert missing.status_code == 404, unknown
        assert problem_fields(missing) == []


async def test_unknown_user_is_404(tenant: Tenant) -> None:
    response = await tenant.get(f"users/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such user."


# --- lists and paging -----------------------------------------------------------------------


async def test_paging_walks_every_user_once_in_creation_order(tenant: Tenant) -> None:
    created = [await make_user(tenant) for _ in range(5)]
    everyone = await list_all(tenant, "users")
    assert everyone == created

    pages = await walk_pages(tenant, "users", limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [user for page in pages for user in page] == created

    exact = await tenant.get("users", params={"limit": 5})
    assert len(exact.json()) == 5
    assert "link" not in exact.headers


async def test_an_organisation_without_users_lists_an_empty_array(tenant: Tenant) -> None:
    assert await list_all(tenant, "users") == []


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "ten", ""])
async def test_bad_limit_is_422(tenant: Tenant, limit: str) -> None:
    response = await tenant.get("users", params={"limit": limit})
    assert response.status_code == 422
    assert problem_fields(response) == ["limit"]


HEX = "0123456789abcdef" * 2


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!",
        "WzEsMl0",  # the old base64 form
        f"1.{HEX.upper()}",
        f"-1.{HEX}",
        f"{'1' * 17}.{HEX}",  # beyond the year 2286
        f"1.{uuid.UUID(HEX)}",  # dashes
        f"1.{HEX}\n",
        f"1.5.{HEX}",
    ],
)
async def test_a_cursor_outside_the_documented_pattern_is_422(tenant: Tenant, cursor: str) -> None:
    await make_user(tenant)
    response = await tenant.get("users", params={"limit": 1, "cursor": cursor})
    assert response.status_code == 422
    assert problem_fields(response) == ["cursor"]


async def test_every_cursor_of_the_documented_pattern_is_the_page_after_it(
    tenant: Tenant,
) -> None:
    created = [await make_user(tenant) for _ in range(3)]
    first = micros(created[0]["created_at"])
    pages = {
        f"0.{'0' * 32}": created,
        f"{first}.{'0' * 32}": created,  # the first's instant, before its id
        f"{first}.{uuid.UUID(created[0]['id']).hex}": created[1:],
        f"{first}.{'f' * 32}": created[1:],
        f"{'9' * 16}.{'f' * 32}": [],
    }
    for cursor, expected in pages.items():
        assert re.fullmatch(BY_CREATED.pattern, cursor)
        response = await tenant.get("users", params={"cursor": cursor})
        assert response.status_code == 200, cursor
        assert response.json() == expected, cursor


async def test_the_next_page_cursor_matches_the_documented_pattern(tenant: Tenant) -> None:
    for _ in range(2):
        await make_user(tenant)
    url = next_url(await tenant.get("users", params={"limit": 1}))
    assert url is not None
    (cursor,) = parse_qs(urlsplit(url).query)["cursor"]
    assert re.fullmatch(BY_CREATED.pattern, cursor)


# --- uniqueness -----------------------------------------------------------------------------


async def test_duplicate_email_is_409_whatever_its_case(tenant: Tenant) -> None:
    first = await make_user(tenant, email="Jane@Example.com")
    response = await tenant.post("users", json={"email": "jane@example.COM"})
    assert response.status_code == 409
    assert problem_fields(response) == ["email"]
    assert response.json()["existing_user_id"] == first["id"]
    assert await list_all(tenant, "users") == [first]
    assert first["email"] == "Jane@Example.com"  # stored as given


async def test_duplicate_external_id_is_409(tenant: Tenant) -> None:
    first = await make_user(tenant, external_user_id="crm-1")
    response = await tenant.post("users", json={"email": "b@x.io", "external_user_id": "crm-1"})
    assert response.status_code == 409
    assert problem_fields(response) == ["external_user_id"]
    assert response.json()["existing_user_id"] == first["id"]
    assert await list_all(tenant, "users") == [first]


async def test_the_same_email_and_external_id_may_exist_in_another_organisation(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    other = await make_tenant()
    await make_user(other, email="same@x.io", external_user_id="same")
    response = await tenant.post("users", json={"email": "same@x.io", "external_user_id": "same"})
    assert response.status_code == 200


async def test_update_to_a_taken_email_or_external_id_is_409(tenant: Tenant) -> None:
    taken = await make_user(tenant, email="taken@x.io", external_user_id="crm-1")
    user = await make_user(tenant, email="free@x.io", external_user_id="crm-2")
    for change, field in (
        ({"email": "TAKEN@x.io"}, "email"),
        ({"external_user_id": "crm-1"}, "external_user_id"),
        ({"email": "new@x.io", "external_user_id": "crm-1"}, "external_user_id"),
    ):
        response = await tenant.put(f"users/{user['id']}", json=change)
        assert response.status_code == 409, change
        assert problem_fields(response) == [field]
        assert response.json()["existing_user_id"] == taken["id"]
    assert await list_all(tenant, "users") == [taken, user]


async def test_a_user_may_keep_or_recase_its_own_email_and_external_id(tenant: Tenant) -> None:
    user = await make_user(tenant, email="me@x.io", external_user_id="crm-1")
    response = await tenant.put(
        f"users/{user['id']}", json={"email": "ME@x.io", "external_user_id": "crm-1"}
    )
    assert response.status_code == 200
    assert response.json()["email"] == "ME@x.io"


@pytest.mark.parametrize("write", ["create", "update"])
@pytest.mark.parametrize(
    ("field", "value", "taken_value"),
    [("email", "RACE@x.io", "race@x.io"), ("external_user_id", "ext-race", "ext-race")],
)
async def test_a_concurrent_writer_taking_the_value_is_409_not_500(
    tenant: Tenant,
    database: Database,
    backend: str,
    write: str,
    field: str,
    value: str,
    taken_value: str,
) -> None:
    """Another writer inserts the value after our duplicate check and before our write.

    On PostgreSQL the request's INSERT/UPDATE waits on the unique index for the other
    transaction; when that commits, the unique violation must become a 409 naming the field
    (a savepoint keeps the transaction usable for the re-check). SQLite serialises writers,
    so there the request simply finds the committed row.
    """
    mine = await make_user(tenant, email="mine@x.io") if write == "update" else None
    other_id = uuid.uuid4()

    async def insert_the_value(other: AsyncSession) -> None:
        other.add(
            User(
                org_id=tenant.org_id,
                id=other_id,
                email=taken_value if field == "email" else "other@x.io",
                email_key=taken_value.lower() if field == "email" else "other@x.io",
                role="user",
                external_user_id=taken_value if field == "external_user_id" else None,
            )
        )
        await other.flush()

    if mine is None:
        attempt = tenant.post("users", json={"email": "mine@x.io", field: value})
    else:
        attempt = tenant.put(f"users/{mine['id']}", json={field: value})
    response = await while_uncommitted(database, backend, insert_the_value, attempt)
    assert response.status_code == 409, response.text
    assert problem_fields(response) == [field]
    assert response.json()["existing_user_id"] == str(other_id)
    users = await list_all(tenant, "users")
    if mine is None:
        assert [u["id"] for u in users] == [str(other_id)]
    else:
        assert [u["id"] for u in users] == [mine["id"], str(other_id)]
        assert users[0] == mine


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_write_racing_a_concurrent_delete_of_the_user_is_404_not_500(
    tenant: Tenant, database: Database, backend: str, method: str
) -> None:
    """The user was found, then another transaction deleted it before our write landed."""
    user = await make_user(tenant)
    keep = await make_user(tenant)
    attempt = tenant.http.request(
        method, f"{tenant.base}/users/{user['id']}", json={"town": "Graz"}, headers=tenant.headers
    )
    response = await while_uncommitted(database, backend, delete_user_row(user), attempt)
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "No such user."
    assert await list_all(tenant, "users") == [keep]


# --- validation: every rule is a 422 naming the field, and nothing is written ---------------

BAD_USER_FIELDS = [
    ({"email": None}, "email"),
    ({"email": 42}, "email"),
    ({"email": "a" * 64 + "@" + "b" * 186 + ".com"}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "two@@x.io"}, "email"),
    ({"email": "no-dot@localhost"}, "email"),
    ({"email": "space in@x.io"}, "email"),
    ({"email": "dots@x..io"}, "email"),
    ({"email": ""}, "email"),
    ({"role": "boss"}, "role"),
    ({"role": None}, "role"),
    ({"role": "ADMIN"}, "role"),
    ({"external_user_id": "x" * 101}, "external_user_id"),
    ({"external_user_id": ""}, "external_user_id"),
    ({"external_user_id": 7}, "external_user_id"),
    ({"first_name": "x" * 101}, "first_name"),
    ({"last_name": "x" * 101}, "last_name"),
    ({"street_and_number": "x" * 101}, "street_and_number"),
    ({"street_add_info": "x" * 101}, "street_add_info"),
    ({"town": "x" * 101}, "town"),
    ({"zip_code": "x" * 21}, "zip_code"),
    ({"zip_code": 1060}, "zip_code"),
    ({"country": "XX"}, "country"),
    ({"country": "AUT"}, "country"),
    ({"country": "A"}, "country"),
    ({"country": "1A"}, "country"),
    ({"latitude": 90.0001}, "latitude"),
    ({"latitude": -91}, "latitude"),
    ({"latitude": "48.2"}, "latitude"),
    ({"latitude": True}, "latitude"),
    ({"longitude": 180.5}, "longitude"),
    ({"longitude": -181}, "longitude"),
    ({"first_name": "nul\x00byte"}, "first_name"),
    ({"nickname": "JD"}, "nickname"),
]


@pytest.mark.parametrize(("change", "field"), BAD_USER_FIELDS)
async def test_invalid_fields_on_create_are_422(
    tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    response = await tenant.post("users", json={"email": "valid@example.com", **change})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert await list_all(tenant, "users") == []


async def test_a_number_beyond_float_range_is_422(tenant: Tenant) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    content = b'{"email": "a@x.io", "latitude": 1e400}'
    response = await tenant.http.post(f"{tenant.base}/users", content=content, headers=headers)
    assert response.status_code == 422
    assert problem_fields(response) == ["latitude"]
    assert await list_all(tenant, "users") == []


async def test_a_missing_email_is_422(tenant: Tenant) -> None:
    response = await tenant.post("users", json={"first_name": "Jane"})
    assert response.status_code == 422
    assert problem_fields(response) == ["email"]
    assert response.json()["errors"][0]["message"] == "is required"
    assert await list_all(tenant, "users") == []


@pytest.mark.parametrize("content", [b"{", b'{"email": "a@x.io",}', b"", b"not json"])
async def test_malformed_json_is_400(tenant: Tenant, content: bytes) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = await tenant.http.post(f"{tenant.base}/users", content=content, headers=headers)
    assert response.status_code == 400
    assert problem_fields(response) == []
    assert await list_all(tenant, "users") == []


@pytest.mark.parametrize("body", [[], ["a@x.io"], "a@x.io", 42, True])
async def test_a_body_that_is_not_an_object_is_422(tenant: Tenant, body: Any) -> None:
    response = await tenant.post("users", json=body)
    assert response.status_code == 422
    assert problem_fields(response) == ["body"]
    assert await list_all(tenant, "users") == []


# --- update ---------------------------------------------------------------------------------


async def test_update_is_partial_null_clears_absent_stays(tenant: Tenant) -> None:
    user = await make_user(tenant, **{**FULL_USER, "email": "p@x.io"})
    response = await tenant.put(
        f"users/{user['id']}",
        json={"town": "Graz", "zip_code": "8010", "first_name": None, "country": "de"},
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated == {
        **user,
        "town": "Graz",
        "zip_code": "8010",
        "first_name": None,
        "country": "DE",
        "updated_at": updated["updated_at"],
    }
    assert instant(updated["updated_at"]) > instant(user["updated_at"])
    assert updated["created_at"] == user["created_at"]
    assert INSTANT.match(updated["updated_at"])
    assert (await tenant.get(f"users/{user['id']}")).json() == updated


async def test_every_optional_field_can_be_cleared(tenant: Tenant) -> None:
    user = await make_user(tenant, **{**FULL_USER, "email": "c@x.io"})
    optional = [k for k in FULL_USER if k not in ("email", "role")]
    response = await tenant.put(f"users/{user['id']}", json=dict.fromkeys(optional))
    assert response.status_code == 200
    cleared = response.json()
    assert {k: cleared[k] for k in optional} == dict.fromkeys(optional)
    assert (cleared["email"], cleared["role"]) == ("c@x.io", "staff")


async def test_an_empty_update_changes_nothing_but_updated_at(tenant: Tenant) -> None:
    user = await make_user(tenant, role="admin")
    response = await tenant.put(f"users/{user['id']}", json={})
    assert response.status_code == 200
    assert response.json() == {**user, "updated_at": response.json()["updated_at"]}


async def test_email_and_role_can_be_changed(tenant: Tenant) -> None:
    user = await make_user(tenant, email="old@x.io")
    response = await tenant.put(f"users/{user['id']}", json={"email": "New@x.io", "role": "admin"})
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["role"]) == ("New@x.io", "admin")
    # The old address is free again; the new one is taken case-insensitively.
    assert (await tenant.post("users", json={"email": "old@x.io"})).status_code == 200
    assert (await tenant.post("users", json={"email": "new@X.IO"})).status_code == 409


@pytest.mark.parametrize(("change", "field"), BAD_USER_FIELDS)
async def test_invalid_fields_on_update_are_422_and_change_nothing(
    tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    user = await make_user(tenant, **{**FULL_USER, "email": "u@x.io"})
    response = await tenant.put(f"users/{user['id']}", json={"town": "Graz", **change})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert (await tenant.get(f"users/{user['id']}")).json() == user


async def test_malformed_json_on_update_is_400(tenant: Tenant) -> None:
    user = await make_user(tenant)
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = await tenant.http.put(
        f"{tenant.base}/users/{user['id']}", content=b'{"town": ', headers=headers
    )
    assert response.status_code == 400
    assert (await tenant.get(f"users/{user['id']}")).json() == user


async def test_update_of_an_unknown_user_is_404(tenant: Tenant) -> None:
    response = await tenant.put(f"users/{uuid.uuid4()}", json={"town": "Graz"})
    assert response.status_code == 404
    assert await list_all(tenant, "users") == []


# --- delete ---------------------------------------------------------------------------------


async def test_delete_erases_the_user_with_buildings_contracts_and_prices(
    tenant: Tenant, database: Database
) -> None:
    user = await make_user(tenant)
    keep = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    kept_building = await make_building(tenant, keep["id"])
    await add_contract_with_price(database, tenant.org_id, user["id"])
    await add_contract_with_price(database, tenant.org_id, user["id"], building["id"])
    await add_contract_with_price(database, tenant.org_id, keep["id"])
    assert await count_prices(database, tenant.org_id) == 3

    response = await tenant.delete(f"users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""

    assert (await tenant.get(f"users/{user['id']}")).status_code == 404
    gone = await tenant.get(f"users/{user['id']}/buildings/{building['id']}")
    assert gone.status_code == 404
    assert (await tenant.delete(f"users/{user['id']}")).status_code == 404
    assert await list_all(tenant, "users") == [keep]
    assert await list_all(tenant, f"users/{keep['id']}/buildings") == [kept_building]
    assert await count_rows(database, EnergyContract, tenant.org_id) == 1
    assert await count_prices(database, tenant.org_id) == 1


async def test_a_deleted_users_email_and_external_id_can_be_reused(tenant: Tenant) -> None:
    user = await make_user(tenant, email="reuse@x.io", external_user_id="crm-9")
    assert (await tenant.delete(f"users/{user['id']}")).status_code == 204
    again = await tenant.post("users", json={"email": "reuse@x.io", "external_user_id": "crm-9"})
    assert again.status_code == 200


# --- scopes and tenancy ---------------------------------------------------------------------


async def test_a_read_only_token_reads_but_cannot_write(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    user = await make_user(tenant)
    reader = await make_tenant.another_client(tenant, scope="read")
    assert (await reader.get(f"users/{user['id']}")).json() == user
    attempts = [
        await reader.post("users", json={"email": "r@x.io"}),
        await reader.put(f"users/{user['id']}", json={"town": "Graz"}),
        await reader.delete(f"users/{user['id']}"),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]
    assert all(problem_fields(r) == [] for r in attempts)
    assert await list_all(tenant, "users") == [user]


async def test_the_read_only_tenant_fixture_gets_403_on_writes(make_tenant: TenantFactory) -> None:
    reader = await make_tenant(scope="read")
    some_user = uuid.uuid4()
    attempts = [
        await reader.post("users", json={"email": "r@x.io"}),
        await reader.put(f"users/{some_user}", json={"town": "Graz"}),
        await reader.delete(f"users/{some_user}"),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]
    assert (await reader.get("users")).json() == []


async def test_another_organisations_token_gets_404_on_every_user_path(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    user = await make_user(tenant, external_user_id="crm-1")
    intruder = await make_tenant()
    base = f"{tenant.base}/users"
    attempts = [
        ("GET", base, None),
        ("POST", base, {"email": "evil@x.io"}),
        ("GET", f"{base}/{user['id']}", None),
        ("GET", f"{base}/by-ext-id/crm-1", None),
        ("PUT", f"{base}/{user['id']}", {"email": "evil@x.io"}),
        ("DELETE", f"{base}/{user['id']}", None),
    ]
    await assert_each_is_404(intruder, attempts, "No such organisation.")
    assert await list_all(tenant, "users") == [user]
    assert await list_all(intruder, "users") == []


async def test_a_foreign_users_id_under_ones_own_organisation_is_404(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    victim = await make_tenant()
    foreign = await make_user(victim, external_user_id="crm-1")
    responses = [
        await tenant.get(f"users/{foreign['id']}"),
        await tenant.get("users/by-ext-id/crm-1"),
        await tenant.put(f"users/{foreign['id']}", json={"town": "Graz"}),
        await tenant.delete(f"users/{foreign['id']}"),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert {r.json()["detail"] for r in responses} == {"No such user."}
    assert await list_all(victim, "users") == [foreign]
    assert await list_all(tenant, "users") == []
