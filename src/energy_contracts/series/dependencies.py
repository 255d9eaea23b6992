"""The path's price series, resolved once per request (only a series of the path's
organisation), and the series as index-linked contracts see them."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.contracts.index import SeriesIndex
from energy_contracts.series import service
from energy_contracts.series.index import SERIES_INDEX
from energy_contracts.series.models import Series


async def provide_series(
    org_id: FromPath[uuid.UUID],
    series_id: FromPath[uuid.UUID],
    session: NamedDependency[AsyncSession],
) -> Series:
    return await service.get_series(session, org_id, series_id)


def provide_series_index() -> SeriesIndex:
    return SERIES_INDEX
