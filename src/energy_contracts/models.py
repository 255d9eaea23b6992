"""The whole schema: every domain's models in one ``metadata`` (for schema checks such as
the migrations-versus-models test). A face: it imports every domain."""

from energy_contracts.auth.models import OAuthClient
from energy_contracts.buildings.models import Building
from energy_contracts.console.models import ConsoleSession
from energy_contracts.contracts.models import EnergyContract, energy_prices
from energy_contracts.db.base import metadata
from energy_contracts.idempotency.models import IdempotencyRecord
from energy_contracts.orgs.models import Organisation
from energy_contracts.series.models import Series, series_prices
from energy_contracts.tariffs.models import Tariff
from energy_contracts.users.models import User

__all__ = [
    "Building",
    "ConsoleSession",
    "EnergyContract",
    "IdempotencyRecord",
    "OAuthClient",
    "Organisation",
    "Series",
    "Tariff",
    "User",
    "energy_prices",
    "metadata",
    "series_prices",
]
