"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import get
from litestar.di import NamedDependency

from energy_contracts.api.openapi import problems
from energy_contracts.db.engine import Database
from energy_contracts.errors import DatabaseUnavailable

TAGS = ["Operations"]


class Alive(msgspec.Struct):
    status: Literal["ok"]


class Ready(msgspec.Struct):
    status: Literal["ready"]


@get("/healthz", summary="The process is alive", tags=TAGS, sync_to_thread=False)
def healthz() -> Alive:
    return Alive("ok")


@get(
    "/readyz",
    summary="The database is reachable",
    tags=TAGS,
    responses=problems(503),
)
async def readyz(database: NamedDependency[Database]) -> Ready:
    try:
        await database.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise DatabaseUnavailable("The database is unreachable.") from exc
    return Ready("ready")
