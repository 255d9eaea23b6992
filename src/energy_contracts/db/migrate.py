"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from energy_contracts.db.engine import create_engine
from energy_contracts.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(settings: Settings, revision: str = "head") -> None:
    await _run(settings, lambda connection: command.upgrade(alembic_config(connection), revision))


async def downgrade(settings: Settings, revision: str = "base") -> None:
    await _run(settings, lambda connection: command.downgrade(alembic_config(connection), revision))


async def _run(settings: Settings, step: object) -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(step)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
