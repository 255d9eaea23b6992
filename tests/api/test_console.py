"""SPEC §13 through HTTP, on both databases: sign-in, the session cookie and its end, CSRF,
tenant isolation, read-only clients, and what the pages and the CSV say. (The chart as a
browser draws it is tests/browser/test_console.py.)"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, update

from energy_contracts.console.models import ConsoleSession
from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from tests.support.days import LONG_DAY, SHORT_DAY, prices, quarter_hours
from tests.support.factories import make_building, make_contract, make_series, make_user
from tests.support.http import exact
from tests.support.tenants import Tenant, TenantFactory

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
CHART = re.compile(r'data-chart="effective-prices" data-intervals="(\d+)"')


class Console:
    """One browser's cookies against the in-process app."""

    def __init__(self, app: Litestar, base_url: str = "http://testserver") -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    async def csrf_token(self, path: str = "/console/sign-in") -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        match = CSRF_INPUT.search(page.text)
        assert match is not None, page.text
        return match[1]

    async def sign_in(self, tenant: Tenant) -> httpx.Response:
        token = await self.csrf_token()
        return await self.http.post(
            "/console/sign-in",
            data={
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
                "_csrf_token": token,
            },
        )

    async def post_form(
        self, path: str, form: dict[str, str], *, token_from: str
    ) -> httpx.Response:
        token = await self.csrf_token(token_from)
        return await self.http.post(path, data={**form, "_csrf_token": token})

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)


@pytest.fixture
async def console(app: Litestar) -> AsyncIterator[Console]:
    browser = Console(app)
    yield browser
    await browser.http.aclose()


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


async def _sessions_of(database: Database, tenant: Tenant) -> list[ConsoleSession]:
    async with database.session() as session:
        found = await session.scalars(
            select(ConsoleSession).where(ConsoleSession.org_id == tenant.org_id)
        )
        return list(found)


def _cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    (header,) = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    parts = [part.strip() for part in header.split(";")]
    return {key.lower(): value for key, _, value in (part.partition("=") for part in parts[1:])}


# --- signing in and out --------------------------------------------------------------------


async def test_sign_in_sets_a_strict_http_only_session_cookie_of_eight_hours(
    console: Console, tenant: Tenant, database: Database
) -> None:
    response = await console.sign_in(tenant)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    assert _cookie_attributes(response, "energy_console") == {
        "httponly": "",
        "max-age": "28800",
        "path": "/console",
        "samesite": "strict",
    }
    (stored,) = await _sessions_of(database, tenant)
    assert stored.client_id == tenant.client_id
    assert stored.scope == "read write"
    assert stored.expires_at - stored.created_at == timedelta(hours=8)
    # Only a hash of the cookie's token is stored.
    assert stored.token_hash != console.http.cookies["energy_console"]
    overview = await console.get("/console/")
    assert overview.status_code == 200
    assert tenant.client_id in overview.text


async def test_the_session_cookie_is_secure_behind_https(app: Litestar, tenant: Tenant) -> None:
    browser = Console(app, base_url="https://testserver")
    try:
        response = await browser.sign_in(tenant)
    finally:
        await browser.http.aclose()

    assert response.status_code == 303
    assert "secure" in _cookie_attributes(response, "energy_console")


async def test_pages_need_a_session(console: Console) -> None:
    for path in (
        "/console/",
        "/console/users",
        f"/console/users/{uuid.uuid4()}",
        "/console/series",
        f"/console/series/{uuid.uuid4()}",
        f"/console/series/{uuid.uuid4()}/prices.csv",
    ):
        response = await console.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/console/sign-in"


async def test_a_wrong_secret_signs_nobody_in(
    console: Console, tenant: Tenant, database: Database
) -> None:
    token = await console.csrf_token()
    response = await console.http.post(
        "/console/sign-in",
        data={"client_id": tenant.client_id, "client_secret": "wrong", "_csrf_token": token},
    )

    assert response.status_code == 401
    assert "Unknown client id or wrong secret." in response.text
    assert "energy_console=" not in " ".join(response.headers.get_list("set-cookie"))
    assert await _sessions_of(database, tenant) == []


async def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(
    app: Litestar, console: Console, tenant: Tenant, database: Database
) -> None:
    await console.sign_in(tenant)
    copied = console.http.cookies["energy_console"]

    response = await console.post_form("/console/sign-out", {}, token_from="/console/")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"
    assert _cookie_attributes(response, "energy_console")["max-age"] == "0"
    assert await _sessions_of(database, tenant) == []
    thief = Console(app)
    try:
        thief.http.cookies.set("energy_console", copied)
        stolen = await thief.get("/console/")
    finally:
        await thief.http.aclose()
    assert stolen.status_code == 303
    assert stolen.headers["location"] == "/console/sign-in"


async def test_a_session_ends_after_eight_hours(
    console: Console, tenant: Tenant, database: Database
) -> None:
    await console.sign_in(tenant)
    async with database.session() as session:
        await session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.org_id == tenant.org_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    response = await console.get("/console/")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"


async def test_a_revoked_clients_session_stops_working(
    console: Console, tenant: Tenant, database: Database
) -> None:
    await console.sign_in(tenant)
    async with database.session() as session:
        await clients.revoke_client(session, tenant.client_id)

    response = await console.get("/console/")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"


# --- CSRF ----------------------------------------------------------------------------------


