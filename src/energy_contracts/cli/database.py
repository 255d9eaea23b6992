"""How the commands reach the database.

Only ``serve`` and ``migrate`` create or upgrade a database. Every other command opens one that
exists and is at the schema this program knows; otherwise it says in a line or two what is
missing, where it looked and how to point elsewhere, and exits non-zero. A condition an operator
can cause — no file, a server that does not answer, a database not migrated, an id that does not
exist — is never a traceback; an error of the program itself still is one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.cli.common import fail
from energy_contracts.db import migrate as migrations
from energy_contracts.db.engine import Database, DatabaseUnavailableError
from energy_contracts.errors import ProblemError
from energy_contracts.observability import configure_logging
from energy_contracts.settings import ConfigurationError, Settings, load_settings

T = TypeVar("T")

POINT_ELSEWHERE = (
    "Point at one with --database-url, ENERGY_CONTRACTS_DATABASE_URL or ENERGY_CONTRACTS_DATA_DIR"
)


def load(*, quiet: bool = True) -> Settings:
    """The settings; with ``quiet``, logs are also kept to errors, on stderr: the command's
    own message says what went wrong, and stdout is for its result (``serve`` logs as
    configured)."""
    try:
        settings = load_settings()
    except ConfigurationError as error:
        fail(str(error), code=2)
    if quiet:
        configure_logging(settings.model_copy(update={"log_level": "error"}))
    return settings


def run(work: Callable[[Database], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """``work`` against the existing, migrated database of ``settings`` (by default loaded
    here)."""
    settings = settings or load()
    where = location(settings)
    path = settings.sqlite_path
    if path is not None and not path.is_file():
        # Opening it would create an empty file, which the next command would take for a
        # database: look before the driver does.
        fail(
            f"no database at {path}",
            f"{POINT_ELSEWHERE}; `energy-contracts migrate` or `serve` creates it.",
        )

    async def against_current_schema() -> T:
        database = Database(settings)
        try:
            await _require_current_schema(database, where)
            return await work(database)
        finally:
            await database.dispose()

    return guarded(settings, lambda: asyncio.run(against_current_schema()))


def in_transaction(
    work: Callable[[AsyncSession], Awaitable[T]], *, settings: Settings | None = None
) -> T:
    """``work`` in one transaction: committed when it returns, rolled back when it raises."""

    async def transaction(database: Database) -> T:
        async with database.session() as session:
            return await work(session)

    return run(transaction, settings=settings)


def guarded(settings: Settings, action: Callable[[], T]) -> T:
    """``action``, with the errors an operator can cause told in a line or two."""
    try:
        return action()
    except ProblemError as error:  # a rule of the product, e.g. an unknown organisation
        fail(error.detail)
    except DatabaseNotUsableError as error:
        fail(str(error), *error.advice)
    except (DatabaseUnavailableError, PoolTimeoutError) as error:
        fail(
            f"cannot connect to the database at {location(settings)}: {_reason(error)}",
            f"{POINT_ELSEWHERE}.",
        )
    except OperationalError as error:  # a lock held too long, a read-only file, a full disk
        fail(f"the database at {location(settings)} refused: {_reason(error)}")


class DatabaseNotUsableError(Exception):
    """The database exists but cannot serve this program: not a database, not readable, or
    not at the schema this program knows."""

    def __init__(self, problem: str, *advice: str) -> None:
        super().__init__(problem)
        self.advice = advice


async def _require_current_schema(database: Database, where: str) -> None:
    try:
        revision = await migrations.schema_revision(database.engine)
    except DBAPIError as error:  # e.g. a file that is no database, or no right to read it
        raise DatabaseNotUsableError(
            f"cannot read the database at {where}: {_reason(error)}", f"{POINT_ELSEWHERE}."
        ) from error
    if revision.is_current:
        return
    if not revision.current:
        raise DatabaseNotUsableError(
            f"the database at {where} is not migrated yet",
            "`energy-contracts migrate` creates its tables.",
        )
    if revision.is_newer:
        raise DatabaseNotUsableError(
            f"the database at {where} is at revision {', '.join(sorted(revision.current))}, "
            "which only a newer energy-contracts knows"
        )
    raise DatabaseNotUsableError(
        f"the database at {where} is not up to date", "`energy-contracts migrate` upgrades it."
    )


def location(settings: Settings) -> str:
    """Where the database is, as an operator would write it (never with a password)."""
    if settings.sqlite_path is not None:
        return str(settings.sqlite_path)
    url = make_url(settings.database_url)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    """The innermost cause's own words, without SQLAlchemy's wrapping."""
    while error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    return str(error).strip() or type(error).__name__
