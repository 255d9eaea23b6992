"""A tiled range as exact prefix sums: what resampling and cheapest windows integrate over."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property, partial
from itertools import accumulate, islice, repeat
from typing import Generic

from energy_contracts.pricing._exact import common_units
from energy_contracts.pricing.model import Segment, T

_ONE_MICROSECOND = timedelta(microseconds=1)
_END_OF = operator.attrgetter("end")
_PRICE_OF = operator.attrgetter("price")
_IS_NONE = partial(operator.is_, None)


class TiledProfile(Generic[T]):
    """The pieces of a tiled range (as ``tile`` returns them), positions in microseconds.

    Piece ``k`` runs from ``bounds_us[k]`` to ``bounds_us[k + 1]`` (0 is the range start) at
    ``rates[k]``, its price in units of ``1 / denominator`` (``common_units``), or 0 where the
    price is unknown, where ``unknown[k]`` is 1. ``integral_before[k]`` (price units ×
    microseconds) and ``unknown_before[k]`` (microseconds) sum everything before piece ``k``,
    so any stretch is integrated in a few operations, whatever it spans, exactly.

    Each column is made on first use: resampling onto a grid as fine as the prices, say, never
    needs the prices as integers.
    """

    def __init__(
        self,
        pieces: list[Segment[T]],
        range_start: datetime,
        prices: list[Decimal | None] | None = None,
    ) -> None:
        """The profile of ``pieces``, or of other ``prices`` over the same pieces."""
        self.pieces = pieces
        self.range_start = range_start
        self._prices = prices

    @cached_property
    def prices(self) -> list[Decimal | None]:
        return list(map(_PRICE_OF, self.pieces)) if self._prices is None else self._prices

    @cached_property
    def bounds_us(self) -> list[int]:
        return [0, *offsets_us(map(_END_OF, self.pieces), self.range_start)]

    @cached_property
    def unknown(self) -> list[int]:
        return list(map(int, map(_IS_NONE, self.prices)))

    @cached_property
    def unknown_before(self) -> list[int]:
        return list(accumulate(map(operator.mul, self.unknown, self._lengths_us), initial=0))

    @cached_property
    def _rates_and_denominator(self) -> tuple[list[int], int]:
        prices = self.prices
        known_units, denominator = common_units([price for price in prices if price is not None])
        if len(known_units) == len(prices):
            return known_units, denominator
        next_known = iter(known_units)
        return [0 if price is None else next(next_known) for price in prices], denominator

    @cached_property
    def rates(self) -> list[int]:
        return self._rates_and_denominator[0]

    @cached_property
    def denominator(self) -> int:
        return self._rates_and_denominator[1]

    @cached_property
    def integral_before(self) -> list[int]:
        return list(accumulate(map(operator.mul, self.rates, self._lengths_us), initial=0))

    @property
    def _lengths_us(self) -> map[int]:
        bounds = self.bounds_us
        return map(operator.sub, islice(bounds, 1, None), bounds)

    def integral_at(self, piece: int, position_us: int) -> int:
        """Price × time from the range start to ``position_us``, which lies in ``piece``."""
        return self.integral_before[piece] + self.rates[piece] * (
            position_us - self.bounds_us[piece]
        )

    def unknown_at(self, piece: int, position_us: int) -> int:
        """Unknown time from the range start to ``position_us``, which lies in ``piece``."""
        return self.unknown_before[piece] + self.unknown[piece] * (
            position_us - self.bounds_us[piece]
        )


def offsets_us(instants: Iterable[datetime], origin: datetime) -> list[int]:
    """Each instant as whole microseconds after ``origin``."""
    differences = map(operator.sub, instants, repeat(origin))
    return list(map(operator.floordiv, differences, repeat(_ONE_MICROSECOND)))
