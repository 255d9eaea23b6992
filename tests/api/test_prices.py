"""SPEC §5 through the API: exact prices, timestamps and grids, upserts, the /prices resource."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from energy_contracts.api.paging import BY_INSTANT
from energy_contracts.db.engine import Database
from energy_contracts.effective.repository import ContractTerms, prices_of
from tests.support.factories import make_building, make_contract, make_user
from tests.support.http import assert_problem, exact, micros, next_url
from tests.support.tenants import Tenant, TenantFactory

VIENNA = ZoneInfo("Europe/Vienna")
T0 = datetime(2024, 1, 15, tzinfo=UTC)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


@pytest.fixture
async def user(tenant: Tenant) -> dict[str, Any]:
    return await make_user(tenant)


def hourly(count: int, start: datetime = T0, minutes: int = 60) -> list[dict[str, Any]]:
    step = timedelta(minutes=minutes)
    return [
        {"price": round(0.1 + i / 100, 2), "timestamp": (start + step * i).isoformat()}
        for i in range(count)
    ]


def price_json(entries: list[tuple[str, str]], name: str = "energy_prices") -> bytes:
    """A body with prices written as literal JSON text (exact digits, or invalid values)."""
    items = ",".join(f'{{"price": {price}, "timestamp": "{ts}"}}' for price, ts in entries)
    return f'{{"{name}": [{items}]}}'.encode()


class Contract:
    """A contract under test: its paths and exact reads."""

    def __init__(self, tenant: Tenant, user_id: str, contract_id: str) -> None:
        self.tenant = tenant
        self.path = f"users/{user_id}/energy-contracts/{contract_id}"
        self.prices_path = f"{self.path}/prices"

    async def get(self, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = exact(await self.tenant.get(self.path, params=params))
        return body

    async def prices(self) -> list[tuple[str, Decimal]]:
        return [(p["timestamp"], p["price"]) for p in (await self.get())["energy_prices"]]

    async def put_prices(self, entries: Any, **kwargs: Any) -> httpx.Response:
        if isinstance(entries, bytes):
            return await self.tenant.put(self.prices_path, content=entries, **kwargs)
        return await self.tenant.put(self.prices_path, json={"energy_prices": entries}, **kwargs)


async def new_contract(tenant: Tenant, user: dict[str, Any], **fields: Any) -> Contract:
    created = await make_contract(tenant, user["id"], **fields)
    return Contract(tenant, user["id"], created["id"])


# --- what a price is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "message_part"),
    [
        ('"0.2"', "string"),
        ("true", "boolean"),
        ("null", "null"),
        ("{}", "object"),
        ("[0.2]", "array"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("1e9", "1e9"),
        ("-1000000000", "1e9"),
        ("1e400", "1e9"),
        ("0.12345678901234567891", "decimal places"),
        ("1e-20", "decimal places"),
        ("1e99999999999999999999", "out of range"),
        ("-1e-99999999999999999999", "out of range"),
    ],
)
async def test_a_price_that_is_not_a_sane_finite_number_is_422(
    tenant: Tenant, user: dict[str, Any], literal: str, message_part: str
) -> None:
    contract = await new_contract(tenant, user)
    body = price_json([("0.1", "2024-01-15T00:00:00Z"), (literal, "2024-01-15T01:00:00Z")])
    problem = assert_problem(await contract.put_prices(body), 422, "energy_prices[1].price")
    assert message_part in problem["errors"][0]["message"]
    create = b'{"energy_contract_type": "monthly", "currency_energy_price": "EUR", '
    created = await tenant.post(
        f"users/{user['id']}/energy-contracts", content=body.replace(b"{", create, 1)
    )
    assert_problem(created, 422)
    assert await contract.prices() == []
    assert len(exact(await tenant.get(f"users/{user['id']}/energy-contracts"))) == 1


async def test_json_that_is_malformed_elsewhere_is_still_400(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user)
    response = await contract.put_prices(b'{"energy_prices": [{"price": NaN, "timestamp": ]}')
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "literal",
    [
        "0.1234567890123456789",
        "-0.05",
        "0.20",
        "0",
        "-0",
        "1E-7",
        "123456789.5",
        "-999999999.9999999999999999999",
        "3",
        "2.50e1",
    ],
)
async def test_prices_round_trip_as_exact_decimals(
    tenant: Tenant, user: dict[str, Any], literal: str
) -> None:
    contract = await new_contract(tenant, user, energy_contract_type="monthly")
    written = exact(await contract.put_prices(price_json([(literal, "2024-01-01T00:00:00+01:00")])))
    assert written == {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0}
    expected = [("2023-12-31T23:00:00Z", Decimal(literal))]
    assert await contract.prices() == expected
    listed = exact(await tenant.get(contract.prices_path))
    assert [(p["timestamp"], p["price"]) for p in listed] == expected
    again = exact(await contract.put_prices(price_json([(literal, "2023-12-31T23:00:00Z")])))
    assert again["unchanged"] == 1


async def test_prices_are_returned_ascending_in_utc(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user)
    entries = [
        ("0.3", "2024-01-15T03:00:00+01:00"),
        ("0.1", "2024-01-15T00:00:00Z"),
        ("0.2", "2024-01-15T06:30:00+05:30"),
    ]
    exact(await contract.put_prices(price_json(entries)))
    assert await contract.prices() == [
        ("2024-01-15T00:00:00Z", Decimal("0.1")),
        ("2024-01-15T01:00:00Z", Decimal("0.2")),
        ("2024-01-15T02:00:00Z", Decimal("0.3")),
    ]


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp", ["2024-01-15T01:00:00", "2024-01-15", "yesterday", "2024-01-15T25:00:00Z"]
)
async def test_a_timestamp_without_offset_or_invalid_is_422(
    tenant: Tenant, user: dict[str, Any], timestamp: str
) -> None:
    contract = await new_contract(tenant, user)
    body = price_json([("0.1", "2024-01-15T00:00:00Z"), ("0.2", timestamp)])
    assert_problem(await contract.put_prices(body), 422, "energy_prices[1].timestamp")
    response = await tenant.put(
        contract.path, content=body.replace(b"energy_prices", b"energy_price")
    )
    assert_problem(response, 422, "energy_price[1].timestamp")
    assert await contract.prices() == []
    assert (await tenant.get(contract.path)).headers["etag"] == '"1"'


async def test_the_same_instant_twice_is_422_even_with_different_offsets(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user)
    body = price_json(
        [
            ("0.1", "2024-01-15T00:00:00Z"),
            ("0.2", "2024-01-15T02:00:00+01:00"),
            ("0.3", "2024-01-15T01:00:00+00:00"),
        ]
    )
    problem = assert_problem(await contract.put_prices(body), 422, "energy_prices[2].timestamp")
    assert "energy_prices[1].timestamp" in problem["errors"][0]["message"]
    assert await contract.prices() == []


async def test_spot_prices_must_lie_on_the_interval_grid(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    hourly_contract = await new_contract(tenant, user)
    for off_grid in ("2024-01-15T00:30:00Z", "2024-01-15T01:00:01Z", "2024-01-15T01:00:00.5Z"):
        body = price_json([("0.1", "2024-01-15T00:00:00Z"), ("0.2", off_grid)])
        assert_problem(await hourly_contract.put_prices(body), 422, "energy_prices[1].timestamp")
    assert await hourly_contract.prices() == []

    building = await make_building(tenant, user["id"])
    quarter = await new_contract(
        tenant, user, building_id=building["id"], price_interval_minutes=15
    )
    fine = price_json([("0.1", "2024-01-15T00:15:00Z"), ("0.2", "2024-01-15T00:45:00+00:00")])
    assert exact(await quarter.put_prices(fine))["inserted"] == 2
    off = price_json([("0.1", "2024-01-15T00:07:00Z")])
    assert_problem(await quarter.put_prices(off), 422, "energy_prices[0].timestamp")


async def test_kolkata_building_grid_is_on_the_half_hour_in_utc(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"], timezone="Asia/Kolkata")
    contract = await new_contract(tenant, user, building_id=building["id"])
    accepted = price_json([("0.1", "2024-01-15T00:30:00Z"), ("0.2", "2024-01-15T07:00:00+05:30")])
    assert exact(await contract.put_prices(accepted))["inserted"] == 2
    rejected = price_json([("0.3", "2024-01-15T03:00:00Z")])
    problem = assert_problem(await contract.put_prices(rejected), 422, "energy_prices[0].timestamp")
    assert "Asia/Kolkata" in problem["errors"][0]["message"]
    assert await contract.prices() == [
        ("2024-01-15T00:30:00Z", Decimal("0.1")),
        ("2024-01-15T01:30:00Z", Decimal("0.2")),
    ]


async def test_user_level_contract_uses_the_organisations_zone(
    make_tenant: TenantFactory,
) -> None:
    indian = await make_tenant(currency="INR", timezone="Asia/Kolkata")
    user = await make_user(indian)
    contract = await new_contract(indian, user)
    assert_problem(
        await contract.put_prices(price_json([("5", "2024-01-15T00:00:00Z")])),
        422,
        "energy_prices[0].timestamp",
    )
    assert (
        exact(await contract.put_prices(price_json([("5", "2024-01-15T00:30:00Z")])))["inserted"]
        == 1
    )


async def test_monthly_and_yearly_prices_may_start_at_any_instant(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    monthly = await new_contract(tenant, user, energy_contract_type="Monthly")
    yearly = await new_contract(
        tenant, user, energy_contract_type="yearly", building=building["id"]
    )
    body = price_json([("0.2", "2024-01-15T13:37:42.123456+01:00")])
    for contract in (monthly, yearly):
        assert exact(await contract.put_prices(body))["inserted"] == 1
        assert await contract.prices() == [("2024-01-15T12:37:42.123456Z", Decimal("0.2"))]


# --- upserts ---------------------------------------------------------------------------------


async def test_contract_writes_upsert_prices_by_timestamp(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    created = await make_contract(tenant, user["id"], energy_prices=hourly(3))
    contract = Contract(tenant, user["id"], created["id"])
    update = [
        {"price": 0.99, "timestamp": "2024-01-15T02:00:00+01:00"},  # = 01:00Z, overwrites
        {"price": 0.5, "timestamp": "2024-01-15T03:00:00Z"},  # new
    ]
    response = await tenant.put(contract.path, json={"energy_price": update})
    assert [(p["timestamp"], p["price"]) for p in exact(response)["energy_prices"]] == [
        ("2024-01-15T00:00:00Z", Decimal("0.1")),
        ("2024-01-15T01:00:00Z", Decimal("0.99")),
        ("2024-01-15T02:00:00Z", Decimal("0.12")),
        ("2024-01-15T03:00:00Z", Decimal("0.5")),
    ]
    empty = await tenant.put(contract.path, json={"energy_prices": []})
    assert len(exact(empty)["energy_prices"]) == 4


async def test_put_prices_counts_exactly(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user)
    counts = exact(await contract.put_prices(hourly(3)))
    assert counts == {"received": 3, "inserted": 3, "updated": 0, "unchanged": 0}
    counts = exact(await contract.put_prices(hourly(3)))
    assert counts == {"received": 3, "inserted": 0, "updated": 0, "unchanged": 3}
    overwrite = hourly(3)
    overwrite[1]["price"] = 7
    counts = exact(await contract.put_prices(overwrite))
    assert counts == {"received": 3, "inserted": 0, "updated": 1, "unchanged": 2}
    mixed = price_json(
        [
            ("0.100", "2024-01-15T00:00:00Z"),  # same value as 0.1: unchanged
            ("8", "2024-01-15T01:00:00Z"),  # updated
            ("0.5", "2024-01-15T05:00:00Z"),  # inserted
            ("0.6", "2024-01-14T23:00:00Z"),  # inserted, before the others
        ]
    )
    counts = exact(await contract.put_prices(mixed))
    assert counts == {"received": 4, "inserted": 2, "updated": 1, "unchanged": 1}
    assert await contract.prices() == [
        ("2024-01-14T23:00:00Z", Decimal("0.6")),
        ("2024-01-15T00:00:00Z", Decimal("0.1")),
        ("2024-01-15T01:00:00Z", Decimal("8")),
        ("2024-01-15T02:00:00Z", Decimal("0.12")),
        ("2024-01-15T05:00:00Z", Decimal("0.5")),
    ]
    # Appending after the last stored price (the bulk fast path on PostgreSQL) counts the same.
    counts = exact(await contract.put_prices(hourly(2, start=T0 + timedelta(days=1))))
    assert counts == {"received": 2, "inserted": 2, "updated": 0, "unchanged": 0}
    counts = exact(await contract.put_prices([]))
    assert counts == {"received": 0, "inserted": 0, "updated": 0, "unchanged": 0}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "energy_prices"),
        ({"energy_prices": None}, "energy_prices"),
        ({"energy_prices": [], "energy_price": []}, "energy_price"),
        ({"energy_prices": [], "extra": 1}, "extra"),
        ({"energy_prices": [{"price": 1}]}, "energy_prices[0].timestamp"),
        ({"energy_prices": [{"price": 1, "timestamp": "2024-01-15T00:00:00Z", "x": 1}]},
         "energy_prices[0].x"),
    ],
)  # fmt: skip
async def test_put_prices_body_rules(
    tenant: Tenant, user: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    contract = await new_contract(tenant, user)
    assert_problem(await tenant.put(contract.prices_path, json=body), 422, field)


async def test_put_prices_accepts_energy_price(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user)
    response = await tenant.put(contract.prices_path, json={"energy_price": hourly(2)})
    assert exact(response)["inserted"] == 2


# --- the /prices resource: ranges, paging, deleting ---------------------------------------------


async def test_get_prices_range_is_half_open_and_pages_with_link(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user)
    exact(await contract.put_prices(hourly(10)))
    params = {"from": "2024-01-15T03:00:00+01:00", "to": "2024-01-15T09:00:00Z", "limit": 3}
    response = await tenant.get(contract.prices_path, params=params)
    first = exact(response)
    assert [p["timestamp"] for p in first] == [
        "2024-01-15T02:00:00Z",
        "2024-01-15T03:00:00Z",
        "2024-01-15T04:00:00Z",
    ]
    assert response.headers["etag"] == '"2"'
    seen = list(first)
    link = response.headers.get("link")
    pages = 1
    while link:
        assert link.endswith('; rel="next"')
        response = await tenant.http.get(link[1 : link.index(">")], headers=tenant.headers)
        seen += exact(response)
        link = response.headers.get("link")
        pages += 1
    assert pages == 3
    assert [p["timestamp"][11:13] for p in seen] == ["02", "03", "04", "05", "06", "07", "08"]
    everything = exact(await tenant.get(contract.prices_path))
    assert len(everything) == 10
    assert "link" not in (await tenant.get(contract.prices_path, params={"limit": 10})).headers
    empty = {"from": "2024-01-15T05:00:00Z", "to": "2024-01-15T05:00:00Z"}
    assert exact(await tenant.get(contract.prices_path, params=empty)) == []


async def test_an_unencoded_plus_in_the_offset_is_understood(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user)
    exact(await contract.put_prices(hourly(4)))
    url = f"{tenant.base}/{contract.prices_path}?from=2024-01-15T03:00:00+01:00"
    response = await tenant.http.get(url, headers=tenant.headers)
    assert [p["timestamp"] for p in exact(response)] == [
        "2024-01-15T02:00:00Z",
        "2024-01-15T03:00:00Z",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2024-01-15T00:00:00"}, "from"),
        ({"to": "2024-01-15"}, "to"),
        ({"from": "soon"}, "from"),
        ({"from": "2024-01-15T02:00:00Z", "to": "2024-01-15T01:00:00Z"}, "to"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_001}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": ""}, "cursor"),
        ({"cursor": "1705276800000000.5"}, "cursor"),
        ({"cursor": "+1705276800000000"}, "cursor"),
        ({"cursor": "1" * 19}, "cursor"),
        ({"cursor": "2024-01-15T00:00:00Z"}, "cursor"),
        ({"start": "2024-01-15T00:00:00Z"}, "start"),  # the parameter is called `from`
        ({"from": "0001-01-01T00:00:00+01:00"}, "from"),
    ],
)
async def test_get_prices_bad_parameters_are_422(
    tenant: Tenant, user: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    contract = await new_contract(tenant, user)
    assert_problem(await tenant.get(contract.prices_path, params=params), 422, field)


async def test_every_cursor_of_the_documented_pattern_is_the_page_after_it(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user)
    exact(await contract.put_prices(hourly(3)))
    hours = ["2024-01-15T00:00:00Z", "2024-01-15T01:00:00Z", "2024-01-15T02:00:00Z"]
    pages = {
        "-" + "9" * 18: hours,  # before the year 1
        "0": hours,
        str(micros(hours[0])): hours[1:],
        str(micros(hours[0]) + 1): hours[1:],
        str(micros(hours[2]) - 1): hours[2:],
        str(micros(hours[2])): [],
        "9" * 18: [],  # after the year 9999
    }
    for cursor, expected in pages.items():
        assert re.fullmatch(BY_INSTANT.pattern, cursor)
        page = exact(await tenant.get(contract.prices_path, params={"cursor": cursor}))
        assert [p["timestamp"] for p in page] == expected, cursor


async def test_paging_reaches_the_first_and_the_last_instant_there_is(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    contract = await new_contract(tenant, user, energy_contract_type="yearly")
    # The first and the last instant the API accepts (SPEC §1: [1900, 2200)).
    ends = ["1900-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "2199-12-31T23:59:59.999999Z"]
    exact(await contract.put_prices([{"price": 0.1, "timestamp": ts} for ts in ends]))
    seen: list[str] = []
    url: str | None = f"{tenant.base}/{contract.prices_path}?limit=1"
    while url is not None:
        response = await tenant.http.get(url, headers=tenant.headers)
        seen += [p["timestamp"] for p in exact(response)]
        url = next_url(response)
        if url is not None:
            (cursor,) = parse_qs(urlsplit(url).query)["cursor"]
            assert re.fullmatch(BY_INSTANT.pattern, cursor)
    assert seen == ends


async def test_delete_prices_in_a_range_and_then_all(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user)
    exact(await contract.put_prices(hourly(10)))
    params = {"from": "2024-01-15T02:00:00Z", "to": "2024-01-15T06:00:00+01:00"}
    assert exact(await tenant.delete(contract.prices_path, params=params)) == {"deleted": 3}
    remaining = [ts[11:13] for ts, _ in await contract.prices()]
    assert remaining == ["00", "01", "05", "06", "07", "08", "09"]
    after_eight = {"from": "2024-01-15T08:00:00Z"}
    assert exact(await tenant.delete(contract.prices_path, params=after_eight)) == {"deleted": 2}
    before_one = {"to": "2024-01-15T01:00:00Z"}
    assert exact(await tenant.delete(contract.prices_path, params=before_one)) == {"deleted": 1}
    assert exact(await tenant.delete(contract.prices_path)) == {"deleted": 4}
    assert await contract.prices() == []
    naive = {"from": "2024-01-15T02:00:00"}
    assert_problem(await tenant.delete(contract.prices_path, params=naive), 422, "from")


async def test_the_read_behind_effective_prices_is_the_range_and_the_entry_before(
    tenant: Tenant, user: dict[str, Any], database: Database
) -> None:
    contract = await new_contract(tenant, user, energy_contract_type="monthly")
    months = ["2024-01-01T00:00:00+01:00", "2024-02-01T00:00:00+01:00", "2024-03-01T00:00:00+01:00"]
    exact(await contract.put_prices(price_json([(f"0.{i + 1}", m) for i, m in enumerate(months)])))
    contract_id = uuid.UUID(contract.path.rsplit("/", 1)[1])
    terms = ContractTerms(contract_id, None, "monthly", None, None, None, None, None, None, None)
    start = datetime(2024, 2, 10, tzinfo=UTC)

    async def read(org_id: uuid.UUID, since: datetime, until: datetime) -> list[Any]:
        async with database.engine.connect() as connection:
            rows = await prices_of(connection, org_id, [terms], since, until)
        return sorted(rows[contract_id])

    assert await read(tenant.org_id, start, start + timedelta(days=30)) == [
        (datetime(2024, 1, 31, 23, tzinfo=UTC), Decimal("0.2")),
        (datetime(2024, 2, 29, 23, tzinfo=UTC), Decimal("0.3")),
    ]
    exactly_on = datetime(2024, 1, 31, 23, tzinfo=UTC)
    assert await read(tenant.org_id, exactly_on, start) == [
        (datetime(2023, 12, 31, 23, tzinfo=UTC), Decimal("0.1")),
        (exactly_on, Decimal("0.2")),
    ]
    early = datetime(2020, 1, 1, tzinfo=UTC)
    assert await read(tenant.org_id, early, early + timedelta(days=1)) == []
    assert await read(uuid.uuid4(), early, start) == []


# --- atomicity and volume ----------------------------------------------------------------------


def instants_and_prices(contract: dict[str, Any]) -> list[tuple[datetime, Decimal]]:
    return [(datetime.fromisoformat(p["timestamp"]), p["price"]) for p in contract["energy_prices"]]


def quarter_hours(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=15 * i) for i in range(count)]


def quarter_hour_prices(instants: list[datetime]) -> list[tuple[str, str]]:
    # Exact, distinct, partly negative values with up to 6 decimal places.
    return [
        (str(Decimal(i % 4001 - 500) / Decimal(10_000) + Decimal(i) / Decimal(10**6)),
         instant.astimezone(VIENNA).isoformat())
        for i, instant in enumerate(instants)
    ]  # fmt: skip


async def test_one_bad_price_among_35000_stores_nothing(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"])
    contract = await new_contract(
        tenant, user, building_id=building["id"], price_interval_minutes=15, supplier="Before"
    )
    good = quarter_hour_prices(quarter_hours(datetime(2024, 3, 1, tzinfo=UTC), 35_000))
    exact(await contract.put_prices(price_json(good[:10])))
    before = await contract.get()
    bad_price = [*good, ("true", "2025-01-01T00:00:00Z")]
    off_grid = [*good, ("0.1", "2025-01-01T00:05:00Z")]
    for entries, field in ((bad_price, "price"), (off_grid, "timestamp")):
        body = price_json(entries)
        assert_problem(await contract.put_prices(body), 422, f"energy_prices[35000].{field}")
        as_update = body.replace(b"{", b'{"supplier": "After", ', 1)
        response = await tenant.put(contract.path, content=as_update)
        assert_problem(response, 422, f"energy_prices[35000].{field}")
        as_create = body.replace(
            b"{",
            b'{"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR", '
            b'"price_interval_minutes": 15, ',
            1,
        )
        assert_problem(
            await tenant.post(f"users/{user['id']}/energy-contracts", content=as_create),
            422,
            f"energy_prices[35000].{field}",
        )
    assert await contract.get() == before
    assert len(exact(await tenant.get(f"users/{user['id']}/energy-contracts"))) == 1


async def test_a_leap_year_of_quarter_hours_round_trips_exactly(
    tenant: Tenant, user: dict[str, Any]
) -> None:
    building = await make_building(tenant, user["id"], timezone="Europe/Vienna")
    start = datetime(2024, 1, 1, tzinfo=VIENNA).astimezone(UTC)
    end = datetime(2025, 1, 1, tzinfo=VIENNA).astimezone(UTC)
    count = int((end - start) / timedelta(minutes=15))
    assert count == 35_136
    entries = quarter_hour_prices(quarter_hours(start, count))
    body = price_json(entries).replace(
        b"{",
        b'{"energy_contract_type": "Spot Hourly", "price_interval_minutes": 15, '
        b'"currency_energy_price": "EUR", "building_id": "' + building["id"].encode() + b'", ',
        1,
    )
    created = exact(await tenant.post(f"users/{user['id']}/energy-contracts", content=body))
    expected = [
        (datetime.fromisoformat(ts).astimezone(UTC), Decimal(price)) for price, ts in entries
    ]
    assert instants_and_prices(created) == expected
    contract = Contract(tenant, user["id"], created["id"])
    fetched = await contract.get()
    assert instants_and_prices(fetched) == expected
    assert all(p["timestamp"].endswith("Z") for p in fetched["energy_prices"])
    paged = exact(await tenant.get(contract.prices_path, params={"limit": 100_000}))
    assert len(paged) == 35_136
    # The same year again through /prices: everything unchanged, nothing rewritten.
    again = exact(await contract.put_prices(price_json(entries)))
    assert again == {"received": 35_136, "inserted": 0, "updated": 0, "unchanged": 35_136}


async def test_more_than_100000_prices_is_refused(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user, energy_contract_type="monthly")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    stamps = [(start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(100_001)]
    # Compact on purpose: the body stays below the 8 MiB limit, so the count is what fails.
    items = ",".join(f'{{"price":1,"timestamp":"{stamp}"}}' for stamp in stamps)
    body = f'{{"energy_prices":[{items}]}}'.encode()
    assert len(body) < 8 * 1024 * 1024
    response = await contract.put_prices(body)
    assert response.status_code in (413, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422, "energy_prices")
    assert await contract.prices() == []


async def test_a_body_over_8_mib_is_413(tenant: Tenant, user: dict[str, Any]) -> None:
    contract = await new_contract(tenant, user)
    body = b'{"energy_prices": [], "pad": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    assert_problem(await contract.put_prices(body), 413)
