"""Tariffs, all-in answers and the organisation-wide read through the client.

The async client runs against the real app in-process (SQLite and PostgreSQL); the blocking
client against ``energy-contracts serve`` in a subprocess. Expected prices are worked out by
hand in the comments, and compared exactly.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import msgspec
import pytest

from energy_contracts_client import (
    ConflictError,
    ContractChanges,
    NewContract,
    NewTariff,
    NewUser,
    NotFoundError,
    PreconditionFailedError,
    Tariff,
    TariffComponent,
    TariffWindow,
)
from tests.client.conftest import ClientFactory
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
