"""SPEC §10 through the API: price series, their prices, names, grids, preconditions,
``prices_known_until`` and tenant isolation. Every refused request writes nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from energy_contracts.db.engine import Database
from energy_contracts.series.models import Series
from tests.support.factories import make_contract, make_series, make_user
from tests.support.http import assert_problem, exact, walk_pages
from tests.support.rows import count_rows, count_series_prices
from tests.support.tenants import Tenant, TenantFactory

SERIES_KEYS = {
    "id",
    "name",
    "description",
    "currency",
    "interval_minutes",
    "timezone",
    "area",
    "prices_known_until",
    "created_at",
    "updated_at",
}
QUARTER_HOURS = [
    {"price": 0.0812, "timestamp": "2025-10-01T00:00:00+02:00"},
    {"price": 0.0795, "timestamp": "2025-10-01T00:15:00+02:00"},
    {"price": -0.0031, "timestamp": "2025-10-01T00:30:00+02:00"},
]


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


def series_path(series: dict[str, Any]) -> str:
    return f"price-series/{series['id']}"


async def send(
    tenant: Tenant, method: str, path: str, *, if_match: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {} if if_match is None else {"If-Match": if_match}
    return await tenant.http.request(
        method, f"{tenant.base}/{path}", headers={**tenant.headers, **headers}, **kwargs
    )


async def put_prices(tenant: Tenant, series: dict[str, Any], entries: Any) -> httpx.Response:
    return await tenant.put(f"{series_path(series)}/prices", json={"energy_prices": entries})


# --- the series ----------------------------------------------------------------------------


async def test_create_answers_200_with_location_etag_and_defaults(tenant: Tenant) -> None:
    response = await tenant.post(
        "price-series", json={"name": "EPEX day-ahead AT", "interval_minutes": 15}
    )
    created = exact(response)
    assert set(created) == SERIES_KEYS
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == (
        f"http://testserver{tenant.base}/price-series/{created['id']}"
    )
    assert {key: created[key] for key in SERIES_KEYS - {"id", "created_at", "updated_at"}} == {
        "name": "EPEX day-ahead AT",
        "description": None,
        "currency": "EUR",  # the organisation's
        "interval_minutes": 15,
        "timezone": "Europe/Vienna",  # the organisation's
        "area": None,
        "prices_known_until": None,
    }
    assert exact(await tenant.get(series_path(created))) == created


async def test_create_with_every_field(tenant: Tenant) -> None:
    created = await make_series(
        tenant,
        name="EPEX DE-LU",
        description="Day-ahead auction, bidding zone DE-LU",
        currency="eur",
        interval_minutes=30,
        timezone="Europe/Berlin",
        area="10Y1001A1001A82H",
    )
    assert (created["currency"], created["timezone"], created["area"]) == (
        "EUR",
        "Europe/Berlin",
        "10Y1001A1001A82H",
    )
    assert created["description"] == "Day-ahead auction, bidding zone DE-LU"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval_minutes": 15}, "name"),
        ({"name": "x"}, "interval_minutes"),
        ({"name": "", "interval_minutes": 15}, "name"),
        ({"name": "x" * 101, "interval_minutes": 15}, "name"),
        ({"name": "x", "interval_minutes": 45}, "interval_minutes"),
        ({"name": "x", "interval_minutes": 15, "currency": "USD"}, "currency"),
        ({"name": "x", "interval_minutes": 15, "currency": "XYZ"}, "currency"),
        ({"name": "x", "interval_minutes": 15, "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "x", "interval_minutes": 15, "area": "A" * 33}, "area"),
        ({"name": "x", "interval_minutes": 15, "description": "d" * 501}, "description"),
        ({"name": "x", "interval_minutes": 15, "colour": "red"}, "colour"),
    ],
)
async def test_invalid_series_fields_are_422_and_write_nothing(
    tenant: Tenant, database: Database, body: dict[str, Any], field: str
) -> None:
    assert_problem(await tenant.post("price-series", json=body), 422, field)
    assert await count_rows(database, Series, tenant.org_id) == 0


async def test_a_taken_name_is_409_on_create_and_on_rename(
    tenant: Tenant, database: Database
) -> None:
    first = await make_series(tenant, name="Day-ahead")
    second = await make_series(tenant, name="Intraday")
    taken = await tenant.post("price-series", json={"name": "Day-ahead", "interval_minutes": 60})
    problem = assert_problem(taken, 409, "name")
    assert problem["existing_series_id"] == first["id"]
    renamed = await tenant.put(series_path(second), json={"name": "Day-ahead"})
    assert_problem(renamed, 409, "name")
    assert exact(await tenant.get(series_path(second)))["name"] == "Intraday"
    assert await count_rows(database, Series, tenant.org_id) == 2
    # Names are per organisation: another one may use it.
    assert (await tenant.put(series_path(first), json={"name": "Day-ahead"})).status_code == 200


async def test_put_is_partial_and_null_clears(tenant: Tenant) -> None:
    series = await make_series(tenant, name="A", description="about A", area="AT")
    response = await tenant.put(series_path(series), json={"description": None, "name": "B"})
    changed = exact(response)
    assert response.headers["etag"] == '"2"'
    assert (changed["name"], changed["description"], changed["area"]) == ("B", None, "AT")
    same = await tenant.put(series_path(series), json={"name": "B"})
    assert same.headers["etag"] == '"2"'  # nothing changed


async def test_interval_and_timezone_change_only_without_prices(tenant: Tenant) -> None:
    series = await make_series(tenant, interval_minutes=15)
    changed = exact(
        await tenant.put(
            series_path(series), json={"interval_minutes": 30, "timezone": "Europe/London"}
        )
    )
    assert (changed["interval_minutes"], changed["timezone"]) == (30, "Europe/London")
    exact(await put_prices(tenant, series, [{"price": 1, "timestamp": "2025-01-01T00:30:00Z"}]))
    for body in ({"interval_minutes": 60}, {"timezone": "Europe/Vienna"}):
        assert_problem(await tenant.put(series_path(series), json=body), 409)
    # The current value again is not a change.
    unchanged = await tenant.put(series_path(series), json={"interval_minutes": 30})
    assert unchanged.status_code == 200
    after = exact(await tenant.get(series_path(series)))
    assert (after["interval_minutes"], after["timezone"]) == (30, "Europe/London")


async def test_list_pages_by_id_and_refuses_a_limit_above_500(tenant: Tenant) -> None:
    made = [await make_series(tenant) for _ in range(5)]
    pages = await walk_pages(tenant, "price-series", limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [s["id"] for page in pages for s in page] == sorted(s["id"] for s in made)
    assert_problem(await tenant.get("price-series", params={"limit": 501}), 422, "limit")
    assert len(exact(await tenant.get("price-series", params={"limit": 500}))) == 5


async def test_delete_is_204_and_takes_its_prices(tenant: Tenant, database: Database) -> None:
    series = await make_series(tenant, interval_minutes=15)
    exact(await put_prices(tenant, series, QUARTER_HOURS))
    assert await count_series_prices(database, tenant.org_id) == 3
    assert (await tenant.delete(series_path(series))).status_code == 204
    assert_problem(await tenant.get(series_path(series)), 404)
    assert await count_series_prices(database, tenant.org_id) == 0


async def test_delete_while_contracts_link_to_it_is_409_with_the_count(
    tenant: Tenant, database: Database
) -> None:
    series = await make_series(tenant)
    for _ in range(2):
        user = await make_user(tenant)
        await make_contract(tenant, user["id"], energy_price_index={"series_id": series["id"]})
    problem = assert_problem(await tenant.delete(series_path(series)), 409)
    assert problem["contract_count"] == 2
    assert await count_rows(database, Series, tenant.org_id) == 1


async def test_if_match_guards_series_writes(tenant: Tenant) -> None:
    series = await make_series(tenant)
    path = series_path(series)
    for method, target, kwargs in [
        ("PUT", path, {"json": {"name": "renamed"}}),
        ("PUT", f"{path}/prices", {"json": {"energy_prices": []}}),
        ("DELETE", f"{path}/prices", {}),
        ("DELETE", path, {}),
    ]:
        stale = await send(tenant, method, target, if_match='"7"', **kwargs)
        assert_problem(stale, 412)
        assert stale.headers["etag"] == '"1"'
    assert exact(await tenant.get(path))["name"] == series["name"]
    renamed = await send(tenant, "PUT", path, if_match='"1"', json={"name": "renamed"})
    assert renamed.headers["etag"] == '"2"'
    assert (await send(tenant, "DELETE", path, if_match='"2"')).status_code == 204


# --- its prices ----------------------------------------------------------------------------


async def test_prices_upsert_by_timestamp_with_counts_and_etag(tenant: Tenant) -> None:
    series = await make_series(tenant, interval_minutes=15)
    first = await put_prices(tenant, series, QUARTER_HOURS)
    assert exact(first) == {"received": 3, "inserted": 3, "updated": 0, "unchanged": 0}
    assert first.headers["etag"] == '"2"'
    again = await put_prices(
        tenant,
        series,
        [
            {"price": 0.0812, "timestamp": "2025-09-30T22:00:00Z"},  # same instant, same price
            {"price": 0.09, "timestamp": "2025-10-01T00:15:00+02:00"},
            {"price": 0.1, "timestamp": "2025-10-01T00:45:00+02:00"},
        ],
    )
    assert exact(again) == {"received": 3, "inserted": 1, "updated": 1, "unchanged": 1}
    listed = exact(await tenant.get(f"{series_path(series)}/prices"))
    assert listed == [
        {"price": Decimal("0.0812"), "timestamp": "2025-09-30T22:00:00Z"},
        {"price": Decimal("0.09"), "timestamp": "2025-09-30T22:15:00Z"},
        {"price": Decimal("-0.0031"), "timestamp": "2025-09-30T22:30:00Z"},
        {"price": Decimal("0.1"), "timestamp": "2025-09-30T22:45:00Z"},
    ]
    # The last entry holds one interval: 22:45 + 15 minutes.
    assert exact(await tenant.get(series_path(series)))["prices_known_until"] == (
        "2025-09-30T23:00:00Z"
    )


async def test_the_alias_energy_price_is_accepted_too(tenant: Tenant) -> None:
    series = await make_series(tenant)
    response = await tenant.put(
        f"{series_path(series)}/prices",
        json={"energy_price": [{"price": 0.2, "timestamp": "2025-01-01T00:00:00Z"}]},
    )
    assert exact(response)["inserted"] == 1


async def test_prices_off_the_series_grid_are_422_naming_the_entry(
    tenant: Tenant, database: Database
) -> None:
    # Kolkata is UTC+05:30: its local quarter hours are :00/:15/:30/:45 local, so 00:00 UTC
    # (05:30 local) is on the grid and 00:10 UTC (05:40 local) is not.
    series = await make_series(tenant, interval_minutes=15, timezone="Asia/Kolkata")
    response = await put_prices(
        tenant,
        series,
        [
            {"price": 0.1, "timestamp": "2025-01-01T00:00:00Z"},
            {"price": 0.2, "timestamp": "2025-01-01T00:10:00Z"},
        ],
    )
    problem = assert_problem(response, 422, "energy_prices[1].timestamp")
    assert "15-minute grid of Asia/Kolkata" in problem["errors"][0]["message"]
    assert await count_series_prices(database, tenant.org_id) == 0
    bad_price = await put_prices(tenant, series, [{"price": "1", "timestamp": "2025-01-01Z"}])
    assert_problem(bad_price, 422)
    duplicate = await put_prices(
        tenant,
        series,
        [
            {"price": 0.1, "timestamp": "2025-01-01T00:00:00Z"},
            {"price": 0.2, "timestamp": "2025-01-01T05:30:00+05:30"},
        ],
    )
    assert_problem(duplicate, 422, "energy_prices[1].timestamp")
    assert await count_series_prices(database, tenant.org_id) == 0
    assert (await tenant.get(series_path(series))).headers["etag"] == '"1"'


async def test_prices_page_by_instant_and_delete_by_range(tenant: Tenant) -> None:
    series = await make_series(tenant, interval_minutes=15)
    exact(await put_prices(tenant, series, QUARTER_HOURS))
    pages = await walk_pages(tenant, f"{series_path(series)}/prices", limit=2)
    assert [[p["timestamp"] for p in page] for page in pages] == [
        ["2025-09-30T22:00:00Z", "2025-09-30T22:15:00Z"],
        ["2025-09-30T22:30:00Z"],
    ]
    ranged = exact(
        await tenant.get(
            f"{series_path(series)}/prices",
            params={"from": "2025-09-30T22:15:00Z", "to": "2025-09-30T22:30:00Z"},
        )
    )
    assert ranged == [{"price": Decimal("0.0795"), "timestamp": "2025-09-30T22:15:00Z"}]
    deleted = await tenant.delete(
        f"{series_path(series)}/prices", params={"from": "2025-09-30T22:15:00Z"}
    )
    assert exact(deleted) == {"deleted": 2}
    assert deleted.headers["etag"] == '"3"'
    assert exact(await tenant.get(series_path(series)))["prices_known_until"] == (
        "2025-09-30T22:15:00Z"
    )
    everything = await tenant.delete(f"{series_path(series)}/prices")
    assert exact(everything) == {"deleted": 1}
    assert exact(await tenant.get(series_path(series)))["prices_known_until"] is None


async def test_prices_known_until_before_filters_series_strictly(tenant: Tenant) -> None:
    hourly = await make_series(tenant, interval_minutes=60)
    quarter = await make_series(tenant, interval_minutes=15)
    await make_series(tenant)  # no prices: never listed
    exact(await put_prices(tenant, hourly, [{"price": 1, "timestamp": "2025-01-01T10:00:00Z"}]))
    exact(await put_prices(tenant, quarter, [{"price": 1, "timestamp": "2025-01-01T10:30:00Z"}]))
    # hourly holds until 11:00, quarter until 10:45.

    async def running_out(before: str) -> list[str]:
        listed = exact(
            await tenant.get("price-series", params={"prices_known_until_before": before})
        )
        return sorted(series["id"] for series in listed)

    assert await running_out("2025-01-01T10:45:00Z") == []
    assert await running_out("2025-01-01T10:45:00.000001Z") == [quarter["id"]]
    assert await running_out("2025-01-01T11:00:00Z") == [quarter["id"]]
    assert await running_out("2025-01-01T12:00:00+01:00") == [quarter["id"]]
    assert await running_out("2025-01-01T11:00:01Z") == sorted([quarter["id"], hourly["id"]])
    assert_problem(
        await tenant.get("price-series", params={"prices_known_until_before": "tomorrow"}),
        422,
        "prices_known_until_before",
    )


async def test_read_only_token_is_403_on_every_series_write(
    make_tenant: TenantFactory, tenant: Tenant
) -> None:
    series = await make_series(tenant)
    reader = await make_tenant.another_client(tenant, scope="read")
    path = series_path(series)
    for method, target, body in [
        ("POST", "price-series", {"name": "x", "interval_minutes": 60}),
        ("PUT", path, {"name": "y"}),
        ("DELETE", path, None),
        ("PUT", f"{path}/prices", {"energy_prices": []}),
        ("DELETE", f"{path}/prices", None),
    ]:
        response = await send(reader, method, target, json=body)
        assert_problem(response, 403)
    assert (await reader.get(path)).status_code == 200


# --- tenant isolation ----------------------------------------------------------------------


async def test_another_organisations_series_is_404_on_every_path(
    make_tenant: TenantFactory, tenant: Tenant, database: Database
) -> None:
    intruder = await make_tenant()
    series = await make_series(tenant, interval_minutes=15)
    exact(await put_prices(tenant, series, QUARTER_HOURS))
    own_org_path = f"price-series/{series['id']}"
    attempts: list[tuple[str, str, Any]] = [
        ("GET", own_org_path, None),
        ("PUT", own_org_path, {"name": "mine now"}),
        ("DELETE", own_org_path, None),
        ("GET", f"{own_org_path}/prices", None),
        ("PUT", f"{own_org_path}/prices", {"energy_prices": []}),
        ("DELETE", f"{own_org_path}/prices", None),
    ]
    for method, path, body in attempts:
        # Under the intruder's own organisation: the id is not one of its series.
        response = await send(intruder, method, path, json=body)
        assert_problem(response, 404)
        assert response.json()["detail"] == "No such price series."
        # Under the victim's organisation: not the intruder's organisation.
        foreign = await intruder.http.request(
            method, f"{tenant.base}/{path}", json=body, headers=intruder.headers
        )
        assert_problem(foreign, 404)
    assert exact(await intruder.get("price-series")) == []
    assert exact(await tenant.get(own_org_path))["name"] == series["name"]
    assert await count_series_prices(database, tenant.org_id) == 3


async def test_an_unknown_series_is_404(tenant: Tenant) -> None:
    assert_problem(await tenant.get(f"price-series/{uuid.uuid4()}"), 404)
    assert_problem(await tenant.get(f"price-series/{uuid.uuid4()}/prices"), 404)
    assert_problem(await tenant.delete(f"price-series/{uuid.uuid4()}"), 404)
