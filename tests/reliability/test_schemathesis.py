"""Schemathesis against the service's own OpenAPI document: every operation, every default
check, through a real server on PostgreSQL, authenticated with a real token.

Bounded: at most ``MAX_EXAMPLES`` generated cases per operation and phase. Generated
requests are left as generated except for what a real client controls: the path's
``org_id`` is the caller's organisation when the case has a valid one (otherwise every
request would stop at the 404 for a foreign organisation), a valid ``Idempotency-Key`` is
made unique per request (a reused key with a different body is, correctly, a 422), and
requests carry real credentials (see ``RealCredentials``).
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from requests.structures import CaseInsensitiveDict
from schemathesis import AuthContext, Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from energy_contracts.api.openapi import served_document
from energy_contracts.app import create_app
from energy_contracts.auth.keys import new_private_key_pem
from energy_contracts.settings import load_settings
from tests.conftest import IN_CI
from tests.reliability.support import Credentials, prepare_database, token_for
from tests.support.databases import throwaway_postgres_database
from tests.support.server import ServerProcess

MAX_EXAMPLES = 25
# Rules that no JSON Schema can state, because they depend on the organisation (its billing
# currency) or compare two fields of one body: a schema-valid request may break them, and is
# then rightly a 422 naming only these fields. Per operation; every other 422 to a
# schema-valid request is still a failure.
_TARIFF_RULES = (
    r"currency",
    r"components\[\d+\]\.valid_to",  # after valid_from
    r"components\[\d+\]\.windows\[\d+\]\.to",  # after from
    r"components\[\d+\]\.name",  # no overlap with another of the name
)
RULES_BEYOND_THE_SCHEMA: dict[str, tuple[str, ...]] = {
    "POST /api/partners/v2.0/org/{org_id}/price-series": ("currency",),
    "POST /api/partners/v2.0/org/{org_id}/tariffs": _TARIFF_RULES,
}
KEY_HEADER = "Idempotency-Key"
_VALID_KEY = re.compile(r"^[!-~]{1,255}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Served:
    server: ServerProcess
    credentials: Credentials
    token: str


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    yield from throwaway_postgres_database(in_ci=IN_CI)


@pytest.fixture(scope="module")
async def served(
    module_postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    directory = tmp_path_factory.mktemp("schemathesis")
    key_file = directory / "signing-key.pem"
    key_file.write_bytes(new_private_key_pem())
    credentials = await prepare_database(module_postgres_url, key_file)
    server = ServerProcess(
        database_url=module_postgres_url, key_file=key_file, log_file=directory / "serve.log"
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http:
            token = await token_for(http, credentials)
        yield Served(server, credentials, token)
    finally:
        server.stop()


def _own_openapi_document() -> dict[str, Any]:
    """The document the server serves at /api/partners/v2.0/openapi.json, built by the same
    code at collection time (the server starts later, in a fixture). Creating the app
    touches no database and writes no file: the key is inline and the engine is lazy."""
    settings = load_settings(
        signing_key=new_private_key_pem().decode(),
        database_url="sqlite:///never-opened.db",
        log_level="warning",
    )
    return served_document(create_app(settings))


schema = schemathesis.openapi.from_dict(_own_openapi_document())
# CI runs the same cases every time (``derandomize`` below); ``SCHEMATHESIS_SEED=<int>``
# explores others, and a failure found that way is reproduced with the same seed.
if seed := os.environ.get("SCHEMATHESIS_SEED"):
    schema.config.seed = int(seed)


PENDING = "credentials-of-the-running-server"


@schema.auth(refresh_interval=None)
class RealCredentials:
    """Credentials on every request, as a client sends them — and none where a negative
    case removed the Authorization header on purpose (schemathesis skips us then). Some
    cases are generated before the server runs, so the header names the scheme here and
    the test fills in the real token or secret."""

    def get(self, case: Case[Any], _context: AuthContext) -> str | None:
        if case.operation.path != "/oauth2/token":
            return "Bearer"
        body = case.body if isinstance(case.body, dict) else {}
        # The token endpoint: HTTP Basic, unless the body carries credentials of its own.
        return None if {"client_id", "client_secret"} & set(body) else "Basic"

    def set(self, case: Case[Any], data: str, _context: AuthContext) -> None:
        if case.headers is None:
            case.headers = CaseInsensitiveDict()
        case.headers["Authorization"] = f"{data} {PENDING}"


def real_credentials(authorization: str, served: Served) -> str:
    scheme = authorization.split(" ", 1)[0]
    if scheme == "Bearer":
        return f"Bearer {served.token}"
    basic = f"{served.credentials.client_id}:{served.credentials.client_secret}"
    return "Basic " + base64.b64encode(basic.encode()).decode()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The same cases on every run: CI is a gate, not a lottery (SCHEMATHESIS_SEED explores).
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_conforms(case: Case[Any], served: Served) -> None:
    headers: Any = case.headers or {}
    if str(headers.get("Authorization", "")).endswith(PENDING):
        headers["Authorization"] = real_credentials(headers["Authorization"], served)
    if _VALID_KEY.match(str(headers.get(KEY_HEADER, ""))):
        headers[KEY_HEADER] = str(uuid.uuid4())
    if case.path_parameters and _UUID.match(str(case.path_parameters.get("org_id", ""))):
        case.path_parameters["org_id"] = served.credentials.org_id
    response = case.call(base_url=served.server.base_url)
    excluded = (
        [positive_data_acceptance] if _breaks_only_rules_beyond_the_schema(case, response) else []
    )
    case.validate_response(response, excluded_checks=excluded)


def _breaks_only_rules_beyond_the_schema(case: Case[Any], response: Any) -> bool:
    rules = RULES_BEYOND_THE_SCHEMA.get(case.operation.label, ())
    if response.status_code != 422 or not rules:
        return False
    fields = {error["field"] for error in response.json().get("errors", [])}
    return bool(fields) and all(
        any(re.fullmatch(rule, field) for rule in rules) for field in fields
    )


def test_the_server_logged_no_errors(served: Served) -> None:
    """Runs after the fuzzing above (same module): no 500 and no traceback in the logs."""
    output = served.server.output()
    assert '"status": 500' not in output
    assert "Traceback" not in output
