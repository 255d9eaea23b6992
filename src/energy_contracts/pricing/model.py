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


@dataclass(frozen=True, slots=True)
class Segment(Generic[T]):
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


@dataclass(frozen=True, slots=True)
class CostPiece(Generic[T]):
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


# A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; setting
# the slots directly makes the same object in half the time, which counts where a year of
# quarter hours becomes 35,136 segments or cost pieces. Only for the classes above, whose
# ``__init__`` does nothing else.
_SET_START = Segment.__dict__["start"].__set__
_SET_END = Segment.__dict__["end"].__set__
_SET_PRICE = Segment.__dict__["price"].__set__
_SET_ORIGIN = Segment.__dict__["origin"].__set__
_new = object.__new__


def new_segment(
    start: datetime, end: datetime, price: Decimal | None, origin: T | None
) -> Segment[T]:
    """``Segment(start, end, price, origin)``, made faster (see above)."""
    segment: Segment[T] = _new(Segment)
    _SET_START(segment, start)
    _SET_END(segment, end)
    _SET_PRICE(segment, price)
    _SET_ORIGIN(segment, origin)
    return segment


_SET_PIECE_START = CostPiece.__dict__["start"].__set__
_SET_PIECE_END = CostPiece.__dict__["end"].__set__
_SET_PIECE_KWH = CostPiece.__dict__["kwh"].__set__
_SET_PIECE_PRICE = CostPiece.__dict__["price"].__set__
_SET_PIECE_COST = CostPiece.__dict__["cost"].__set__
_SET_PIECE_ORIGIN = CostPiece.__dict__["origin"].__set__


def new_cost_piece(
    start: datetime,
    end: datetime,
    kwh: Decimal,
    price: Decimal | None,
    cost: Decimal | None,
    origin: T | None,
) -> CostPiece[T]:
    """``CostPiece(start, end, kwh, price, cost, origin)``, made faster (see ``new_segment``)."""
    piece: CostPiece[T] = _new(CostPiece)
    _SET_PIECE_START(piece, start)
    _SET_PIECE_END(piece, end)
    _SET_PIECE_KWH(piece, kwh)
    _SET_PIECE_PRICE(piece, price)
    _SET_PIECE_COST(piece, cost)
    _SET_PIECE_ORIGIN(piece, origin)
    return piece
