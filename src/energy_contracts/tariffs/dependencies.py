"""The path's tariff, resolved once per request (only a tariff of the path's organisation),
and the tariffs as contracts see them (``contracts.named_tariff.TariffCatalogue``)."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts.contracts.named_tariff import NamedTariff, TariffCatalogue
from energy_contracts.tariffs import repository, service
from energy_contracts.tariffs.models import Tariff


async def provide_tariff(
    org_id: FromPath[uuid.UUID],
    tariff_id: FromPath[uuid.UUID],
    session: NamedDependency[AsyncSession],
) -> Tariff:
    return await service.get_tariff(session, org_id, tariff_id)


class OrganisationTariffs:
    """An organisation's tariffs, looked up by id within it."""

    async def find(
        self, session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID
    ) -> NamedTariff | None:
        tariff = await repository.find(session, org_id, tariff_id)
        return None if tariff is None else NamedTariff(tariff.id, tariff.currency)


TARIFF_CATALOGUE = OrganisationTariffs()


def provide_tariff_catalogue() -> TariffCatalogue:
    return TARIFF_CATALOGUE
