"""Behind a TLS proxy: ``Link`` and ``Location`` say https only when the proxy is trusted.

``serve`` believes ``X-Forwarded-Proto``/``-For`` from the addresses in
``ENERGY_CONTRACTS_FORWARDED_ALLOW_IPS`` and from nobody when it is unset, so a client
talking to the service directly cannot choose the scheme of the URLs it is given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.support import API, prepare_database, token_for
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

FROM_TLS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


async def urls_given(server: ServerProcess, token: str, org_id: str) -> tuple[str, str]:
    """The ``Location`` of a created user and the next-page ``Link`` of the users' list."""
    headers = {"Authorization": f"Bearer {token}", **FROM_TLS_PROXY}
    async with server.client() as http:
        for email in ("a@example.com", "b@example.com"):
            created = await http.post(
                f"{API}/org/{org_id}/users", headers=headers, json={"email": email}
            )
            assert created.status_code == 200, created.text
        listed = await http.get(f"{API}/org/{org_id}/users?limit=1", headers=headers)
        assert listed.status_code == 200, listed.text
    return created.headers["location"], listed.headers["link"]


@pytest.mark.parametrize(("trusted", "scheme"), [(None, "http"), ("127.0.0.1", "https")])
async def test_forwarded_scheme_only_from_trusted_proxies(
    postgres_url: str, key_file: Path, tmp_path: Path, trusted: str | None, scheme: str
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    settings = {} if trusted is None else {"forwarded_allow_ips": trusted}
    server = ServerProcess(
        database_url=postgres_url, key_file=key_file, log_file=tmp_path / "serve.log", **settings
    )
    try:
        await server.wait_until_ready()
        async with server.client() as http:
            token = await token_for(http, credentials)
        location, link = await urls_given(server, token, credentials.org_id)
        origin = f"{scheme}://127.0.0.1:{server.port}{API}/org/{credentials.org_id}/users"
        assert location.startswith(f"{origin}/"), location
        assert link.startswith(f"<{origin}?"), link
        assert link.endswith('>; rel="next"'), link
    finally:
        server.stop()
