"""Hostile input (SPEC §1, §8): every kind of bad request the API can get, against a real
server on each backend, one keep-alive connection throughout.

Each case asserts the status, the problem type and the field the problem names; that the
organisation's data is exactly as before (row counts and contract versions, read from the
database itself); and that the connection still serves the next request — unless the answer
said ``Connection: close``, which only a 408, 413, 431 or 5xx may do.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from energy_contracts.settings import load_settings
from tests.conftest import IN_CI
from tests.reliability.support import API, Credentials, prepare_database, token_for
from tests.support.databases import sqlite_url, throwaway_postgres_database
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
MAY_CLOSE = {408, 413, 431}
SENTENCE_STARTS = ("must ", "is ", "may ", "appears ", "has ", "was ")
TENANT_TABLES = ("users", "buildings", "energy_contracts", "energy_prices", "idempotency_keys")


@dataclass(frozen=True)
class Case:
    """One bad request. Paths may name ``{org}``, ``{user}``, ``{building}``, ``{contract}``
    and ``{other_org}``, ``{other_user}`` (another tenant's)."""

    name: str
    method: str
    path: str
    status: int
    problem: str
    field: str | None = None
    body: bytes | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    token: str = "write"  # "write", "read", "none" or a literal Authorization value


USER = "{org}/users/{user}"
BUILDING = USER + "/buildings/{building}"
CONTRACT = USER + "/energy-contracts/{contract}"
PRICES = CONTRACT + "/prices"
DAY = BUILDING + "/effective-prices?day="
WINDOW = BUILDING + "/cheapest-window?minutes="


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def prices(*items: str) -> bytes:
    return b'{"energy_prices": [' + b",".join(i.encode() for i in items) + b"]}"


def price_at(timestamp: str, price: str = "0.2") -> str:
    return f'{{"price": {price}, "timestamp": "{timestamp}"}}'


def consumption(start: str, end: str = "2024-01-15T01:00:00Z", kwh: str = "1") -> bytes:
    item = f'{{"start": "{start}", "end": "{end}", "kwh": {kwh}}}'
    return f'{{"consumption": [{item}]}}'.encode()


# Writes with a JSON body, and a body each of them accepts (to vary one thing at a time).
BODY_ENDPOINTS = [
    ("POST", "{org}/users", b'{"email": "x@example.com"}'),
    ("PUT", USER, b'{"town": "Graz"}'),
    ("POST", USER + "/buildings", b'{"name": "Home"}'),
    ("PUT", BUILDING, b'{"name": "Home"}'),
    ("POST", USER + "/energy-contracts", b'{"energy_contract_type": "yearly"}'),
    ("PUT", CONTRACT, b'{"supplier": "S"}'),
    ("PUT", PRICES, prices(price_at("2024-01-15T00:00:00Z"))),
    ("POST", BUILDING + "/cost", consumption("2024-01-15T00:00:00Z")),
]


def body_cases() -> Iterator[Case]:
    for method, path, _good in BODY_ENDPOINTS:
        label = f"{method} {path.rsplit('/', 1)[-1].strip('{}')}"
        yield Case(
            f"{label}: not UTF-8", method, path, 400, "malformed-json", body=b'{"a": "\xff"}'
        )
        yield Case(
            f"{label}: nested 100 deep", method, path, 400, "malformed-request", body=nested(100)
        )
        yield Case(
            f"{label}: nested 2000 deep", method, path, 400, "malformed-request", body=nested(2000)
        )
        yield Case(f"{label}: not JSON", method, path, 400, "malformed-json", body=b"{'a': 1}")
        yield Case(f"{label}: empty", method, path, 400, "malformed-json", body=b"")
        yield Case(f"{label}: truncated", method, path, 400, "malformed-json", body=b'{"name": "x"')
        yield Case(f"{label}: an array", method, path, 422, "validation-error", "body", body=b"[]")
        yield Case(
            f"{label}: unknown field",
            method,
            path,
            422,
            "validation-error",
            "no_such_field",
            body=b'{"no_such_field": 1}',
        )
        yield Case(f"{label}: NaN", method, path, 422, "validation-error", "x", body=b'{"x": NaN}')
        yield Case(
            f"{label}: NUL in a key",
            method,
            path,
            422,
            "validation-error",
            "a\x00",
            body=b'{"a\\u0000": 1}',
        )
        yield Case(
            f"{label}: over 8 MiB",
            method,
            path,
            413,
            "payload-too-large",
            body=b"[" + b" " * (8 * 1024 * 1024) + b"]",
        )


SPECIFIC: list[Case] = [
    # Repeated keys and NUL, field by field.
    Case(
        "user: email twice",
        "POST",
        "{org}/users",
        422,
        "validation-error",
        "email",
        body=b'{"email": "a@b.io", "email": "c@d.io"}',
    ),
    Case(
        "user: NUL in email",
        "POST",
        "{org}/users",
        422,
        "validation-error",
        "email",
        body=b'{"email": "a\\u0000@b.io"}',
    ),
    Case(
        "user: NUL in town",
        "PUT",
        USER,
        422,
        "validation-error",
        "town",
        body=b'{"town": "G\\u0000raz"}',
    ),
    Case(
        "user: latitude 1e400",
        "PUT",
        USER,
        422,
        "validation-error",
        "latitude",
        body=b'{"latitude": 1e400}',
    ),
    Case(
        "user: latitude -1e400",
        "PUT",
        USER,
        422,
        "validation-error",
        "latitude",
        body=b'{"latitude": -1e400}',
    ),
    Case(
        "user: latitude 91",
        "PUT",
        USER,
        422,
        "validation-error",
        "latitude",
        body=b'{"latitude": 91}',
    ),
    Case(
        "user: role Infinity",
        "PUT",
        USER,
        422,
        "validation-error",
        "role",
        body=b'{"role": Infinity}',
    ),
    Case(
        "user: email 300 chars",
        "PUT",
        USER,
        422,
        "validation-error",
        "email",
        body=b'{"email": "' + b"a" * 290 + b'@b.io"}',
    ),
    Case(
        "building: name twice",
        "PUT",
        BUILDING,
        422,
        "validation-error",
        "name",
        body=b'{"name": "a", "name": "b"}',
    ),
    Case(
        "building: occupants 2^31",
        "PUT",
        BUILDING,
        422,
        "validation-error",
        "num_occupants",
        body=b'{"num_occupants": 2147483648}',
    ),
    Case(
        "building: occupants 1e400",
        "PUT",
        BUILDING,
        422,
        "validation-error",
        "num_occupants",
        body=b'{"num_occupants": 1e400}',
    ),
    Case(
        "building: occupants 2.5",
        "PUT",
        BUILDING,
        422,
        "validation-error",
        "num_occupants",
        body=b'{"num_occupants": 2.5}',
    ),
    Case(
        "building: bad zone",
        "PUT",
        BUILDING,
        422,
        "validation-error",
        "timezone",
        body=b'{"timezone": "Mars/Olympus"}',
    ),
    Case(
        "contract: meter_id NUL",
        "PUT",
        CONTRACT,
        422,
        "validation-error",
        "meter_id",
        body=b'{"meter_id": "1\\u00002"}',
    ),
    Case(
        "contract: meter_id 20 chars",
        "PUT",
        CONTRACT,
        422,
        "validation-error",
        "meter_id",
        body=b'{"meter_id": "12345678901234567890"}',
    ),
    Case(
        "contract: supplier twice",
        "PUT",
        CONTRACT,
        422,
        "validation-error",
        "supplier",
        body=b'{"supplier": "a", "supplier": "b"}',
    ),
    Case(
        "contract: type missing",
        "POST",
        USER + "/energy-contracts",
        422,
        "validation-error",
        "energy_contract_type",
        body=b"{}",
    ),
    Case(
        "contract: interval 7",
        "PUT",
        CONTRACT,
        422,
        "validation-error",
        "price_interval_minutes",
        body=b'{"price_interval_minutes": 7}',
    ),
    # Prices: numbers, instants, repeated keys.
    Case(
        "price 1e400",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].price",
        body=prices(price_at("2024-01-15T00:00:00Z", "1e400")),
    ),
    Case(
        "price 1e999999",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].price",
        body=prices(price_at("2024-01-15T00:00:00Z", "1e999999")),
    ),
    Case(
        "price NaN",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].price",
        body=prices(price_at("2024-01-15T00:00:00Z", "NaN")),
    ),
    Case(
        "price 20 places",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].price",
        body=prices(price_at("2024-01-15T00:00:00Z", "0.12345678901234567891")),
    ),
    Case(
        "price in year 1",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("0001-01-01T00:00:00Z")),
    ),
    Case(
        "price in year 9999",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("9999-12-31T23:00:00Z")),
    ),
    Case(
        "price in 1899",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("1899-12-31T23:00:00Z")),
    ),
    Case(
        "price in 2200",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2200-01-01T00:00:00Z")),
    ),
    Case(
        "price 7 fraction digits",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2024-01-15T00:00:00.0000001Z")),
    ),
    Case(
        "price NUL in timestamp",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2024-01-15T00:00:00\\u0000Z")),
    ),
    Case(
        "price X separator",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2024-01-15X00:00:00Z")),
    ),
    Case(
        "price naive",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2024-01-15T00:00:00")),
    ),
    Case(
        "price key twice",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].price",
        body=b'{"energy_prices": [{"price": 1, "price": 2, "timestamp": "2024-01-15T00:00:00Z"}]}',
    ),
    Case(
        "price list twice",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices",
        body=prices()[:-1] + b', "energy_prices": []}',
    ),
    Case(
        "prices both names",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_price",
        body=b'{"energy_prices": [], "energy_price": []}',
    ),
    Case(
        "prices off the grid",
        "PUT",
        PRICES,
        422,
        "validation-error",
        "energy_prices[0].timestamp",
        body=prices(price_at("2024-01-15T00:30:00Z")),
    ),
    # Load profiles.
    Case(
        "cost kwh 1e999999",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].kwh",
        body=consumption("2024-01-15T00:00:00Z", kwh="1e999999"),
    ),
    Case(
        "cost kwh 1e400",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].kwh",
        body=consumption("2024-01-15T00:00:00Z", kwh="1e400"),
    ),
    Case(
        "cost kwh negative",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].kwh",
        body=consumption("2024-01-15T00:00:00Z", kwh="-1"),
    ),
    Case(
        "cost in year 1",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].start",
        body=consumption("0001-01-01T00:00:00Z"),
    ),
    Case(
        "cost 7 fraction digits",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].start",
        body=consumption("2024-01-15T00:00:00.1234567Z"),
    ),
    Case(
        "cost NUL in start",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].start",
        body=consumption("2024-01-15T00:00:00\\u0000Z"),
    ),
    Case(
        "cost end before start",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].end",
        body=consumption("2024-01-15T02:00:00Z"),
    ),
    Case(
        "cost key twice",
        "POST",
        BUILDING + "/cost",
        422,
        "validation-error",
        "consumption[0].kwh",
        body=b'{"consumption": [{"start": "2024-01-15T00:00:00Z", "end": "2024-01-15T01:00:00Z", '
        b'"kwh": 1, "kwh": 2}]}',
    ),
    # Query parameters.
    Case("day in year 1", "GET", DAY + "0001-01-01", 422, "validation-error", "day"),
    Case("day in year 9999", "GET", DAY + "9999-12-31", 422, "validation-error", "day"),
    Case("day 2024-02-30", "GET", DAY + "2024-02-30", 422, "validation-error", "day"),
    Case("day with NUL", "GET", DAY + "2024-01-15%00", 422, "validation-error", "day"),
    Case(
        "from in year 1",
        "GET",
        BUILDING + "/effective-prices?from=0001-01-01T00:00:00Z&to=2024-01-01T00:00:00Z",
        422,
        "validation-error",
        "from",
    ),
    Case(
        "to in year 9999",
        "GET",
        BUILDING + "/effective-prices?from=2024-01-01T00:00:00Z&to=9999-12-31T00:00:00Z",
        422,
        "validation-error",
        "to",
    ),
    Case(
        "range over 366 days",
        "GET",
        BUILDING + "/effective-prices?from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:00Z",
        422,
        "validation-error",
        "to",
    ),
    Case("interval 7", "GET", DAY + "2024-01-15&interval=7", 422, "validation-error", "interval"),
    Case("minutes 10^30", "GET", WINDOW + "1" + "0" * 30, 422, "validation-error", "minutes"),
    Case("minutes 0", "GET", WINDOW + "0", 422, "validation-error", "minutes"),
    Case("minutes an hour", "GET", WINDOW + "an+hour", 422, "validation-error", "minutes"),
    Case(
        "minutes missing", "GET", BUILDING + "/cheapest-window", 422, "validation-error", "minutes"
    ),
    Case(
        "window from year 9999",
        "GET",
        WINDOW + "60&from=9999-12-31T00:00:00Z",
        422,
        "validation-error",
        "from",
    ),
    Case(
        "prices from with NUL",
        "GET",
        PRICES + "?from=2024-01-15T00:00:00%00Z",
        422,
        "validation-error",
        "from",
    ),
    Case(
        "prices from naive",
        "GET",
        PRICES + "?from=2024-01-15T00:00:00",
        422,
        "validation-error",
        "from",
    ),
    Case("limit 0", "GET", "{org}/users?limit=0", 422, "validation-error", "limit"),
    Case("limit 10^30", "GET", "{org}/users?limit=1" + "0" * 30, 422, "validation-error", "limit"),
    Case("cursor not ours", "GET", "{org}/users?cursor=abc", 422, "validation-error", "cursor"),
    Case(
        "cursor with newline",
        "GET",
        "{org}/users?cursor=1.0123456789abcdef0123456789abcdef%0A",
        422,
        "validation-error",
        "cursor",
    ),
    Case("unknown parameter", "GET", "{org}/users?limt=3", 422, "validation-error", "limt"),
    Case(
        "include_prices maybe",
        "GET",
        CONTRACT + "?include_prices=maybe",
        422,
        "validation-error",
        "include_prices",
    ),
    # Paths, tenants, credentials.
    Case("malformed user id", "GET", "{org}/users/not-a-uuid", 404, "not-found"),
    Case("another tenant's org", "GET", "{other_org}/users", 404, "not-found"),
    Case("another tenant's user", "GET", "{org}/users/{other_user}", 404, "not-found"),
    Case(
        "another tenant's user, written",
        "PUT",
        "{org}/users/{other_user}",
        404,
        "not-found",
        body=b'{"town": "x"}',
    ),
    Case("no token", "GET", "{org}/users", 401, "unauthorized", token="none"),
    Case(
        "forged token",
        "GET",
        "{org}/users",
        401,
        "unauthorized",
        token="Bearer eyJhbGciOiJub25lIn0.e30.",
    ),
    Case(
        "read token writes",
        "POST",
        "{org}/users",
        403,
        "insufficient-scope",
        body=b'{"email": "r@e.ad"}',
        token="read",
    ),
    Case(
        "stale If-Match",
        "PUT",
        CONTRACT,
        412,
        "precondition-failed",
        body=b'{"supplier": "S"}',
        headers={"If-Match": '"999"'},
    ),
    Case(
        "bad Idempotency-Key",
        "POST",
        "{org}/users",
        422,
        "validation-error",
        "Idempotency-Key",
        body=b'{"email": "k@e.y"}',
        headers={"Idempotency-Key": "\u00e9"},
    ),
    Case(
        "evil Host",
        "GET",
        "{org}/users",
        400,
        "malformed-request",
        headers={"Host": "evil.example"},
    ),
    Case("PATCH", "PATCH", USER, 405, "method-not-allowed", body=b"{}"),
]


