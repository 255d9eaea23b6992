"""Tariffs, all-in answers and the organisation-wide read through the client.

The async client runs against the real app in-process (SQLite and PostgreSQL); the blocking
client against ``energy-contracts serve`` in a subprocess. Expected prices are worked out by
hand in the comments, and compared exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import msgspec
import pytest

from energy_contracts_client import (
    AsyncEnergyContractsClient,
    BuildingEffectivePrices,
    ConflictError,
    ConnectionFailedError,
    Consumption,
    ContractChanges,
    CostLine,
    NewBuilding,
    NewContract,
    NewTariff,
    NewUser,
    NotFoundError,
    PreconditionFailedError,
    Price,
    PriceBreakdown,
    StandingCharge,
    Tariff,
    TariffComponent,
    TariffWindow,
    UnexpectedResponseError,
    ValidationError,
    WindowSlot,
)
from energy_contracts_client._core import LineReader
from tests.client.conftest import ClientFactory, RecordedWaits
from tests.client.faults import Fault, FaultInjector
from tests.client.running import Service
from tests.support.tenants import Tenant

WINTER = [1, 2, 3, 10, 11, 12]
SECTION_14A = NewTariff(
    name="Wiener Netze 2025, §14a module 3",
    vat_percent=Decimal(20),
    vat_on_negative=False,
    standing_charge_per_day=Decimal("0.41"),
    components=[
        TariffComponent(
            name="grid energy",
            kind="grid",
            valid_from=date(2025, 1, 1),
            valid_to=date(2026, 1, 1),
            default_price=Decimal("0.0749"),
            windows=[
                TariffWindow(price=Decimal("0.0225"), months=WINTER, from_="00:00", to="06:00"),
                TariffWindow(
                    price=Decimal("0.1124"),
                    months=WINTER,
                    weekdays=[1, 2, 3, 4, 5],
                    from_="17:00",
                    to="20:00",
                ),
            ],
        ),
        TariffComponent(name="electricity levy", kind="levy", price=Decimal("0.015")),
    ],
)


def email() -> str:
    return f"tariffs-{uuid.uuid4().hex[:10]}@example.com"


# --- tariffs --------------------------------------------------------------------------------


def test_a_tariff_goes_over_the_wire_exactly_and_refuses_floats() -> None:
    body = msgspec.json.decode(
        msgspec.json.Encoder(decimal_format="number").encode(SECTION_14A.components[0])
    )
    assert (
        msgspec.json.Encoder(decimal_format="number").encode(
            TariffWindow(price=Decimal("0.0225"), from_="00:00", to="24:00")
        )
        == b'{"price":0.0225,"from":"00:00","to":"24:00"}'
    )
    assert body["windows"][1] == {
        "price": 0.1124,
        "from": "17:00",
        "to": "20:00",
        "months": WINTER,
        "weekdays": [1, 2, 3, 4, 5],
    }
    assert "price" not in body  # a windowed component sends no flat price (not even null)
    with pytest.raises(TypeError, match="price"):
        TariffComponent(name="levy", kind="levy", price=0.015)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="vat_percent"):
        NewTariff(name="x", vat_percent=Decimal("NaN"))


async def test_tariffs_are_created_read_paged_replaced_and_deleted(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    created = await api.create_tariff(SECTION_14A)
    others = [await api.create_tariff(NewTariff(name=f"flat {n}")) for n in range(2)]
    read = await api.get_tariff(created.id)
    first = await api.list_tariffs(limit=2)
    every = [tariff async for tariff in api.iter_tariffs(page_size=1)]
    replaced = await api.replace_tariff(
        created.id,
        msgspec.structs.replace(created.as_new(), vat_percent=Decimal(10)),
        if_match=created.etag,
    )
    with pytest.raises(PreconditionFailedError):
        await api.replace_tariff(created.id, created.as_new(), if_match=created.etag)
    with pytest.raises(ConflictError):
        await api.create_tariff(NewTariff(name="flat 0"))

    assert created == Tariff(
        id=created.id,
        name="Wiener Netze 2025, §14a module 3",
        currency="EUR",
        timezone="Europe/Vienna",
        vat_percent=Decimal(20),
        vat_on_negative=False,
        standing_charge_per_day=Decimal("0.41"),
        components=SECTION_14A.components,
        created_at=created.created_at,
        updated_at=created.updated_at,
        etag='"1"',
    )
    assert created.as_new() == msgspec.structs.replace(
        SECTION_14A, currency="EUR", timezone="Europe/Vienna"
    )
    assert read == created
    assert len(first.items) == 2
    assert first.next_cursor is not None
    assert [t.id for t in every] == sorted(t.id for t in [created, *others])
    # Omitted on create, the defaults: 0 % VAT, VAT also on credits, no standing charge.
    assert (others[0].vat_percent, others[0].vat_on_negative) == (Decimal(0), True)
    assert (others[0].standing_charge_per_day, others[0].components) == (Decimal(0), [])
    assert (replaced.vat_percent, replaced.components, replaced.etag) == (
        Decimal(10), SECTION_14A.components, '"2"',
    )  # fmt: skip


async def test_a_tariff_named_by_a_contract_cannot_be_deleted(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    tariff = await api.create_tariff(SECTION_14A)
    user = await api.create_user(NewUser(email=email()))
    contract = await api.create_contract(
        user.id,
        NewContract(
            energy_contract_type="spot_hourly",
            currency_energy_price="EUR",
            energy_price_includes_external_components=False,
            tariff_id=tariff.id,
        ),
    )
    with pytest.raises(ConflictError) as named:
        await api.delete_tariff(tariff.id)
    dropped = await api.update_contract(user.id, contract.id, ContractChanges(tariff_id=None))
    with pytest.raises(PreconditionFailedError):
        await api.delete_tariff(tariff.id, if_match='"7"')
    await api.delete_tariff(tariff.id, if_match=tariff.etag)

    assert contract.tariff_id == tariff.id
    assert named.value.contract_count == 1
    assert dropped.tariff_id is None
    with pytest.raises(NotFoundError):
        await api.get_tariff(tariff.id)


# --- all-in answers -------------------------------------------------------------------------

# Wednesday 15 January 2025 in Vienna (UTC+1): local 04:00–08:00 is 03:00–07:00 UTC.
Z = [datetime(2025, 1, 15, hour, tzinfo=UTC) for hour in range(24)]
WHOLESALE = [
    Price(Decimal("0.10"), Z[3]),  # local 04:00, in the night window
    Price(Decimal("0.08"), Z[4]),  # local 05:00, in the night window
    Price(Decimal("0.05"), Z[5]),  # local 06:00, the default grid price: cheapest wholesale
    Price(Decimal("-0.20"), Z[6]),  # local 07:00, negative
]
ZERO = Decimal(0)
ALL_IN = [
    # net = energy + grid + levy; VAT 20 % of net, 0 where net < 0 (vat_on_negative false).
    # 0.10 + 0.0225 + 0.015 = 0.1375; VAT 0.0275; total 0.165
    (Z[3], Z[4], Decimal("0.165"), PriceBreakdown(Decimal("0.10"), Decimal("0.0225"),
                                                  Decimal("0.015"), ZERO, Decimal("0.0275"))),
    # 0.08 + 0.0225 + 0.015 = 0.1175; VAT 0.0235; total 0.141
    (Z[4], Z[5], Decimal("0.141"), PriceBreakdown(Decimal("0.08"), Decimal("0.0225"),
                                                  Decimal("0.015"), ZERO, Decimal("0.0235"))),
    # 0.05 + 0.0749 + 0.015 = 0.1399; VAT 0.02798; total 0.16788
    (Z[5], Z[6], Decimal("0.16788"), PriceBreakdown(Decimal("0.05"), Decimal("0.0749"),
                                                    Decimal("0.015"), ZERO, Decimal("0.02798"))),
    # -0.20 + 0.0749 + 0.015 = -0.1101 < 0: no VAT; total -0.1101
    (Z[6], Z[7], Decimal("-0.1101"), PriceBreakdown(Decimal("-0.20"), Decimal("0.0749"),
                                                    Decimal("0.015"), ZERO, ZERO)),
]  # fmt: skip


@dataclass
class Priced:
    user_id: uuid.UUID
    building_id: uuid.UUID
    contract_id: uuid.UUID


async def wholesale_building_with_tariff(api: AsyncEnergyContractsClient) -> Priced:
    tariff = await api.create_tariff(SECTION_14A)
    user = await api.create_user(NewUser(email=email()))
    building = await api.create_building(user.id, NewBuilding(name="Home"))
    contract = await api.create_contract(
        user.id,
        NewContract(
            energy_contract_type="spot_hourly",
            building_id=building.id,
            currency_energy_price="EUR",
            energy_price_includes_external_components=False,
            tariff_id=tariff.id,
            energy_prices=WHOLESALE,
        ),
    )
    return Priced(user.id, building.id, contract.id)


async def test_effective_prices_with_a_tariff_are_totals_with_their_parts(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    priced = await wholesale_building_with_tariff(api)

    answer = await api.effective_prices(priced.user_id, priced.building_id, from_=Z[3], to=Z[8])

    assert (answer.currency, answer.timezone, answer.price_basis) == (
        "EUR", "Europe/Vienna", "all_in",
    )  # fmt: skip
    assert [(i.start, i.end, i.price, i.breakdown) for i in answer.intervals] == [
        *ALL_IN,
        (Z[7], Z[8], None, None),  # unknown: no price, no parts
    ]
    assert {(i.contract_id, i.source, i.includes_external_components)
            for i in answer.intervals[:4]} == {(priced.contract_id, "building", True)}  # fmt: skip
    # Levels rank totals: median 0.153, scale = max − min = 0.16788 + 0.1101 = 0.27798;
    # r = 0.043, −0.043, 0.054 (NORMAL) and −0.946 (VERY_CHEAP).
    assert [i.level for i in answer.intervals] == [
        "NORMAL", "NORMAL", "NORMAL", "VERY_CHEAP", None,
    ]  # fmt: skip


async def test_the_cheapest_window_ranks_totals_and_takes_a_day(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    priced = await wholesale_building_with_tariff(api)
    ids = (priced.user_id, priced.building_id)

    # Local 04:00–07:00: wholesale is cheapest at 06:00 (0.05), but the night grid window
    # makes 05:00 the cheapest total (0.141 < 0.165 < 0.16788).
    morning = await api.cheapest_window(*ids, minutes=60, from_=Z[3], to=Z[6])
    day = await api.cheapest_window(*ids, minutes=120, day=date(2025, 1, 15))
    with pytest.raises(ValidationError) as both:
        await api.cheapest_window(*ids, minutes=60, day=date(2025, 1, 15), from_=Z[3])
    with pytest.raises(ValidationError) as unknown:
        await api.cheapest_window(*ids, minutes=60, day=date(2025, 1, 16))

    assert (morning.start, morning.end) == (Z[4], Z[5])
    assert (morning.average_price, morning.currency, morning.price_basis) == (
        Decimal("0.141"), "EUR", "all_in",
    )  # fmt: skip
    assert morning.slots == [WindowSlot(Z[4], Z[5], Decimal("0.141"))]
    # Two hours within the local day, wholly known: 06:00–08:00 local has the lowest mean,
    # (0.16788 − 0.1101) / 2 = 0.02889.
    assert (day.start, day.end, day.average_price) == (Z[5], Z[7], Decimal("0.02889"))
    assert [error.field for error in both.value.errors] == ["day"]
    assert [error.field for error in unknown.value.errors] == ["day"]


async def test_a_cost_adds_the_standing_charge_and_names_each_piece(
    connect: ClientFactory, tenant: Tenant
) -> None:
    api = connect(tenant)
    priced = await wholesale_building_with_tariff(api)

    cost = await api.cost(
        priced.user_id,
        priced.building_id,
        [
            Consumption(start=Z[3], end=Z[5], kwh=Decimal("2")),  # 1 kWh in each hour
            Consumption(start=Z[5], end=Z[6], kwh=Decimal("1.5")),
        ],
    )

    # Energy: 1 × 0.165 + 1 × 0.141 + 1.5 × 0.16788 = 0.306 + 0.25182 = 0.55782.
    # Standing charge: the span 03:00–06:00 UTC is 3 of the local day's 24 hours, 0.125 day;
    # net 0.41 × 0.125 = 0.05125, VAT 20 % 0.01025, total 0.0615.
    assert cost.standing_charge == StandingCharge(
        per_day=Decimal("0.41"),
        days=Decimal("0.125"),
        net=Decimal("0.05125"),
        vat=Decimal("0.01025"),
        total=Decimal("0.0615"),
    )
    assert (cost.total_cost, cost.covered_kwh, cost.uncovered_kwh) == (
        Decimal("0.61932"), Decimal("3.5"), ZERO,
    )  # fmt: skip
    assert (cost.currency, cost.price_basis) == ("EUR", "all_in")
    assert cost.breakdown == [
        CostLine(start, end, kwh, price, kwh * price, priced.contract_id, "building", True)
        for start, end, kwh, price in [
            (Z[3], Z[4], Decimal(1), Decimal("0.165")),
            (Z[4], Z[5], Decimal(1), Decimal("0.141")),
            (Z[5], Z[6], Decimal("1.5"), Decimal("0.16788")),
        ]
    ]


async def test_no_price_now_is_not_found(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)
    priced = await wholesale_building_with_tariff(api)  # prices of January 2025 only

    with pytest.raises(NotFoundError) as building:
        await api.current_effective_price(priced.user_id, priced.building_id)
    with pytest.raises(NotFoundError) as user:
        await api.current_effective_price(priced.user_id)

    assert building.value.type is not None
    assert building.value.type.endswith("no-current-price")
    assert user.value.type == building.value.type


# --- every building of the organisation, as NDJSON ------------------------------------------

DAY = date(2025, 1, 15)


class Rechunked(httpx.AsyncBaseTransport):
    """The real app's answers, delivered ``size`` bytes at a time (as a network may), so
    that lines arrive cut anywhere; with ``lost_after``, the connection of NDJSON answers
    breaks after that many bytes."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, size: int, *, lost_after: int | None = None
    ) -> None:
        self.inner = inner
        self.size = size
        self.lost_after = lost_after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        lost = self.lost_after is not None and "ndjson" in response.headers["content-type"]
        if lost:
            body = body[: self.lost_after]
        pieces = [body[i : i + self.size] for i in range(0, len(body), self.size)]
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=Pieces(pieces, lost=lost),
            request=request,
        )


