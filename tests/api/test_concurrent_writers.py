"""20 concurrent writers on one contract (SPEC §7): the final state is some serial order.

Ten writers upsert overlapping price batches, ten change the contract's fields, all at
once. Every write changes something, so each must get its own version: the versions the
writers were answered with (ETag) order them. Replaying the writes in that order by hand
must give exactly the stored state — nothing lost, no batch half-applied.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from tests.support.factories import make_user
from tests.support.tenants import TenantFactory

WRITERS = 20
HOURS = 48
START = datetime(2024, 1, 15, tzinfo=UTC)


def batch_of(writer: int) -> dict[str, Decimal]:
    """Writer w covers hours [2w, 2w + 24): each overlaps its neighbours' batches."""
    return {
        (START + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ"): Decimal(f"0.{writer:02d}1")
        for hour in range(2 * writer, 2 * writer + 24)
        if hour < HOURS
    }


async def test_twenty_writers_end_in_some_serial_order(make_tenant: TenantFactory) -> None:
    tenant = await make_tenant()
    user = await make_user(tenant)
    created = await tenant.post(
        f"users/{user['id']}/energy-contracts",
        json={"energy_contract_type": "spot_hourly", "currency_energy_price": "EUR"},
    )
    assert created.status_code == 200, created.text
    path = f"users/{user['id']}/energy-contracts/{created.json()['id']}"

    price_writers = range(0, WRITERS, 2)  # the odd writers change fields

    async def write(writer: int) -> httpx.Response:
        if writer in price_writers:
            prices = [
                {"timestamp": stamp, "price": float(price)}
                for stamp, price in batch_of(writer // 2).items()
            ]
            return await tenant.put(f"{path}/prices", json={"energy_prices": prices})
        return await tenant.put(
            path, json={"supplier": f"supplier-{writer}", "meter_id": str(writer)}
        )

    responses = await asyncio.gather(*(write(writer) for writer in range(WRITERS)))
    assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses]
    versions = {writer: int(r.headers["etag"].strip('"')) for writer, r in enumerate(responses)}
    # Nothing lost: twenty changes, twenty distinct versions after the creation's 1.
    assert sorted(versions.values()) == list(range(2, WRITERS + 2))

    expected_prices: dict[str, Decimal] = {}
    expected_fields: dict[str, str] = {}
    for writer in sorted(versions, key=versions.__getitem__):  # the serial order
        if writer in price_writers:
            expected_prices.update(batch_of(writer // 2))
        else:
            expected_fields = {"supplier": f"supplier-{writer}", "meter_id": str(writer)}

    stored = await tenant.get(path)
    contract = json.loads(stored.text, parse_float=Decimal)
    assert stored.headers["etag"] == f'"{WRITERS + 1}"'
    assert {p["timestamp"]: p["price"] for p in contract["energy_prices"]} == expected_prices
    assert {"supplier": contract["supplier"], "meter_id": contract["meter_id"]} == expected_fields
