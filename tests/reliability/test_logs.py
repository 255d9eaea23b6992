"""Log drill (SPEC §8): a real server's whole output, through a realistic flow.

Tokens are fetched with HTTP Basic, with credentials in a JSON body and in a form body, with
a wrong secret; the API is called with Bearer tokens, a forged token, a token in the query.
Every line the process writes must be a JSON object; there is exactly one ``request`` line
per request, carrying its method, route template, status, duration, client id and request id;
and no client secret, no token and no Authorization header value appears anywhere.
"""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import httpx
import pytest

from tests.reliability.support import API, json_lines, prepare_database
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

REQUEST_FIELDS = {"method", "route", "status", "duration_ms", "client_id", "request_id"}


@pytest.mark.parametrize("workers", [1, 2])
async def test_logs_are_json_lines_without_secrets(
    postgres_url: str, key_file: Path, tmp_path: Path, workers: int
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    server = ServerProcess(
        database_url=postgres_url,
        key_file=key_file,
        log_file=tmp_path / "serve.log",
        workers=workers,
    )
    secret = credentials.client_secret
    basic = base64.b64encode(f"{credentials.client_id}:{secret}".encode()).decode()
    sent_authorizations = [f"Basic {basic}"]
    answered: list[httpx.Response] = []
    try:
        await server.wait_until_ready()
        async with server.client() as http:

            async def call(method: str, url: str, **kwargs: object) -> httpx.Response:
                response = await http.request(method, url, **kwargs)  # type: ignore[arg-type]
                answered.append(response)
                return response

            grant = {"grant_type": "client_credentials"}
            by_basic = await call(
                "POST", "/oauth2/token/", headers={"Authorization": f"Basic {basic}"}, data=grant
            )
            in_json = await call(
                "POST",
                "/oauth2/token/",
                json={**grant, "client_id": credentials.client_id, "client_secret": secret},
            )
            in_form = await call(
                "POST",
                "/oauth2/token/",
                data={**grant, "client_id": credentials.client_id, "client_secret": secret},
            )
            wrong = await call(
                "POST",
                "/oauth2/token/",
                data={**grant, "client_id": credentials.client_id, "client_secret": secret[::-1]},
            )
            assert [r.status_code for r in (by_basic, in_json, in_form, wrong)] == [
                200,
                200,
                200,
                401,
            ]
            tokens = [r.json()["access_token"] for r in (by_basic, in_json, in_form)]

            org = f"{API}/org/{credentials.org_id}"
            bearer = {"Authorization": f"Bearer {tokens[0]}"}
            forged = tokens[1][:-8] + "AAAAAAAA"
            sent_authorizations += [f"Bearer {t}" for t in (*tokens, forged)]
            key = str(uuid.uuid4())
            body = {"email": f"{uuid.uuid4().hex}@example.com"}
            assert (await call("GET", org, headers=bearer)).status_code == 200
            for _ in range(2):
                created = await call(
                    "POST", f"{org}/users", headers={**bearer, "Idempotency-Key": key}, json=body
                )
                assert created.status_code == 200
            assert (await call("GET", f"{org}/users", headers=bearer)).status_code == 200
            malformed = await call("POST", f"{org}/users", headers=bearer, content=b"{")
            assert malformed.status_code == 400
            assert (
                await call("GET", org, headers={"Authorization": f"Bearer {forged}"})
            ).status_code == 401
            assert (await call("GET", f"{org}?access_token={tokens[2]}")).status_code == 401
            assert (await call("GET", "/no/such/path", headers=bearer)).status_code == 404
        server.terminate()
        assert await server.exit_code() == 0
    finally:
        server.stop()

    output = server.output()
    lines = json_lines(output)  # every line is a JSON object
    assert len(lines) == len([line for line in output.splitlines() if line.strip()])

    for forbidden in (secret, basic, *tokens, forged, *sent_authorizations):
        assert forbidden not in output
    # Not even a recognisable piece of a token (its signature) or of the secret.
    for token in (*tokens, forged):
        assert token.rsplit(".", 1)[1] not in output
    assert secret[:16] not in output

    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) == len(answered) + _readiness_probes(lines)
    by_id = {line["request_id"]: line for line in requests}
    for response in answered:
        line = by_id[response.headers["x-request-id"]]
        assert set(line) >= REQUEST_FIELDS
        assert line["status"] == response.status_code
        assert line["method"] == response.request.method
        assert isinstance(line["duration_ms"], float | int)
    ok_token = by_id[by_basic.headers["x-request-id"]]
    # One route template for the path with and without its trailing slash.
    assert (ok_token["route"], ok_token["client_id"]) == ("/oauth2/token", credentials.client_id)
    api_lines = [by_id[r.headers["x-request-id"]] for r in answered[4:9]]
    assert {line["route"] for line in api_lines} == {
        "/api/partners/v2.0/org/{org_id}",
        "/api/partners/v2.0/org/{org_id}/users",
    }
    assert {line["client_id"] for line in api_lines} == {credentials.client_id}
    assert by_id[answered[-1].headers["x-request-id"]]["route"] == "<unmatched>"
    assert all(isinstance(line.get("pid"), int) for line in lines)
    assert {line["level"] for line in lines} <= {"debug", "info", "warning", "error"}


def _readiness_probes(lines: list[dict[str, object]]) -> int:
    """``wait_until_ready`` polls /readyz before the flow starts."""
    return sum(1 for line in lines if line.get("route") == "/readyz")
