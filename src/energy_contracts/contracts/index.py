"""Index-linked contracts (SPEC §4a): a spot contract whose energy price is a price series'
price × factor + markup, derived whenever it is read and never stored.

The series domain sits above this one (a series' prices go through this domain's bulk price
paths), so contracts reach the series they link to through ``SeriesIndex``: the series
domain implements it (``series.index``) and the app provides it to the contract handlers as
the dependency ``series_index``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from energy_contracts import pricing
from energy_contracts.contracts.models import EnergyContract, PriceRow
from energy_contracts.contracts.prices import PriceTable

DEFAULT_FACTOR = Decimal(1)
DEFAULT_MARKUP = Decimal(0)


@dataclass(frozen=True, slots=True)
class LinkedSeries:
    """What a contract's rules need of the series it links to."""

    id: uuid.UUID
    currency: str
    interval_minutes: int


# Runtime-checkable: the framework checks an injected dependency against its declared type.
@runtime_checkable
class SeriesIndex(Protocol):
    """The price series of an organisation, as contracts see them."""

    @property
    def prices(self) -> PriceTable:
        """Where series' prices are stored (read with ``contracts.prices``)."""
        ...

    async def find(
        self, session: AsyncSession, org_id: uuid.UUID, series_id: uuid.UUID
    ) -> LinkedSeries | None:
        """The organisation's series ``series_id``, or None (unknown, or another's)."""
        ...


@dataclass(frozen=True, slots=True)
class PriceIndex:
    """A contract's link: ``series(t) × factor + markup``."""

    series_id: uuid.UUID
    factor: Decimal
    markup: Decimal

    @classmethod
    def of(cls, contract: EnergyContract) -> PriceIndex | None:
        if contract.series_id is None:
            return None
        return cls.of_terms(contract.series_id, contract.index_factor, contract.index_markup)

    @classmethod
    def of_terms(
        cls, series_id: uuid.UUID, factor: Decimal | None, markup: Decimal | None
    ) -> PriceIndex:
        """From the stored columns (a factor or markup never stored means its default)."""
        return cls(
            series_id,
            DEFAULT_FACTOR if factor is None else factor,
            DEFAULT_MARKUP if markup is None else markup,
        )

    def apply(self, series_rows: Iterable[PriceRow]) -> list[PriceRow]:
        """The contract's prices derived from the series' rows, at the same instants."""
        factor, markup = self.factor, self.markup
        if factor == DEFAULT_FACTOR and markup == DEFAULT_MARKUP:
            return list(series_rows)  # the series' own prices, exactly
        return [(ts, pricing.indexed_price(price, factor, markup)) for ts, price in series_rows]