async def test_every_form_needs_its_csrf_token(
    app: Litestar, console: Console, tenant: Tenant, database: Database
) -> None:
    await console.csrf_token()  # the CSRF cookie, but no token in the form
    credentials = {"client_id": tenant.client_id, "client_secret": tenant.client_secret}
    refused = await console.http.post("/console/sign-in", data=credentials)
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert await _sessions_of(database, tenant) == []

    # A token from another browser does not match this browser's cookie.
    other = Console(app)
    try:
        foreign_token = await other.csrf_token()
    finally:
        await other.http.aclose()
    refused = await console.http.post(
        "/console/sign-in", data={**credentials, "_csrf_token": foreign_token}
    )
    assert refused.status_code == 403

    assert (await console.sign_in(tenant)).status_code == 303
    for path, form in (
        ("/console/users", {"email": "csrf@example.com"}),
        ("/console/sign-out", {}),
    ):
        response = await console.http.post(path, data=form)
        assert response.status_code == 403, path
    assert (await console.get("/console/")).status_code == 200  # still signed in
    users = await tenant.get("users")
    assert users.json() == []


# --- tenants and scopes --------------------------------------------------------------------


async def test_another_organisations_ids_are_the_404_page(
    console: Console, tenant: Tenant, make_tenant: TenantFactory
) -> None:
    other = await make_tenant()
    their_user = await make_user(other)
    their_building = await make_building(other, their_user["id"])
    await console.sign_in(tenant)
    mine = await make_user(tenant)

    theirs = [
        f"/console/users/{their_user['id']}",
        f"/console/users/{their_user['id']}/buildings/{their_building['id']}",
        f"/console/users/{their_user['id']}/buildings/{their_building['id']}/prices.csv",
        f"/console/users/{mine['id']}/buildings/{their_building['id']}",
    ]
    unknown = f"/console/users/{uuid.uuid4()}"
    missing = await console.get(unknown)
    assert missing.status_code == 404
    for path in theirs:
        response = await console.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert their_user["email"] not in response.text
        assert "404 · Not found" in response.text
    search = await console.get(f"/console/users?q={their_user['email']}")
    assert search.status_code == 200
    assert their_user["id"] not in search.text


async def test_a_read_client_sees_no_write_controls_and_cannot_write(
    console: Console, tenant: Tenant, make_tenant: TenantFactory
) -> None:
    reader = await make_tenant.another_client(tenant, scope="read")
    await console.sign_in(reader)

    page = await console.get("/console/users")
    assert page.status_code == 200
    assert 'id="new-user"' not in page.text
    assert 'method="post" action="/console/users"' not in page.text
    assert "read only" in page.text

    response = await console.post_form(
        "/console/users", {"email": "reader@example.com"}, token_from="/console/users"
    )
    assert response.status_code == 403
    assert "This client may only read." in response.text
    assert (await tenant.get("users")).json() == []


async def test_a_write_client_creates_a_user_and_finds_it(console: Console, tenant: Tenant) -> None:
    await console.sign_in(tenant)
    page = await console.get("/console/users")
    assert 'id="new-user"' in page.text
    assert 'method="post" action="/console/users"' in page.text

    created = await console.post_form(
        "/console/users",
        {"email": "Ada@Example.com", "external_user_id": "crm-1815"},
        token_from="/console/users",
    )

    assert created.status_code == 303
    (user,) = (await tenant.get("users")).json()
    assert (user["email"], user["external_user_id"]) == ("Ada@Example.com", "crm-1815")
    assert created.headers["location"] == f"/console/users/{user['id']}"
    for query in ("ada@example.com", "crm-1815"):
        found = await console.get(f"/console/users?q={query}")
        assert found.text.count(f'href="/console/users/{user["id"]}"') == 1, query
    nobody = await console.get("/console/users?q=nobody@example.com")
    assert "No user has the email or external id" in nobody.text

    duplicate = await console.post_form(
        "/console/users", {"email": "ada@example.com"}, token_from="/console/users"
    )
    assert duplicate.status_code == 409
    assert "already has this email" in duplicate.text


# --- the pages -----------------------------------------------------------------------------


async def _building_with_day_prices(tenant: Tenant, *days: Any) -> tuple[str, str]:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"], timezone="Europe/Vienna")
    instants = [instant for day in days for instant in quarter_hours(day)]
    await make_contract(
        tenant,
        user["id"],
        building_id=building["id"],
        price_interval_minutes=15,
        energy_prices=prices(instants),
    )
    return user["id"], building["id"]


async def test_the_day_view_lays_out_23_24_and_25_hour_days(
    console: Console, tenant: Tenant
) -> None:
    user_id, building_id = await _building_with_day_prices(tenant, SHORT_DAY, LONG_DAY)
    await console.sign_in(tenant)
    page = f"/console/users/{user_id}/buildings/{building_id}"
    effective = f"users/{user_id}/buildings/{building_id}/effective-prices"

    for day, intervals, hours in (
        (SHORT_DAY, "92", "23 hours"),
        (LONG_DAY, "100", "25 hours"),
        (LONG_DAY + timedelta(days=1), "1", "24 hours"),
    ):
        response = await console.get(f"{page}?day={day.isoformat()}")
        assert response.status_code == 200
        assert CHART.findall(response.text) == [intervals], day
        assert f'<span id="day-length">{hours}</span>' in response.text
        api = exact(await tenant.get(f"{effective}?day={day}"))
        assert str(len(api["intervals"])) == intervals