class Pieces(httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes], *, lost: bool = False) -> None:
        self.pieces = pieces
        self.lost = lost

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.lost:
            raise httpx.ReadError("connection lost (injected)")


def test_lines_are_decoded_whole_however_the_bytes_are_cut() -> None:
    text = b'{"price": 1}\n{"price": 2.5}\n{"price": -3}'
    for size in (1, 2, 5, len(text)):
        reader = LineReader(dict[str, Decimal], "GET /x")
        decoded = [
            item for i in range(0, len(text), size) for item in reader.feed(text[i : i + size])
        ]
        decoded += reader.finish()  # the last line has no newline
        assert decoded == [{"price": Decimal(1)}, {"price": Decimal("2.5")},
                           {"price": Decimal(-3)}]  # fmt: skip
    with pytest.raises(UnexpectedResponseError, match="GET /x: unreadable line"):
        LineReader(dict[str, Decimal], "GET /x").feed(b'{"price": 1}\n{"price":\n')


def without_ids(line: BuildingEffectivePrices) -> dict[str, object]:
    answer = msgspec.structs.asdict(line)
    del answer["user_id"], answer["building_id"]
    return answer


async def buildings_in_three_time_zones(api: AsyncEnergyContractsClient) -> list[Priced]:
    """The Vienna building with the tariff, and a user-level monthly all-in contract over
    buildings in London and New York."""
    vienna = await wholesale_building_with_tariff(api)
    user = await api.create_user(NewUser(email=email()))
    contract = await api.create_contract(
        user.id,
        NewContract(
            energy_contract_type="monthly",
            currency_energy_price="EUR",
            energy_price_includes_external_components=True,
            energy_prices=[Price(Decimal("0.2875"), datetime(2024, 12, 31, 23, tzinfo=UTC))],
        ),
    )
    others = [
        Priced(user.id, (await api.create_building(user.id, NewBuilding(name=zone,
                                                                        timezone=zone))).id,
               contract.id)
        for zone in ("Europe/London", "America/New_York")
    ]  # fmt: skip
    return [vienna, *others]


