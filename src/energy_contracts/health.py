"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from energy_contracts.api.openapi import problems
from energy_contracts.api.responses import JSON
from energy_contracts.db.session import DatabaseDep
from energy_contracts.errors import DATABASE_RETRY_AFTER_SECONDS, ServiceUnavailable

router = APIRouter(tags=["Operations"])


def _status(value: str, description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": [value]}},
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@router.get(
    "/healthz",
    summary="The process is alive",
    responses={200: _status("ok", "The process answers.")},
)
async def healthz() -> Response:
    return JSON({"status": "ok"})


@router.get(
    "/readyz",
    summary="The database is reachable",
    responses={
        200: _status("ready", "The database answered."),
        503: {**problems(503)[503], "description": "The database is unreachable."},
    },
)
async def readyz(database: DatabaseDep) -> Response:
    try:
        await database.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable(
            "The database is unreachable.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        ) from exc
    return JSON({"status": "ready"})
