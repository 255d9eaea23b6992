"""Observability (SPEC §8): request ids, one JSON log line per request without secrets, and
Prometheus metrics by route template with the database pool.

The drill that reads a real server's output is ``tests/reliability/test_logs.py``.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import structlog
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families

from energy_contracts.app import create_app
from energy_contracts.observability import REDACTED, configure_logging
from energy_contracts.settings import Settings
from tests.support.tenants import Tenant, TenantFactory

ORG_ROUTE = "/api/partners/v2.0/org/{org_id}"
USERS_ROUTE = "/api/partners/v2.0/org/{org_id}/users"
REQUEST_FIELDS = {"method", "route", "status", "duration_ms", "client_id", "request_id"}


@dataclass
class Observed:
    """A fresh app (its own metrics registry) whose log lines go to ``logs``."""

    app: Litestar
    http: httpx.AsyncClient
    logs: io.StringIO
    tenant: Tenant

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines()]

    def request_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["event"] == "request"]

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = await self.http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


@pytest.fixture
async def observed(migrated: Settings) -> AsyncIterator[Observed]:
    settings = migrated.model_copy(update={"log_level": "info"})
    app = create_app(settings)
    logs = io.StringIO()
    configure_logging(settings, stream=logs)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            tenant = await TenantFactory(app.state.database, http)()
            yield Observed(app, http, logs, tenant)
    finally:
        await app.state.database.dispose()
        configure_logging(migrated)  # back to standard error for the tests that follow


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


async def test_requests_are_counted_by_route_template_and_status(observed: Observed) -> None:
    tenant, http = observed.tenant, observed.http
    for _ in range(2):
        assert (await tenant.get("")).status_code == 200
    assert (await tenant.get(f"/api/partners/v2.0/org/{uuid.uuid4()}")).status_code == 404
    assert (await http.get(f"/no/such/{uuid.uuid4()}")).status_code == 404
    created = await tenant.post("users", json={"email": f"{uuid.uuid4().hex}@example.com"})
    assert created.status_code == 200

    metrics = await observed.metrics()
    requests = "energy_contracts_http_requests_total"
    assert metrics[(requests, labels(method="GET", route=ORG_ROUTE, status="200"))] == 2
    assert metrics[(requests, labels(method="GET", route=ORG_ROUTE, status="404"))] == 1
    assert metrics[(requests, labels(method="GET", route="<unmatched>", status="404"))] == 1
    assert metrics[(requests, labels(method="POST", route=USERS_ROUTE, status="200"))] == 1
    # Litestar routes a path with and without its trailing slash alike, under one template.
    assert metrics[(requests, labels(method="POST", route="/oauth2/token", status="200"))] == 1

    latency = "energy_contracts_http_request_duration_seconds"
    org_200 = {"method": "GET", "route": ORG_ROUTE, "status": "200"}
    assert metrics[(f"{latency}_count", labels(**org_200))] == 2
    assert metrics[(f"{latency}_bucket", labels(**org_200, le="+Inf"))] == 2

    # Bounded cardinality: no raw path, no id, in any label.
    rendered = (await observed.http.get("/metrics")).text
    assert str(tenant.org_id) not in rendered
    assert "/no/such" not in rendered


async def test_the_pool_gauges_follow_checkouts(observed: Observed) -> None:
    size = observed.app.state.settings.db_pool_size
    before = await observed.metrics()
    assert before[("energy_contracts_db_pool_size", ())] == size
    assert before[("energy_contracts_db_pool_checked_out", ())] == 0

    engine = observed.app.state.database.engine
    async with engine.connect(), engine.connect():
        held = await observed.metrics()
    assert held[("energy_contracts_db_pool_checked_out", ())] == 2
    after = await observed.metrics()
    assert after[("energy_contracts_db_pool_checked_out", ())] == 0


async def test_metrics_are_documented_as_text(http: httpx.AsyncClient) -> None:
    document = (await http.get("/api/partners/v2.0/openapi.json")).json()
    content = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]


async def test_one_json_line_per_request_with_the_request_fields(observed: Observed) -> None:
    tenant, http = observed.tenant, observed.http
    observed.logs.truncate(0)
    observed.logs.seek(0)
    responses = [
        await tenant.get(""),
        await http.get("/healthz", headers={"X-Request-ID": "from-the-caller.1"}),
        await tenant.post("users", json={"email": "not-an-email"}),
        await http.get(f"{tenant.base}", headers={"Authorization": "Bearer nope"}),
        await tenant.post("users", json={}, headers={}),
    ]
    lines = observed.request_lines()
    assert len(lines) == len(responses)
    for line, response in zip(lines, responses, strict=True):
        assert set(line) >= REQUEST_FIELDS
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["status"] == response.status_code
        assert line["level"] == "info"
    assert [line["route"] for line in lines] == [
        ORG_ROUTE,
        "/healthz",
        USERS_ROUTE,
        ORG_ROUTE,
        USERS_ROUTE,
    ]
    assert [line["client_id"] for line in lines] == [
        tenant.client_id,
        None,
        tenant.client_id,
        None,
        tenant.client_id,
    ]
    assert lines[1]["request_id"] == "from-the-caller.1"
    assert tenant.token not in observed.logs.getvalue()


@pytest.mark.parametrize("incoming", [None, "bad id with spaces", "x" * 129])
async def test_every_response_carries_a_request_id(
    http: httpx.AsyncClient, tenant: Tenant, incoming: str | None
) -> None:
    headers = {"X-Request-ID": incoming} if incoming else {}
    keyed = {**headers, **tenant.headers, "Idempotency-Key": "k" * 256}
    responses = [
        await http.get("/healthz", headers=headers),
        await http.get("/nowhere", headers=headers),
        await http.get(tenant.base, headers=headers),  # 401
        await http.post(f"{tenant.base}/users", headers=keyed, json={}),  # 422 for the key
        await http.post("/oauth2/token/", headers=headers, content=b"x" * (9 * 1024 * 1024)),
    ]
    assert [r.status_code for r in responses] == [200, 404, 401, 422, 413]
    ids = [r.headers["x-request-id"] for r in responses]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


def test_secrets_are_redacted_from_every_line(settings: Settings) -> None:
    logs = io.StringIO()
    configure_logging(settings.model_copy(update={"log_level": "info"}), stream=logs)
    try:
        jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJlY18xIn0.c2lnbmF0dXJlLWJ5dGVz"
        secret = "s3cr3t-" + uuid.uuid4().hex
        log = structlog.get_logger("tests")
        log.info(
            "incoming",
            authorization=f"Bearer {jwt}",
            client_secret=secret,
            headers={"Authorization": f"Basic {secret}", "accept": "*/*"},
            note=f"sent {jwt} and Bearer {secret} and client_secret={secret}",
            form=[f"client_secret={secret}&grant_type=client_credentials"],
            body=f'{{"client_secret": "{secret}"}}',
        )
        logging.getLogger("uvicorn.error").warning("Authorization: Bearer %s", jwt)
        try:
            raise ValueError(f"token {jwt} rejected")
        except ValueError:
            log.exception("failed")
    finally:
        configure_logging(settings)
    output = logs.getvalue()
    assert jwt not in output
    assert secret not in output
    lines = [json.loads(line) for line in output.splitlines()]
    assert len(lines) == 3
    first = lines[0]
    assert first["authorization"] == REDACTED
    assert first["client_secret"] == REDACTED
    assert first["headers"] == {"Authorization": REDACTED, "accept": "*/*"}
    assert first["note"] == (f"sent {REDACTED} and Bearer {REDACTED} and client_secret={REDACTED}")
    assert first["form"] == [f"client_secret={REDACTED}&grant_type=client_credentials"]
    assert first["body"] == f'{{"client_secret": "{REDACTED}"}}'
    assert lines[1]["event"] == f"Authorization: Bearer {REDACTED}"
    assert lines[1]["logger"] == "uvicorn.error"
    assert "ValueError" in lines[2]["exception"]
    assert REDACTED in lines[2]["exception"]


async def test_a_405_names_every_method_of_the_path(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    """GET, PUT and DELETE of one path are three handlers; Allow must name all of them, and
    OPTIONS, which the framework answers on every path."""
    response = await http.request(
        "PATCH", f"{tenant.base}/users/{uuid.uuid4()}", headers=tenant.headers
    )
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "DELETE, GET, OPTIONS, PUT"
