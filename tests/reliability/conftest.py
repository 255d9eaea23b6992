"""Fixtures for the drills: a PostgreSQL database of their own, a signing key, credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from energy_contracts.auth.keys import new_private_key_pem
from tests.conftest import IN_CI
from tests.support.databases import throwaway_postgres_database


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new PostgreSQL database for one drill, dropped afterwards."""
    yield from throwaway_postgres_database(in_ci=IN_CI)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "signing-key.pem"
    path.parent.mkdir()
    path.write_bytes(new_private_key_pem())
    return path