async def test_the_csv_is_the_days_effective_prices(console: Console, tenant: Tenant) -> None:
    user_id, building_id = await _building_with_day_prices(tenant, LONG_DAY)
    await console.sign_in(tenant)

    response = await console.get(
        f"/console/users/{user_id}/buildings/{building_id}/prices.csv?day={LONG_DAY}"
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="prices-{building_id}-{LONG_DAY}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    api = exact(
        await tenant.get(f"users/{user_id}/buildings/{building_id}/effective-prices?day={LONG_DAY}")
    )
    assert len(rows) == len(api["intervals"]) == 100
    for row, interval in zip(rows, api["intervals"], strict=True):
        assert datetime.fromisoformat(row["start"]) == datetime.fromisoformat(interval["start"])
        assert datetime.fromisoformat(row["end"]) == datetime.fromisoformat(interval["end"])
        assert Decimal(row["price"]) == interval["price"]
        assert row["level"] == interval["level"]
        assert row["contract_id"] == interval["contract_id"]
    assert rows[8]["start"] == "2025-10-26T02:00:00+02:00"
    assert rows[12]["start"] == "2025-10-26T02:00:00+01:00"


async def test_an_unknown_stretch_is_an_empty_price_in_the_csv(
    console: Console, tenant: Tenant
) -> None:
    user_id, building_id = await _building_with_day_prices(tenant)  # no prices at all
    await console.sign_in(tenant)

    response = await console.get(
        f"/console/users/{user_id}/buildings/{building_id}/prices.csv?day={SHORT_DAY}"
    )

    assert response.text == (
        "start,end,price,energy,grid,levy,other,vat,includes_external_components,"
        "price_basis,level,source,contract_id,series_id,tariff_id\n"
        "2025-03-30T00:00:00+01:00,2025-03-31T00:00:00+02:00,,,,,,,,,,,,,\n"
    )
    page = await console.get(f"/console/users/{user_id}/buildings/{building_id}?day={SHORT_DAY}")
    assert CHART.findall(page.text) == ["1"]
    assert "No 120-minute window of this day has known prices." in page.text
    assert 'data-price-basis="">—</strong> (no price is known)' in page.text


# The §14a tariff of SPEC §11 (Vienna): grid 0.0225 from 00:00 to 06:00 and 0.1124 from
# 17:00 to 20:00 on weekdays in January, 0.0749 otherwise; levy 0.015; VAT 20 %, none on a
# negative net price.
TARIFF = {
    "name": "Wiener Netze 2025, §14a module 3",
    "currency": "EUR",
    "timezone": "Europe/Vienna",
    "vat_percent": 20,
    "vat_on_negative": False,
    "standing_charge_per_day": 0.41,
    "components": [
        {
            "name": "grid energy",
            "kind": "grid",
            "default_price": 0.0749,
            "windows": [
                {"price": 0.0225, "months": [1], "from": "00:00", "to": "06:00"},
                {"price": 0.1124, "months": [1], "weekdays": [1, 2, 3, 4, 5],
                 "from": "17:00", "to": "20:00"},
            ],
        },
        {"name": "electricity levy", "kind": "levy", "price": 0.015},
    ],
}  # fmt: skip


