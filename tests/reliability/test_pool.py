"""The pool size is the cap on PostgreSQL connections per process (SPEC §1, §8).

A request that finds every pooled connection taken waits for one up to
``db_timeout_seconds`` and is then a 503; it does not open a connection beyond the pool
(an overflow connection would be closed again on its return, churning sessions under load).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from energy_contracts.app import create_app
from energy_contracts.settings import load_settings
from tests.reliability.support import API, assert_unavailable, prepare_database, token_for

pytestmark = pytest.mark.slow

POOL_WAIT = 0.3


async def test_a_request_beyond_the_pool_waits_then_is_a_503(
    postgres_url: str, key_file: Path
) -> None:
    credentials = await prepare_database(postgres_url, key_file)
    settings = load_settings(
        database_url=postgres_url,
        signing_key_file=key_file,
        data_dir=key_file.parent,
        db_pool_size=2,
        db_timeout_seconds=POOL_WAIT,
        allowed_hosts="testserver",
    )
    app = create_app(settings)
    engine = app.state.database.engine
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            auth = {"Authorization": f"Bearer {await token_for(http, credentials)}"}
            organisation = f"{API}/org/{credentials.org_id}"
            assert (await http.get(organisation, headers=auth)).status_code == 200

            async with engine.connect(), engine.connect():  # the whole pool, held
                started = time.monotonic()
                response = await http.get(organisation, headers=auth)
                waited = time.monotonic() - started
                assert engine.pool.checkedout() == 2
            assert_unavailable(response)
            assert POOL_WAIT <= waited < 2

            assert (await http.get(organisation, headers=auth)).status_code == 200
            assert engine.pool.checkedout() == 0
    finally:
        await app.state.database.dispose()
