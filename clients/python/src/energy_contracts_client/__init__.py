"""A typed Python client of the energy-contracts Partner API.

::

    from energy_contracts_client import EnergyContractsClient, NewUser, Price

    with EnergyContractsClient("https://api.example.com", client_id, client_secret) as api:
        user = api.create_user(NewUser(email="ada@example.com"))

``AsyncEnergyContractsClient`` has the same methods, to be awaited. Both fetch the access
token when first needed and refresh it before it expires (and once on a 401), send an
Idempotency-Key with every write and reuse it on retries, retry 429 and 503 answers after
their ``Retry-After``, follow ``Link: rel="next"`` through paged lists, and raise problem+json
answers as typed errors (``ValidationError.errors`` lists the refused fields).
"""

from energy_contracts_client._async import AsyncEnergyContractsClient
from energy_contracts_client._retry import NO_RETRIES, RetryPolicy
from energy_contracts_client._sync import EnergyContractsClient
from energy_contracts_client._version import __version__
from energy_contracts_client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionFailedError,
    EnergyContractsError,
    FieldError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    RetryableError,
    ServerError,
    ServiceUnavailableError,
    UnexpectedResponseError,
    ValidationError,
)
from energy_contracts_client.models import (
    Building,
    BuildingChanges,
    BuildingEffectivePrices,
    CheapestWindow,
    Consumption,
    ContractChanges,
    Cost,
    CostLine,
    EffectiveInterval,
    EffectivePrices,
    EnergyContract,
    NewBuilding,
    NewContract,
    NewPriceSeries,
    NewTariff,
    NewUser,
    Organisation,
    Page,
    Price,
    PriceBreakdown,
    PriceIndex,
    PricesDeleted,
    PriceSeries,
    PriceSeriesChanges,
    PriceWriteSummary,
    StandingCharge,
    Tariff,
    TariffComponent,
    TariffWindow,
    User,
    UserChanges,
    WindowSlot,
)

__all__ = [
    "NO_RETRIES",
    "ApiError",
    "AsyncEnergyContractsClient",
    "AuthenticationError",
    "BadRequestError",
    "Building",
    "BuildingChanges",
    "BuildingEffectivePrices",
    "CheapestWindow",
    "ConflictError",
    "ConnectionFailedError",
    "Consumption",
    "ContractChanges",
    "Cost",
    "CostLine",
    "EffectiveInterval",
    "EffectivePrices",
    "EnergyContract",
    "EnergyContractsClient",
    "EnergyContractsError",
    "FieldError",
    "NewBuilding",
    "NewContract",
    "NewPriceSeries",
    "NewTariff",
    "NewUser",
    "NotFoundError",
    "Organisation",
    "Page",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Price",
    "PriceBreakdown",
    "PriceIndex",
    "PriceSeries",
    "PriceSeriesChanges",
    "PriceWriteSummary",
    "PricesDeleted",
    "RateLimitedError",
    "RetryPolicy",
    "RetryableError",
    "ServerError",
    "ServiceUnavailableError",
    "StandingCharge",
    "Tariff",
    "TariffComponent",
    "TariffWindow",
    "UnexpectedResponseError",
    "User",
    "UserChanges",
    "ValidationError",
    "WindowSlot",
    "__version__",
]
