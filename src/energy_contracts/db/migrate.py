"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from energy_contracts.db.engine import create_engine
from energy_contracts.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(settings: Settings, revision: str = "head") -> None:
    await _run(settings, lambda connection: command.upgrade(alembic_config(connection), revision))


async def downgrade(settings: Settings, revision: str = "base") -> None:
    await _run(settings, lambda connection: command.downgrade(alembic_config(connection), revision))


@dataclass(frozen=True, slots=True)
class SchemaRevision:
    """Where a database's schema stands against the migrations this program ships."""

    current: frozenset[str]  # the revisions stamped in the database; empty: never migrated
    heads: frozenset[str]  # the newest revisions this program knows
    known: frozenset[str]  # every revision this program knows

    @property
    def is_current(self) -> bool:
        return self.current == self.heads

    @property
    def is_newer(self) -> bool:
        """Stamped by a newer version of the program: a revision this one does not know."""
        return not self.current <= self.known


async def schema_revision(engine: AsyncEngine) -> SchemaRevision:
    """Read (never change) the schema revision of the database behind ``engine``."""
    scripts = ScriptDirectory.from_config(alembic_config())

    def read(connection: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        current = await connection.run_sync(read)
    return SchemaRevision(
        current=current,
        heads=frozenset(scripts.get_heads()),
        known=frozenset(script.revision for script in scripts.walk_revisions()),
    )


async def _run(settings: Settings, step: object) -> None:
    if settings.sqlite_path is not None:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(step)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