def all_cases() -> list[Case]:
    return [*body_cases(), *SPECIFIC]


@dataclass
class Served:
    server: ServerProcess
    credentials: Credentials
    database_url: str
    ids: dict[str, str]
    tokens: dict[str, str]

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)

    def snapshot(self) -> tuple[Any, ...]:
        """The organisation's data as the database holds it: row counts and versions."""
        org = self.credentials.org_id
        queries = [
            *(f"SELECT count(*) FROM {table} WHERE org_id = :org" for table in TENANT_TABLES),
            "SELECT id, version, updated_at FROM energy_contracts WHERE org_id = :org ORDER BY id",
            "SELECT id, updated_at FROM users WHERE org_id = :org ORDER BY id",
            "SELECT id, updated_at FROM buildings WHERE org_id = :org ORDER BY id",
        ]
        if self.database_url.startswith("sqlite"):
            path = self.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(path) as sqlite:
                return tuple(
                    tuple(sqlite.execute(q, {"org": uuid.UUID(org).hex}).fetchall())
                    for q in queries
                )
        with psycopg.connect(self.database_url) as postgres:
            return tuple(
                tuple(postgres.execute(q.replace(":org", "%(org)s"), {"org": org}).fetchall())
                for q in queries
            )


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("hostile"))
    else:
        yield from throwaway_postgres_database(in_ci=IN_CI)


