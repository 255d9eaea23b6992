"""A contract's tariff (SPEC §11): what a contract's rules need of the tariff it names.

The tariffs domain sits above this one, so contracts reach tariffs through
``TariffCatalogue``: the tariffs domain implements it and the app provides it to the
contract handlers as the dependency ``tariff_catalogue`` (as ``contracts.index`` does for
price series).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class NamedTariff:
    id: uuid.UUID
    currency: str


# Runtime-checkable: the framework checks an injected dependency against its declared type.
@runtime_checkable
class TariffCatalogue(Protocol):
    """The tariffs of an organisation, as contracts see them."""

    async def find(
        self, session: AsyncSession, org_id: uuid.UUID, tariff_id: uuid.UUID
    ) -> NamedTariff | None:
        """The organisation's tariff ``tariff_id``, or None (unknown, or another's)."""
        ...