async def test_an_index_linked_contract_with_a_tariff_in_the_table_and_the_csv(
    console: Console, tenant: Tenant
) -> None:
    tariff = exact(await tenant.post("tariffs", json=TARIFF))
    series = await make_series(tenant, name="EPEX AT", interval_minutes=60)
    # 2025-01-15, a Wednesday in CET: the series is 0.075 every hour but 12:00–13:00, -0.25.
    start = datetime.fromisoformat("2025-01-14T23:00:00+00:00")
    hourly = [
        {
            "price": -0.25 if k == 12 else 0.075,
            "timestamp": (start + timedelta(hours=k)).isoformat(),
        }
        for k in range(24)
    ]
    exact(await tenant.put(f"price-series/{series['id']}/prices", json={"energy_prices": hourly}))
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"], timezone="Europe/Vienna")
    contract = await make_contract(
        tenant,
        user["id"],
        building_id=building["id"],
        energy_price_includes_external_components=False,
        energy_price_index={"series_id": series["id"], "factor": 1.2, "markup": 0.01},
        tariff_id=tariff["id"],
    )
    await console.sign_in(tenant)
    path = f"/console/users/{user['id']}/buildings/{building['id']}"

    response = await console.get(f"{path}/prices.csv?day=2025-01-15")

    # energy = series × 1.2 + 0.01: 0.075 × 1.2 + 0.01 = 0.1; -0.25 × 1.2 + 0.01 = -0.29.
    # night   00–06: net 0.1 + 0.0225 + 0.015 = 0.1375, VAT 0.0275,  total 0.165
    # day     06–17: net 0.1 + 0.0749 + 0.015 = 0.1899, VAT 0.03798, total 0.22788
    # 12–13:         net -0.29 + 0.0749 + 0.015 = -0.2001, no VAT on a negative net: -0.2001
    # evening 17–20: net 0.1 + 0.1124 + 0.015 = 0.2274, VAT 0.04548, total 0.27288
    c, s, t = contract["id"], series["id"], tariff["id"]
    # Levels are the API's (its rule, on the totals).
    api = exact(
        await tenant.get(
            f"users/{user['id']}/buildings/{building['id']}/effective-prices?day=2025-01-15"
        )
    )
    lv = [interval["level"] for interval in api["intervals"]]
    assert response.text.splitlines() == [
        "start,end,price,energy,grid,levy,other,vat,includes_external_components,"
        "price_basis,level,source,contract_id,series_id,tariff_id",
        f"2025-01-15T00:00:00+01:00,2025-01-15T06:00:00+01:00,0.165,0.1,0.0225,0.015,0,0.0275,"
        f"true,all_in,{lv[0]},building,{c},{s},{t}",
        f"2025-01-15T06:00:00+01:00,2025-01-15T12:00:00+01:00,0.22788,0.1,0.0749,0.015,0,"
        f"0.03798,true,all_in,{lv[1]},building,{c},{s},{t}",
        f"2025-01-15T12:00:00+01:00,2025-01-15T13:00:00+01:00,-0.2001,-0.29,0.0749,0.015,0,0,"
        f"true,all_in,{lv[2]},building,{c},{s},{t}",
        f"2025-01-15T13:00:00+01:00,2025-01-15T17:00:00+01:00,0.22788,0.1,0.0749,0.015,0,"
        f"0.03798,true,all_in,{lv[3]},building,{c},{s},{t}",
        f"2025-01-15T17:00:00+01:00,2025-01-15T20:00:00+01:00,0.27288,0.1,0.1124,0.015,0,"
        f"0.04548,true,all_in,{lv[4]},building,{c},{s},{t}",
        f"2025-01-15T20:00:00+01:00,2025-01-16T00:00:00+01:00,0.22788,0.1,0.0749,0.015,0,"
        f"0.03798,true,all_in,{lv[5]},building,{c},{s},{t}",
    ]

    assert [Decimal(line.split(",")[2]) for line in response.text.splitlines()[1:]] == [
        interval["price"] for interval in api["intervals"]
    ]

    page = await console.get(f"{path}?day=2025-01-15")
    assert page.status_code == 200
    assert CHART.findall(page.text) == ["6"]
    assert 'data-price-basis="all_in"' in page.text
    priced_by = re.search(r'<span id="priced-by">(.*?)</span>\n', page.text)
    assert priced_by is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", priced_by[1])) == (
        "the building's contract, series EPEX AT × 1.2 + 0.01, "
        "tariff Wiener Netze 2025, §14a module 3"
    )
    # The series the contract follows is one click away, on the same day.
    assert re.findall(r'<a class="series-link" href="([^"]+)">([^<]+)</a>', page.text) == [
        (f"/console/series/{s}?day=2025-01-15", "series EPEX AT")
    ]
    header = re.findall(r"<th[^>]*>([^<]+)</th>", page.text[page.text.index('id="prices"') :])
    assert header == [
        "From", "To", "Price", "Energy", "Grid", "Levy", "Other", "VAT", "Level", "Source",
        "Contract",
    ]  # fmt: skip
    first_row = re.search(r"<tbody>\s*<tr[^>]*>(.*?)</tr>", page.text, re.S)
    assert first_row is not None
    cells = [
        re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", first_row[1])
    ]
    assert cells == [
        "00:00 +01:00", "06:00 +01:00", "0.165", "0.1", "0.0225", "0.015", "0", "0.0275",
        lv[0], "building · series EPEX AT × 1.2 + 0.01 · tariff Wiener Netze 2025, §14a module 3",
        c,
    ]  # fmt: skip


async def test_a_day_mixing_a_tariff_and_a_contract_without_one(
    console: Console, tenant: Tenant
) -> None:
    tariff = exact(await tenant.post("tariffs", json=TARIFF))
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"], timezone="Europe/Vienna")
    start = datetime.fromisoformat("2025-01-14T23:00:00+00:00")  # 2025-01-15 00:00 in Vienna
    # The building's contract: 0.1 from 00:00 to 02:00, energy-only, with the tariff.
    building_contract = await make_contract(
        tenant,
        user["id"],
        building_id=building["id"],
        price_interval_minutes=60,
        energy_price_includes_external_components=False,
        tariff_id=tariff["id"],
        energy_prices=[
            {"price": 0.1, "timestamp": (start + timedelta(hours=k)).isoformat()} for k in range(2)
        ],
    )
    # The user's: 0.3 all day, and it does not say what its prices include.
    user_contract = await make_contract(
        tenant,
        user["id"],
        price_interval_minutes=60,
        energy_prices=[
            {"price": 0.3, "timestamp": (start + timedelta(hours=k)).isoformat()} for k in range(24)
        ],
    )
    await console.sign_in(tenant)
    path = f"/console/users/{user['id']}/buildings/{building['id']}"

    lines = (await console.get(f"{path}/prices.csv?day=2025-01-15")).text.splitlines()
    page = await console.get(f"{path}?day=2025-01-15")

    b, u, t = building_contract["id"], user_contract["id"], tariff["id"]
    levels = [
        interval["level"]
        for interval in exact(
            await tenant.get(
                f"users/{user['id']}/buildings/{building['id']}/effective-prices?day=2025-01-15"
            )
        )["intervals"]
    ]
    # 00:00–02:00: net 0.1 + 0.0225 + 0.015 = 0.1375, VAT 0.0275, total 0.165; then the
    # user's 0.3 as it is, without a breakdown.
    assert lines[1:] == [
        f"2025-01-15T00:00:00+01:00,2025-01-15T02:00:00+01:00,0.165,0.1,0.0225,0.015,0,0.0275,"
        f"true,mixed,{levels[0]},building,{b},,{t}",
        f"2025-01-15T02:00:00+01:00,2025-01-16T00:00:00+01:00,0.3,,,,,,,mixed,{levels[1]},"
        f"user,{u},,",
    ]
    assert 'data-price-basis="mixed"' in page.text
    assert "compare unlike prices" in page.text
    assert page.text.count('<th class="part">') == 5
    assert page.text.count('<td class="price part"></td>') == 5  # the user's stretch


