"""The request's session: one transaction, committed when the handler returns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.db.engine import Database

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = get_database(request)
    async with database.session(write=request.method not in READ_ONLY_METHODS) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a 200 always
# means the data is stored, and a failed commit becomes an error response.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
