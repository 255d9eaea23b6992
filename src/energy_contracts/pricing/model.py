"""The data the pricing functions take and return.

Every datetime a pricing function returns is timezone-aware and in UTC. Intervals are half-open,
``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")
"""The caller's opaque origin of a price (for the API: contract id, source, components flag)."""


class ContractType(StrEnum):
    SPOT_HOURLY = "spot_hourly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


@dataclass(frozen=True, slots=True)
class PriceEntry:
    """One stored price: ``price`` per kWh from ``timestamp`` on (see ``build_curve``)."""

    timestamp: datetime
    price: Decimal


# Segments and cost pieces are made by the tens of thousands (a year of quarter hours is
# 35,136), so they are msgspec Structs: made in C, about six times faster than a frozen
# dataclass. Neither refers back to anything that could refer to it (instants, decimals and
# the caller's origin, which holds no segment), so they take no part in reference cycles
# and need not be tracked by the garbage collector (``gc=False``), which also spares the
# collections that tens of thousands of tracked objects would set off.


class Segment(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """A stretch ``[start, end)`` of one price from one origin.

    An unknown stretch has ``price=None`` and ``origin=None``: the price there is not zero, it is
    not known.
    """

    start: datetime
    end: datetime
    price: Decimal | None
    origin: T | None

    @property
    def is_known(self) -> bool:
        return self.price is not None


@dataclass(frozen=True, slots=True)
class Window(Generic[T]):
    """Where a flexible load runs cheapest.

    ``slots`` are the priced stretches the load runs in, in time order: for a contiguous window
    the tiled segments of ``[start, end)``; for chosen slots the resampled grid slots, which need
    not touch each other.
    """

    start: datetime
    end: datetime
    average_price: Decimal
    slots: list[Segment[T]]


@dataclass(frozen=True, slots=True)
class Consumption:
    """``kwh`` used over ``[start, end)`` at a constant rate."""

    start: datetime
    end: datetime
    kwh: Decimal


class CostPiece(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """The part of one consumption that falls in one priced (or unknown) stretch.

    ``price`` and ``cost`` are ``None`` where the price is unknown: that energy is uncovered, it
    is never priced at zero.
    """

    start: datetime
    end: datetime
    kwh: Decimal
    price: Decimal | None
    cost: Decimal | None
    origin: T | None


@dataclass(frozen=True, slots=True)
class CostResult(Generic[T]):
    """What a consumption profile costs.

    ``total_cost`` is the cost of the covered energy only; ``covered_kwh + uncovered_kwh`` is the
    total consumption and ``total_cost`` is the sum of the pieces' costs, both exactly.
    """

    total_cost: Decimal
    covered_kwh: Decimal
    uncovered_kwh: Decimal
    breakdown: list[CostPiece[T]]