async def test_a_day_without_a_tariff_shows_no_breakdown_and_its_basis(
    console: Console, tenant: Tenant
) -> None:
    user_id, building_id = await _building_with_day_prices(tenant, SHORT_DAY)
    await console.sign_in(tenant)

    page = await console.get(f"/console/users/{user_id}/buildings/{building_id}?day={SHORT_DAY}")
    csv_text = await console.get(
        f"/console/users/{user_id}/buildings/{building_id}/prices.csv?day={SHORT_DAY}"
    )

    assert '<th class="part">' not in page.text
    # The contract does not say whether its prices include external components.
    assert 'data-price-basis="">—</strong> (the contracts do not say whether' in page.text
    rows = list(csv.DictReader(io.StringIO(csv_text.text)))
    assert len(rows) == 92
    assert {
        (row["energy"], row["vat"], row["includes_external_components"], row["price_basis"])
        for row in rows
    } == {("", "", "", "")}


async def test_the_cheapest_window_is_the_services(console: Console, tenant: Tenant) -> None:
    user_id, building_id = await _building_with_day_prices(tenant, LONG_DAY)
    await console.sign_in(tenant)
    start, end = (
        datetime.fromisoformat("2025-10-25T22:00:00+00:00"),
        datetime.fromisoformat("2025-10-26T23:00:00+00:00"),
    )
    api = exact(
        await tenant.get(
            f"users/{user_id}/buildings/{building_id}/cheapest-window",
            params={"minutes": 180, "from": start.isoformat(), "to": end.isoformat()},
        )
    )

    page = await console.get(
        f"/console/users/{user_id}/buildings/{building_id}?day={LONG_DAY}&window=180"
    )

    assert page.status_code == 200
    average = re.search(r'<strong id="window-average">([^<]+)</strong>', page.text)
    assert average is not None
    assert Decimal(average[1]) == api["average_price"]
    assert "11:00 +01:00 – 14:00 +01:00" in page.text
    assert api["start"] == "2025-10-26T10:00:00Z"


async def test_the_overview_counts_and_lists_prices_running_out(
    console: Console, tenant: Tenant
) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    soon, later, past = await make_user(tenant), await make_user(tenant), await make_user(tenant)
    building = await make_building(tenant, soon["id"])
    hourly = {"price_interval_minutes": 60}

    def hours(first: int, count: int) -> list[dict[str, Any]]:
        return [
            {"price": 0.2, "timestamp": (now + timedelta(hours=first + k)).isoformat()}
            for k in range(count)
        ]

    running_out = await make_contract(
        tenant, soon["id"], building_id=building["id"], energy_prices=hours(0, 10), **hourly
    )
    await make_contract(tenant, later["id"], energy_prices=hours(0, 72), **hourly)
    await make_contract(tenant, past["id"], energy_prices=hours(-5, 2), **hourly)
    await make_contract(tenant, soon["id"])  # no prices at all
    # Index-linked: its prices are its series', which hold until 4 hours from now.
    series = await make_series(tenant, interval_minutes=60)
    exact(
        await tenant.put(f"price-series/{series['id']}/prices", json={"energy_prices": hours(0, 4)})
    )
    linked = await make_contract(
        tenant,
        past["id"],
        building_id=(await make_building(tenant, past["id"]))["id"],
        energy_price_index={"series_id": series["id"]},
    )

    await console.sign_in(tenant)
    page = await console.get("/console/")

    assert page.status_code == 200
    counts = dict(re.findall(r'<dd id="count-([a-z-]+)">(\d+)</dd>', page.text))
    assert counts == {"users": "3", "buildings": "2", "contracts": "5", "ran-out": "1"}
    listed = re.findall(r"<tr>\s*<td><code>([0-9a-f-]{36})</code></td>", page.text)
    assert listed == [linked["id"], running_out["id"]]
    for hours_left in (4, 10):
        known_until = (now + timedelta(hours=hours_left)).strftime("%Y-%m-%d %H:%M")
        assert f"<td>{known_until}</td>" in page.text