@pytest.fixture(scope="module")
async def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory = tmp_path_factory.mktemp("hostile-server")
    key_file = directory / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    credentials = await prepare_database(database_url, key_file)
    other = await prepare_database(database_url, key_file)
    server = ServerProcess(
        database_url=database_url, key_file=key_file, log_file=directory / "serve.log"
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http_client:
            tokens = {
                "write": await _token(http_client, credentials),
                "read": await _reader_token(http_client, database_url, key_file, credentials),
            }
            other_token = await _token(http_client, other)
            ids = await _objects(http_client, credentials, tokens["write"])
            other_ids = await _objects(http_client, other, other_token)
        ids |= {"other_org": other.org_id, "other_user": other_ids["user"]}
        yield Served(server, credentials, database_url, ids, tokens)
    finally:
        server.stop()


async def _token(http_client: Any, credentials: Credentials) -> str:
    return await token_for(http_client, credentials)


async def _reader_token(
    http_client: Any, database_url: str, key_file: Path, credentials: Credentials
) -> str:
    database = Database(load_settings(database_url=database_url, signing_key_file=key_file))
    try:
        async with database.session() as session:
            reader = await clients.create_client(
                session, org_id=uuid.UUID(credentials.org_id), scope="read", name="reader"
            )
    finally:
        await database.dispose()
    reader_credentials = Credentials(credentials.org_id, reader.client.client_id, reader.secret)
    return await _token(http_client, reader_credentials)


async def _objects(http_client: Any, credentials: Credentials, token: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    org = f"{API}/org/{credentials.org_id}"
    user = (
        await http_client.post(
            f"{org}/users", json={"email": f"{uuid.uuid4().hex}@x.io"}, headers=headers
        )
    ).json()
    building = (
        await http_client.post(
            f"{org}/users/{user['id']}/buildings", json={"name": "Home"}, headers=headers
        )
    ).json()
    body = {
        "energy_contract_type": "spot_hourly",
        "currency_energy_price": "EUR",
        "building_id": building["id"],
        "energy_prices": [{"price": 0.2, "timestamp": "2024-01-15T00:00:00Z"}],
    }
    contract = (
        await http_client.post(
            f"{org}/users/{user['id']}/energy-contracts", json=body, headers=headers
        )
    ).json()
    return {
        "org": credentials.org_id,
        "user": user["id"],
        "building": building["id"],
        "contract": contract["id"],
    }


@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.name)
def test_bad_input_is_a_4xx_naming_the_field_and_writes_nothing(case: Case, served: Served) -> None:
    path = f"{API}/org/{case.path.format(**served.ids)}"
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1", **case.headers}
    if case.token in ("write", "read"):
        headers["Authorization"] = f"Bearer {served.tokens[case.token]}"
    elif case.token != "none":
        headers["Authorization"] = case.token
    before = served.snapshot()
    connection = served.connect()
    try:
        if case.status == 413:
            # Declared, not sent: the answer comes before the body would be read.
            connection.putrequest(case.method, path, skip_host=True)
            for name, value in {**headers, "Content-Length": str(len(case.body or b""))}.items():
                connection.putheader(name, value)
            connection.endheaders()
        else:
            connection.request(case.method, path, body=case.body, headers=headers)
        response = connection.getresponse()
        content = response.read()

        assert response.status == case.status, content[:500]
        assert response.getheader("content-type") == PROBLEM
        problem = json.loads(content)
        assert problem["status"] == case.status
        assert problem["type"].endswith("/" + case.problem), problem
        if case.field is not None:
            assert case.field in [error["field"] for error in problem["errors"]], problem
        # Messages read as the rest of a sentence that starts with the field's name.
        for error in problem.get("errors", []):
            assert error["message"].startswith(SENTENCE_STARTS), error
        assert served.snapshot() == before
        if (response.getheader("connection") or "").lower() == "close":
            assert case.status in MAY_CLOSE or case.status >= 500
            return
        # The connection serves the next request.
        connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        after = connection.getresponse()
        assert (after.status, after.read()) == (200, b'{"status":"ok"}')
    finally:
        connection.close()


def test_the_server_logged_no_errors(served: Served) -> None:
    """Runs after the cases above (same module and backend)."""
    output = served.server.output()
    assert '"status": 500' not in output
    assert "Traceback" not in output
