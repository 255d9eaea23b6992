"""SPEC §12: the effective prices of every building of an organisation, each for its own
local day, as NDJSON lines computed a chunk of buildings at a time.

A line is ``{"user_id", "building_id", ...}`` followed by exactly the members of the
building's ``effective-prices?day=`` answer: it is made by the same function
(``service.effective_answer``) from the same reads, encoded by the same encoder, and the
line is those bytes after the two ids (``BuildingEffectivePrices`` documents it).

What buildings share is done once per request: a series is read once per local day (all
contracts linked to it share the read), a tariff's curve is made once per (tariff, day)
(``service.tariff_curve``), and buildings whose contracts all follow series (``Shapes``) share their
whole answer: two such buildings with the same clock, the same series with the same factor
and markup, the same tariff and the same kind of contracts have the same answer but for the
contract ids in it, which are put in. Memory holds one page of building ids and one chunk's
contracts and prices; a connection is held only while a chunk is read, never while lines are
computed or sent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from energy_contracts import pricing
from energy_contracts.api.responses import encode_json
from energy_contracts.codes import zone
from energy_contracts.contracts.models import PriceRow
from energy_contracts.db.engine import Database
from energy_contracts.effective import repository
from energy_contracts.effective.repository import (
    BuildingOfOrganisation,
    ContractTerms,
    Place,
    PriceRead,
)
from energy_contracts.effective.service import Pricing, effective_answer, pricing_of_place

CHUNK_BUILDINGS = 250
"""Buildings whose contracts and prices are read in one go."""


Shape = tuple[object, ...]


class Shapes:
    """Answers of buildings whose contracts all follow series, by what decides them."""

    def __init__(self) -> None:
        self._answers: dict[Shape, tuple[bytes, list[bytes]]] = {}
        self._tariffs: list[pricing.Tariff] = []  # keeps each id() in a shape alive

    def shape(self, subject: Pricing) -> Shape | None:
        """What decides the answer but the contract ids; None if it depends on a contract's
        own prices (then it is that building's alone)."""
        parts: list[object] = [subject.timezone.key]
        for applicable in subject.contracts:
            contract = applicable.contract
            if contract.series_id is None:
                return None
            if contract.tariff is not None:
                self._tariffs.append(contract.tariff)
            parts.append(
                (
                    applicable.source,
                    applicable.timezone.key,
                    contract.contract_type,
                    contract.price_interval_minutes,
                    contract.includes_external,
                    contract.series_id,
                    contract.index_factor,
                    contract.index_markup,
                    id(contract.tariff),
                )
            )
        return tuple(parts)

    def answer(self, shape: Shape, subject: Pricing) -> bytes | None:
        """The answer of an earlier building of this shape, with this one's contract ids."""
        found = self._answers.get(shape)
        if found is None:
            return None
        body, ids = found
        for earlier, now in zip(ids, _contract_ids(subject), strict=True):
            if earlier != now:
                body = body.replace(earlier, now)
        return body

    def keep(self, shape: Shape, subject: Pricing, body: bytes) -> None:
        self._answers[shape] = (body, _contract_ids(subject))


def _contract_ids(subject: Pricing) -> list[bytes]:
    return [str(applicable.contract.id).encode() for applicable in subject.contracts]


async def lines(
    database: Database,
    org_id: uuid.UUID,
    buildings: Sequence[BuildingOfOrganisation],
    *,
    day: date,
    interval: int | None,
) -> AsyncIterator[bytes]:
    """One NDJSON line per building, in the order given."""
    shapes = Shapes()
    async with database.engine.connect() as connection:
        timezone, currency = await repository.organisation_terms(connection, org_id)
    for first in range(0, len(buildings), CHUNK_BUILDINGS):
        chunk = buildings[first : first + CHUNK_BUILDINGS]
        async with database.engine.connect() as connection:
            subjects, rows = await _read_chunk(connection, org_id, chunk, day, timezone, currency)
        for building, (subject, span) in zip(chunk, subjects, strict=True):
            shape = shapes.shape(subject)
            body = None if shape is None else shapes.answer(shape, subject)
            if body is None:
                start, end = span
                contract_rows = {
                    applicable.contract.id: rows[PriceRead.of(applicable.contract, start, end)]
                    for applicable in subject.contracts
                }
                answer = effective_answer(
                    subject,
                    contract_rows,
                    start=start,
                    end=end,
                    interval=interval,
                )
                body = encode_json(answer)
                if shape is not None:
                    shapes.keep(shape, subject, body)
            # ``{"user_id":…,"building_id":…,`` and the answer's members after its ``{``.
            yield b'{"user_id":"%s","building_id":"%s",%s\n' % (
                str(building.user_id).encode(),
                str(building.id).encode(),
                body[1:],
            )


async def _read_chunk(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    chunk: Sequence[BuildingOfOrganisation],
    day: date,
    organisation_timezone: str,
    currency: str,
) -> tuple[list[tuple[Pricing, tuple[datetime, datetime]]], dict[PriceRead, list[PriceRow]]]:
    """Each building's pricing and local day, and every price read they need (shared)."""
    by_building, by_user = await repository.contracts_of_buildings(connection, org_id, chunk)
    subjects: list[tuple[Pricing, tuple[datetime, datetime]]] = []
    reads: set[PriceRead] = set()
    for building in chunk:
        contracts: list[ContractTerms] = [
            contract
            for contract in (by_building.get(building.id), by_user.get(building.user_id))
            if contract is not None
        ]
        span = pricing.local_day_bounds(day, zone(building.timezone))
        place = Place(building.timezone, organisation_timezone, currency, contracts)
        subjects.append((pricing_of_place(org_id, place), span))
        reads.update(PriceRead.of(contract, *span) for contract in contracts)
    return subjects, await repository.read_prices(connection, org_id, list(reads))