async def test_the_overview_lists_price_series_running_out_or_without_prices(
    console: Console, tenant: Tenant, make_tenant: TenantFactory
) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    async def series_with_hours(name: str, first: int, count: int) -> dict[str, Any]:
        series = await make_series(tenant, name=name, interval_minutes=60, area="10YAT-APG")
        hours = [
            {"price": 0.1, "timestamp": (now + timedelta(hours=first + k)).isoformat()}
            for k in range(count)
        ]
        if hours:
            exact(
                await tenant.put(
                    f"price-series/{series['id']}/prices", json={"energy_prices": hours}
                )
            )
        return series

    soon = await series_with_hours("soon", 0, 10)  # known until now + 10 h
    await series_with_hours("later", 0, 49)  # now + 49 h: not within 48
    edge = await series_with_hours("edge", 0, 47)  # now + 47 h
    past = await series_with_hours("past", -5, 2)  # ran out 3 hours ago
    empty = await series_with_hours("empty", 0, 0)
    other = await make_tenant()
    await make_series(other, name="theirs")  # another organisation's, without prices

    await console.sign_in(tenant)
    page = await console.get("/console/")

    assert page.status_code == 200
    table = page.text[page.text.index('id="series-running-out"') :]
    rows = re.findall(
        r'<td><a href="/console/series/([0-9a-f-]{36})">([a-z]+)</a></td>\s*<td>10YAT-APG</td>'
        r"\s*<td>60 min</td>\s*<td><code>([0-9a-f-]{36})</code></td>\s*<td>([^<]*)</td>",
        table,
    )
    # Each row links to its series' page.
    assert all(linked == shown for linked, _, shown, _ in rows)
    rows = [(name, series_id, until) for _, name, series_id, until in rows]

    def until(hours: int) -> str:
        return (now + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")

    # Without prices first, then soonest first (what ran out is soonest of all).
    assert rows == [
        ("empty", empty["id"], "no prices"),
        ("past", past["id"], f"{until(-3)} (ran out)"),
        ("soon", soon["id"], until(10)),
        ("edge", edge["id"], until(47)),
    ]
    assert "theirs" not in page.text
    # The API's filter stays strict: without prices is not "before" anything.
    before = (now + timedelta(hours=48)).isoformat().replace("+00:00", "Z")
    api = exact(await tenant.get("price-series", params={"prices_known_until_before": before}))
    assert sorted(series["name"] for series in api) == ["edge", "past", "soon"]


async def test_the_overview_says_when_no_series_runs_out(console: Console, tenant: Tenant) -> None:
    await console.sign_in(tenant)
    page = await console.get("/console/")

    assert 'id="series-running-out-none"' in page.text
    assert 'id="series-running-out"' not in page.text


async def test_the_user_page_shows_buildings_and_contracts(
    console: Console, tenant: Tenant
) -> None:
    user = await make_user(tenant, external_user_id="crm-7")
    building = await make_building(tenant, user["id"], name="Garage")
    contract = await make_contract(tenant, user["id"], building_id=building["id"])
    await console.sign_in(tenant)

    page = await console.get(f"/console/users/{user['id']}")

    assert page.status_code == 200
    assert f'href="/console/users/{user["id"]}/buildings/{building["id"]}">Garage</a>' in page.text
    assert page.text.count(contract["id"]) == 1
    assert "crm-7" in page.text


async def test_a_malformed_day_or_window_is_an_error_page(console: Console, tenant: Tenant) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    await console.sign_in(tenant)
    page = f"/console/users/{user['id']}/buildings/{building['id']}"

    wrong_day = await console.get(f"{page}?day=26.10.2025")
    assert wrong_day.status_code == 422
    assert wrong_day.headers["content-type"] == "text/html; charset=utf-8"
    assert "day: must be a date, YYYY-MM-DD" in wrong_day.text
    too_short = await console.get(f"{page}?day=2025-10-26&window=5")
    assert too_short.status_code == 400
    assert too_short.headers["content-type"] == "text/html; charset=utf-8"


async def test_every_bad_day_window_or_building_of_the_day_view_is_an_error_page(
    console: Console, tenant: Tenant
) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    await console.sign_in(tenant)
    page = f"/console/users/{user['id']}/buildings/{building['id']}"

    for path, status, text in (
        (f"{page}?day=2025-02-30", 422, "day: must be a date, YYYY-MM-DD"),
        (f"{page}?day=2200-01-01", 422, "day: must lie in the years 1900 to 2199"),
        (f"{page}/prices.csv?day=26.10.2025", 422, "day: must be a date, YYYY-MM-DD"),
        (f"{page}?day=2025-10-26&window=721", 400, None),
        (f"{page}?day=2025-10-26&window=two", 400, None),
        (f"/console/users/{user['id']}/buildings/{uuid.uuid4()}", 404, "404 · Not found"),
        (f"/console/users/{user['id']}/buildings/{uuid.uuid4()}/prices.csv", 404, None),
    ):
        response = await console.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "text/html; charset=utf-8", path
        if text is not None:
            assert text in response.text, path
    longest = await console.get(f"{page}?day=2025-10-26&window=720")
    assert longest.status_code == 200


async def test_a_malformed_cursor_is_an_error_page(console: Console, tenant: Tenant) -> None:
    await console.sign_in(tenant)
    for path in ("/console/users?cursor=not-a-cursor", "/console/series?cursor=not-a-cursor"):
        response = await console.get(path)
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "text/html; charset=utf-8", path
        assert "cursor" in response.text, path


# --- price series --------------------------------------------------------------------------


SERIES_CHART = re.compile(r'data-chart="series-prices" data-intervals="(\d+)"')


async def _quarter_hour_series(tenant: Tenant, *days: Any, **fields: Any) -> dict[str, Any]:
    """A 15-minute Vienna series with every quarter hour of ``days``."""
    series = await make_series(
        tenant, interval_minutes=15, timezone="Europe/Vienna", area="10YAT-APG", **fields
    )
    instants = [instant for day in days for instant in quarter_hours(day)]
    if instants:
        exact(
            await tenant.put(
                f"price-series/{series['id']}/prices", json={"energy_prices": prices(instants)}
            )
        )
    return series


def _fact(page: str, name: str) -> str:
    found = re.search(rf'<dd id="{name}"[^>]*>(.*?)</dd>', page, re.S)
    assert found is not None, name
    return html.unescape(re.sub(r"<[^>]+>", "", found[1])).strip()


async def test_the_series_page_lays_out_23_24_and_25_hour_days(
    console: Console, tenant: Tenant
) -> None:
    series = await _quarter_hour_series(tenant, SHORT_DAY, LONG_DAY, name="EPEX AT")
    await console.sign_in(tenant)
    page = f"/console/series/{series['id']}"

    for day, intervals, hours, unknown in (
        (SHORT_DAY, "92", "23 hours", 0),
        (LONG_DAY, "100", "25 hours", 0),
        (LONG_DAY + timedelta(days=1), "96", "24 hours", 96),  # no prices: 96 unknown slots
    ):
        response = await console.get(f"{page}?day={day.isoformat()}")
        assert response.status_code == 200
        assert SERIES_CHART.findall(response.text) == [intervals], day
        assert CHART.findall(response.text) == []  # the day view's chart is the day view's
        assert f'<span id="day-length">{hours}</span>' in response.text
        assert response.text.count('<tr class="unknown">') == unknown
        assert f'href="{page}?day={day - timedelta(days=1)}"' in response.text
        assert f'href="{page}?day={day + timedelta(days=1)}"' in response.text
    # The table holds the stored prices, exactly, in time order.
    long_day = await console.get(f"{page}?day={LONG_DAY}")
    shown = re.findall(r'<td class="price">([^<]+)</td>', long_day.text)
    stored = exact(
        await tenant.get(
            f"price-series/{series['id']}/prices",
            params={"from": "2025-10-25T22:00:00Z", "to": "2025-10-26T23:00:00Z"},
        )
    )
    assert [Decimal(price) for price in shown] == [entry["price"] for entry in stored]
    assert len(shown) == 100


async def test_the_series_page_names_the_series_and_its_facts(
    console: Console, tenant: Tenant
) -> None:
    series = await _quarter_hour_series(
        tenant, LONG_DAY, name="EPEX AT", description="Day-ahead, bidding zone AT"
    )
    for _ in range(2):  # two users' contracts follow it
        user = await make_user(tenant)
        await make_contract(tenant, user["id"], energy_price_index={"series_id": series["id"]})
    await console.sign_in(tenant)

    response = await console.get(f"/console/series/{series['id']}?day={LONG_DAY}")

    assert response.status_code == 200
    text = response.text
    assert "<h1>EPEX AT: Sunday 26 October 2025</h1>" in text
    assert "Day-ahead, bidding zone AT" in text
    assert _fact(text, "series-currency") == series["currency"] == "EUR"
    assert _fact(text, "series-timezone") == "Europe/Vienna"
    assert _fact(text, "series-interval") == "15 min"
    # The last quarter hour of the day starts at 23:45 +01:00 and holds until midnight.
    assert series["prices_known_until"] is None
    api = exact(await tenant.get(f"price-series/{series['id']}"))
    assert api["prices_known_until"] == "2025-10-26T23:00:00Z"
    assert _fact(text, "prices-known-until") == "2025-10-26 23:00 UTC (ran out)"
    assert 'data-prices-known-until="2025-10-26T23:00:00+00:00"' in text
    assert _fact(text, "contract-count") == "2"
    assert f"<code>{series['id']}</code>" in text


async def test_a_series_without_prices_says_so(console: Console, tenant: Tenant) -> None:
    series = await _quarter_hour_series(tenant)
    await console.sign_in(tenant)

    response = await console.get(f"/console/series/{series['id']}?day={SHORT_DAY}")

    assert _fact(response.text, "prices-known-until") == "no prices"
    assert _fact(response.text, "contract-count") == "0"
    assert SERIES_CHART.findall(response.text) == ["92"]
    assert response.text.count('<td class="price">unknown</td>') == 92


async def test_the_series_page_shows_today_in_the_series_time_zone_by_default(
    console: Console, tenant: Tenant
) -> None:
    series = await make_series(tenant, interval_minutes=60, timezone="Pacific/Kiritimati")
    await console.sign_in(tenant)
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14: most of the time a day ahead of UTC

    before = datetime.now(zone).date()
    response = await console.get(f"/console/series/{series['id']}/prices.csv")
    after = datetime.now(zone).date()

    disposition = response.headers["content-disposition"]
    assert disposition in {
        f'attachment; filename="series-{series["id"]}-{day}.csv"' for day in (before, after)
    }
    assert len(response.text.splitlines()) == 1 + 24


async def test_the_series_csv_is_the_days_slots_exactly(console: Console, tenant: Tenant) -> None:
    # An hourly series with the first four hours of the 25-hour day: 00:00, 01:00, 02:00
    # CEST and 02:00 CET again; nothing after.
    series = await make_series(tenant, interval_minutes=60, timezone="Europe/Vienna")
    first = datetime(2025, 10, 25, 22, tzinfo=UTC)  # 2025-10-26 00:00 +02:00
    hourly = [
        {"price": price, "timestamp": (first + timedelta(hours=k)).isoformat()}
        for k, price in enumerate([0.1, 0.2, -0.05, 0.3])
    ]
    exact(await tenant.put(f"price-series/{series['id']}/prices", json={"energy_prices": hourly}))
    await console.sign_in(tenant)

    response = await console.get(f"/console/series/{series['id']}/prices.csv?day={LONG_DAY}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="series-{series["id"]}-{LONG_DAY}.csv"'
    )
    # Levels by the effective prices' rule: median 0.15, scale = spread 0.35.
    unknown = [
        f"2025-10-26T{hour:02d}:00:00+01:00,2025-10-{26 + (hour + 1) // 24}"
        f"T{(hour + 1) % 24:02d}:00:00+01:00,,"
        for hour in range(3, 24)
    ]
    assert response.text.splitlines() == [
        "start,end,price,level",
        "2025-10-26T00:00:00+02:00,2025-10-26T01:00:00+02:00,0.1,CHEAP",
        "2025-10-26T01:00:00+02:00,2025-10-26T02:00:00+02:00,0.2,EXPENSIVE",
        "2025-10-26T02:00:00+02:00,2025-10-26T02:00:00+01:00,-0.05,VERY_CHEAP",
        "2025-10-26T02:00:00+01:00,2025-10-26T03:00:00+01:00,0.3,VERY_EXPENSIVE",
        *unknown,
    ]
    assert unknown[0] == "2025-10-26T03:00:00+01:00,2025-10-26T04:00:00+01:00,,"
    assert unknown[-1] == "2025-10-26T23:00:00+01:00,2025-10-27T00:00:00+01:00,,"
    page = await console.get(f"/console/series/{series['id']}?day={LONG_DAY}")
    assert SERIES_CHART.findall(page.text) == ["25"]


async def test_another_organisations_series_is_the_404_page(
    console: Console, tenant: Tenant, make_tenant: TenantFactory
) -> None:
    other = await make_tenant()
    theirs = await make_series(other, name="their secret series")
    await console.sign_in(tenant)

    for path in (
        f"/console/series/{theirs['id']}",
        f"/console/series/{theirs['id']}?day={LONG_DAY}",
        f"/console/series/{theirs['id']}/prices.csv",
        f"/console/series/{uuid.uuid4()}",
        f"/console/series/{uuid.uuid4()}/prices.csv",
    ):
        response = await console.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "404 · Not found" in response.text
        assert "their secret series" not in response.text
    listed = await console.get("/console/series")
    assert theirs["id"] not in listed.text
    assert 'id="series-none"' in listed.text


async def test_a_malformed_series_day_is_an_error_page(console: Console, tenant: Tenant) -> None:
    series = await make_series(tenant)
    await console.sign_in(tenant)

    response = await console.get(f"/console/series/{series['id']}?day=26.10.2025")

    assert response.status_code == 422
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "day: must be a date, YYYY-MM-DD" in response.text


async def test_a_read_client_sees_the_series_pages(
    console: Console, tenant: Tenant, make_tenant: TenantFactory
) -> None:
    series = await _quarter_hour_series(tenant, SHORT_DAY)
    reader = await make_tenant.another_client(tenant, scope="read")
    await console.sign_in(reader)

    for path in (
        "/console/series",
        f"/console/series/{series['id']}?day={SHORT_DAY}",
    ):
        response = await console.get(path)
        assert response.status_code == 200, path
        assert "read only" in response.text
        # The sign-out form is the only form that posts.
        assert response.text.count('method="post"') == 1, path
    csv_text = await console.get(f"/console/series/{series['id']}/prices.csv?day={SHORT_DAY}")
    assert len(csv_text.text.splitlines()) == 1 + 92


async def test_the_series_list_is_paged_and_linked_from_the_navigation(
    console: Console, tenant: Tenant
) -> None:
    created = [await make_series(tenant, name=f"zone {k:02d}") for k in range(51)]
    running = await _quarter_hour_series(tenant, LONG_DAY, name="with prices")
    await console.sign_in(tenant)

    overview = await console.get("/console/")
    assert '<a href="/console/series">Price series</a>' in overview.text

    first = await console.get("/console/series")
    assert first.status_code == 200
    first_ids = re.findall(r'<a href="/console/series/([0-9a-f-]{36})">', first.text)
    assert len(first_ids) == 50
    next_page = re.search(r'<a id="next-page" href="([^"]+)">', first.text)
    assert next_page is not None
    second = await console.get(html.unescape(next_page[1]))
    second_ids = re.findall(r'<a href="/console/series/([0-9a-f-]{36})">', second.text)
    assert 'id="next-page"' not in second.text
    # Ordered by id, as the API lists them; every series once.
    everything = sorted(series["id"] for series in [*created, running])
    assert first_ids + second_ids == everything
    api = exact(await tenant.get("price-series"))
    assert [series["id"] for series in api] == everything
    row = re.search(
        rf'<a href="/console/series/{running["id"]}">with prices</a>.*?</tr>',
        first.text + second.text,
        re.S,
    )
    assert row is not None
    assert "2025-10-26 23:00 (ran out)" in row[0]
    assert (first.text + second.text).count("no prices") == 51