@pytest.mark.parametrize("interval", [None, 30])
async def test_every_buildings_line_is_its_own_answer_on_its_local_day(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, interval: int | None
) -> None:
    api = connect(tenant, transport=Rechunked(httpx.ASGITransport(app=faults), 7))
    buildings = await buildings_in_three_time_zones(api)

    lines = [
        line
        async for line in api.iter_organisation_effective_prices(
            DAY, interval=interval, page_size=2
        )
    ]

    assert [(line.user_id, line.building_id) for line in lines] == sorted(
        ((b.user_id, b.building_id) for b in buildings), key=lambda ids: str(ids[1])
    )
    for line in lines:
        single = await api.effective_prices(line.user_id, line.building_id, day=DAY,
                                            interval=interval)  # fmt: skip
        assert without_ids(line) == msgspec.structs.asdict(single)
    # Two pages of two and one building, each one request.
    assert len(faults.requests_to(f"{tenant.org_id}/effective-prices")) == 2
    vienna = next(line for line in lines if line.building_id == buildings[0].building_id)
    assert (vienna.from_, vienna.to, vienna.timezone) == (
        datetime(2025, 1, 14, 23, tzinfo=UTC), Z[23], "Europe/Vienna",
    )  # fmt: skip
    if interval is None:
        assert [(i.start, i.end, i.price, i.breakdown) for i in vienna.intervals] == [
            (datetime(2025, 1, 14, 23, tzinfo=UTC), Z[3], None, None),
            *ALL_IN,
            (Z[7], Z[23], None, None),
        ]
    new_york = next(line for line in lines if line.timezone == "America/New_York")
    assert (new_york.from_, new_york.to) == (
        datetime(2025, 1, 15, 5, tzinfo=UTC), datetime(2025, 1, 16, 5, tzinfo=UTC),
    )  # fmt: skip


