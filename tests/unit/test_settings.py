from __future__ import annotations

from pathlib import Path

import pytest

from energy_contracts.settings import ConfigurationError, load_settings, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/db", "postgresql+asyncpg://postgres@127.0.0.1:5432/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
    ],
)  # fmt: skip
def test_database_urls_map_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_default_is_embedded_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/energy-contracts.db"
    assert settings.is_sqlite


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENERGY_CONTRACTS_DATABASE_URL", "mysql://root@localhost/db"),
        ("ENERGY_CONTRACTS_TOKEN_LIFETIME_SECONDS", "5"),
        ("ENERGY_CONTRACTS_LOG_FORMAT", "xml"),
        ("ENERGY_CONTRACTS_REVOCATION_CHECK_SECONDS", "120"),
    ],
)
def test_bad_configuration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert variable in str(error.value)


def test_key_inline_and_file_together_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ENERGY_CONTRACTS_SIGNING_KEY", "x")
    monkeypatch.setenv("ENERGY_CONTRACTS_SIGNING_KEY_FILE", str(tmp_path / "key.pem"))
    with pytest.raises(ConfigurationError, match="ENERGY_CONTRACTS_SIGNING_KEY_FILE"):
        load_settings()


def test_unknown_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_CONTRACTS_DATABSE_URL", "sqlite:///typo.db")
    with pytest.raises(ConfigurationError, match="ENERGY_CONTRACTS_DATABSE_URL"):
        load_settings()
