"""The request's session: one transaction, committed when the handler returns.

A layer that must see the response before the transaction ends (the idempotency layer
stores the answer in the same transaction as the work) opens the unit of work itself and
shares it with ``share_unit_of_work``; the handler's ``SessionDep`` is then that session,
and the layer commits or rolls back once the response is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db.engine import Database

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNIT_OF_WORK = "unit_of_work"


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def share_unit_of_work(scope: MutableMapping[str, Any], session: AsyncSession) -> None:
    """Make ``session`` the request's session; its owner commits or rolls it back."""
    scope.setdefault("state", {})[_UNIT_OF_WORK] = session


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    shared: AsyncSession | None = request.scope.get("state", {}).get(_UNIT_OF_WORK)
    if shared is not None:
        yield shared
        # Where the session of our own would commit: write now, so that a failing
        # statement fails here, inside the handler's error handling, as it would there.
        await shared.flush()
        return
    database = get_database(request)
    async with database.session(write=request.method not in READ_ONLY_METHODS) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a 200 always
# means the data is stored, and a failed commit becomes an error response.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


async def _database(request: Request) -> Database:
    # async on purpose: FastAPI runs a plain-function dependency in a worker thread.
    return get_database(request)


DatabaseDep = Annotated[Database, Depends(_database)]
