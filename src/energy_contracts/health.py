"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from energy_contracts.api.responses import JSON
from energy_contracts.db.session import DatabaseDep
from energy_contracts.errors import ServiceUnavailable

router = APIRouter(tags=["Operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Response:
    return JSON({"status": "ok"})


@router.get(
    "/readyz",
    summary="The database is reachable",
    responses={503: {"description": "The database is unreachable."}},
)
async def readyz(database: DatabaseDep) -> Response:
    try:
        await database.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable(
            "The database is unreachable.", headers={"Retry-After": "2"}
        ) from exc
    return JSON({"status": "ready"})
