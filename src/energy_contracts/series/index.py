"""The series as index-linked contracts see them: ``contracts.index.SeriesIndex``."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.contracts.index import LinkedSeries
from energy_contracts.contracts.prices import PriceTable
from energy_contracts.series import repository
from energy_contracts.series.models import SERIES_PRICES


class OrganisationSeries:
    """An organisation's price series, looked up by id within it."""

    @property
    def prices(self) -> PriceTable:
        return SERIES_PRICES

    async def find(
        self, session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID
    ) -> LinkedSeries | None:
        series = await repository.find(session, org_id, series_id)
        if series is None:
            return None
        return LinkedSeries(series.id, series.currency, series.interval_minutes)


SERIES_INDEX = OrganisationSeries()