async def test_the_next_page_is_asked_for_when_this_one_is_used_up(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector, waits: RecordedWaits
) -> None:
    api = connect(tenant)
    buildings = await buildings_in_three_time_zones(api)
    bulk = f"{tenant.org_id}/effective-prices"
    faults.inject(Fault(503, method="GET", path_suffix=bulk, headers={"Retry-After": "2"}))

    lines = api.iter_organisation_effective_prices(DAY, page_size=1)
    first = await anext(lines)
    asked_for_the_first = len(faults.requests_to(bulk))
    rest = [line async for line in lines]

    assert waits == [2]  # the 503 was waited out
    assert asked_for_the_first == 2  # the 503 and the first page, not yet the second
    assert len(faults.requests_to(bulk)) == 4
    assert sorted([first, *rest], key=lambda line: str(line.building_id)) == [first, *rest]
    assert {line.building_id for line in [first, *rest]} == {b.building_id for b in buildings}


async def test_a_connection_lost_mid_page_keeps_the_whole_lines_and_is_not_retried(
    connect: ClientFactory, tenant: Tenant, faults: FaultInjector
) -> None:
    api = connect(tenant)
    await buildings_in_three_time_zones(api)
    whole = [line async for line in api.iter_organisation_effective_prices(DAY)]
    raw = (await tenant.get("effective-prices", params={"day": DAY.isoformat()})).content
    first_line = raw.index(b"\n") + 1
    broken = connect(  # the answer cut 50 bytes into its second line
        tenant,
        transport=Rechunked(httpx.ASGITransport(app=faults), 100, lost_after=first_line + 50),
    )
    lines = broken.iter_organisation_effective_prices(DAY)

    received = await anext(lines)
    with pytest.raises(ConnectionFailedError, match="connection lost"):
        await anext(lines)  # the second line was cut

    assert received == whole[0]
    assert len(faults.requests_to(f"{tenant.org_id}/effective-prices")) == 2  # one each


async def test_bulk_errors_are_typed(connect: ClientFactory, tenant: Tenant) -> None:
    api = connect(tenant)

    with pytest.raises(ValidationError) as bad:
        [line async for line in api.iter_organisation_effective_prices(DAY, interval=45)]
    with pytest.raises(ValidationError) as too_many:
        [line async for line in api.iter_organisation_effective_prices(DAY, page_size=10_001)]

    assert [error.field for error in bad.value.errors] == ["interval"]
    assert [error.field for error in too_many.value.errors] == ["limit"]
    assert [line async for line in api.iter_organisation_effective_prices(DAY)] == []


# --- the blocking client against a running service ------------------------------------------


@pytest.mark.slow
def test_the_blocking_client_with_a_tariff_and_the_bulk_read(service: Service) -> None:
    own = service.new_organisation("Tariffs")  # the bulk read sees only these buildings
    local_day = (datetime(2025, 1, 14, 23, tzinfo=UTC), Z[23])
    with own.client() as api:
        tariff = api.create_tariff(SECTION_14A)
        user = api.create_user(NewUser(email=email()))
        home = api.create_building(user.id, NewBuilding(name="Home"))
        away = api.create_building(user.id, NewBuilding(name="Away", timezone="America/New_York"))
        contract = api.create_contract(
            user.id,
            NewContract(
                energy_contract_type="spot_hourly",
                building_id=home.id,
                currency_energy_price="EUR",
                energy_price_includes_external_components=False,
                tariff_id=tariff.id,
                energy_prices=WHOLESALE,
            ),
        )
        replaced = api.replace_tariff(
            tariff.id,
            msgspec.structs.replace(tariff.as_new(), standing_charge_per_day=Decimal("0.48")),
            if_match=tariff.etag,
        )
        with pytest.raises(PreconditionFailedError):
            api.delete_tariff(tariff.id, if_match=tariff.etag)
        listed = list(api.iter_tariffs(page_size=1))
        effective = api.effective_prices(user.id, home.id, from_=Z[3], to=Z[8])
        window = api.cheapest_window(user.id, home.id, minutes=60, day=DAY)
        # 24 kWh over the whole local day: 1 kWh an hour.
        cost = api.cost(user.id, home.id, [Consumption(*local_day, kwh=Decimal(24))])
        lines = list(api.iter_organisation_effective_prices(DAY, page_size=1))
        singles = {
            building_id: api.effective_prices(user.id, building_id, day=DAY)
            for building_id in (home.id, away.id)
        }

    assert (replaced.standing_charge_per_day, replaced.etag) == (Decimal("0.48"), '"2"')
    assert [t.id for t in listed] == [tariff.id]
    assert effective.price_basis == "all_in"
    assert [(i.start, i.end, i.price, i.breakdown) for i in effective.intervals] == [
        *ALL_IN,
        (Z[7], Z[8], None, None),
    ]
    assert (window.start, window.end, window.average_price) == (Z[6], Z[7], Decimal("-0.1101"))
    # Energy: 0.165 + 0.141 + 0.16788 − 0.1101 = 0.36378 for the 4 known hours; 20 kWh
    # uncovered. Standing charge: one whole day, 0.48 + 20 % VAT 0.096 = 0.576; in all
    # 0.36378 + 0.576 = 0.93978.
    assert cost.standing_charge == StandingCharge(
        Decimal("0.48"), Decimal(1), Decimal("0.48"), Decimal("0.096"), Decimal("0.576")
    )
    assert (cost.total_cost, cost.covered_kwh, cost.uncovered_kwh) == (
        Decimal("0.93978"), Decimal(4), Decimal(20),
    )  # fmt: skip
    assert [line.building_id for line in lines] == sorted([home.id, away.id], key=str)
    for line in lines:
        assert without_ids(line) == msgspec.structs.asdict(singles[line.building_id])
        assert line.user_id == user.id
    assert {line.building_id: line.price_basis for line in lines} == {
        home.id: "all_in",
        away.id: None,  # no contract: nothing known
    }
    assert contract.tariff_id == tariff.id
