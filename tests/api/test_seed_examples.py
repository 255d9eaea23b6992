"""Every request the partner API's two pages show (../shared/seeds/) works as written.

The only substitutions are the page's placeholders: ids (``{org_id}``, ``{user_id}``, a
building that must exist first) and the API reference's ``"<string>"`` currency, which must be
the organisation's billing currency.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.factories import make_building, make_user
from tests.support.tenants import Tenant, TenantFactory

# The API reference's documented response keys (000_8bca179d96d261e7.txt).
REFERENCE_RESPONSE_KEYS = {
    "energy_contract_type",
    "energy_prices",
    "id",
    "building",
    "meter_id",
    "supplier",
    "currency_energy_price",
    "energy_price_includes_external_components",
}
# The parameter guide's fields (001_5d221c3fa036f76c.txt) that a contract carries.
GUIDE_KEYS = {"owner", "building", "meter_id", "supplier", "energy_contract_type"}

GUIDE_YEARLY = """{
    "energy_contract_type": "Yearly",
    "supplier": "Good Energy Company",
    "meter_id": "125328591095",
    "energy_price": [
      {
        "price": 0.25,
        "timestamp": "2024-01-01T00:00:00+00:00"
      }
    ],
    "currency_energy_price": "EUR",
    "energy_price_includes_external_components": true
  }"""

GUIDE_SPOT_HOURLY = """{
    "building": "016b78a7-0c7c-4241-a277-015c3ad3cb90",
    "energy_contract_type": "Spot Hourly",
    "supplier": "Dynamic Energy Co",
    "energy_price": [
      {"price": 0.15, "timestamp": "2024-01-15T00:00:00+00:00"},
      {"price": 0.18, "timestamp": "2024-01-15T01:00:00+00:00"},
      {"price": 0.22, "timestamp": "2024-01-15T02:00:00+00:00"}
    ],
    "currency_energy_price": "EUR",
    "energy_price_includes_external_components": false
  }"""

GUIDE_UPDATE_PRICES = """{
    "energy_price": [
      {"price": 0.19, "timestamp": "2024-02-01T00:00:00+00:00"}
    ]
  }"""

REFERENCE_POST = """
{
  "energy_contract_type": "spot_hourly",
  "energy_prices": [],
  "building_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "meter_id": "<string>",
  "supplier": "<string>",
  "currency_energy_price": "<string>",
  "energy_price_includes_external_components": true
}
"""


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant(currency="EUR", timezone="Europe/Vienna")


def exact(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = json.loads(response.text, parse_float=Decimal)
    return body


async def post_as_written(tenant: Tenant, user_id: str, text: str) -> httpx.Response:
    return await tenant.http.post(
        f"{tenant.base}/users/{user_id}/energy-contracts",
        content=text.encode(),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )


async def test_guide_yearly_fixed_price_then_update_prices(tenant: Tenant) -> None:
    user = await make_user(tenant)
    response = await post_as_written(tenant, user["id"], GUIDE_YEARLY)
    created = exact(response)
    assert created.keys() >= REFERENCE_RESPONSE_KEYS | GUIDE_KEYS
    assert response.headers["location"].endswith(created["id"])
    assert created["owner"] == user["id"]
    assert created["building"] is None
    assert created["energy_contract_type"] == "yearly"
    assert created["supplier"] == "Good Energy Company"
    assert created["meter_id"] == "125328591095"
    assert created["currency_energy_price"] == "EUR"
    assert created["energy_price_includes_external_components"] is True
    assert created["energy_prices"] == [
        {"price": Decimal("0.25"), "timestamp": "2024-01-01T00:00:00Z"}
    ]

    updated = exact(
        await tenant.http.put(
            f"{tenant.base}/users/{user['id']}/energy-contracts/{created['id']}",
            content=GUIDE_UPDATE_PRICES.encode(),
            headers={**tenant.headers, "Content-Type": "application/json"},
        )
    )
    assert updated.keys() >= REFERENCE_RESPONSE_KEYS
    assert updated["energy_prices"] == [
        {"price": Decimal("0.25"), "timestamp": "2024-01-01T00:00:00Z"},
        {"price": Decimal("0.19"), "timestamp": "2024-02-01T00:00:00Z"},
    ]
    # A yearly entry holds a calendar year of Vienna: 01:00 CET to 01:00 CET a year later.
    assert (created["prices_known_until"], updated["prices_known_until"]) == (
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
    )
    changing = ("energy_prices", "prices_known_until", "updated_at")
    assert {k: v for k, v in updated.items() if k not in changing} == {
        k: v for k, v in created.items() if k not in changing
    }


async def test_guide_spot_hourly_for_a_building(tenant: Tenant) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    text = GUIDE_SPOT_HOURLY.replace("016b78a7-0c7c-4241-a277-015c3ad3cb90", building["id"])
    created = exact(await post_as_written(tenant, user["id"], text))
    assert created.keys() >= REFERENCE_RESPONSE_KEYS | GUIDE_KEYS
    assert created["building"] == building["id"]
    assert created["energy_contract_type"] == "spot_hourly"
    assert created["price_interval_minutes"] == 60
    assert created["supplier"] == "Dynamic Energy Co"
    assert created["meter_id"] is None
    assert created["energy_price_includes_external_components"] is False
    assert [(p["timestamp"], p["price"]) for p in created["energy_prices"]] == [
        ("2024-01-15T00:00:00Z", Decimal("0.15")),
        ("2024-01-15T01:00:00Z", Decimal("0.18")),
        ("2024-01-15T02:00:00Z", Decimal("0.22")),
    ]


async def test_api_reference_post_body(tenant: Tenant) -> None:
    user = await make_user(tenant)
    building = await make_building(tenant, user["id"])
    text = REFERENCE_POST.replace("3c90c3cc-0d44-4b50-8888-8dd25736052a", building["id"]).replace(
        '"currency_energy_price": "<string>"', '"currency_energy_price": "EUR"'
    )
    created = exact(await post_as_written(tenant, user["id"], text))
    assert created.keys() >= REFERENCE_RESPONSE_KEYS
    assert created["energy_contract_type"] == "spot_hourly"
    assert created["energy_prices"] == []
    assert created["building"] == building["id"]
    assert created["meter_id"] == "<string>"
    assert created["supplier"] == "<string>"
    assert created["currency_energy_price"] == "EUR"
    assert created["energy_price_includes_external_components"] is True
    # The reference's own placeholder currency is not a currency: a 422 that names it.
    other = await make_building(tenant, user["id"])
    as_shown = REFERENCE_POST.replace("3c90c3cc-0d44-4b50-8888-8dd25736052a", other["id"])
    refused = await post_as_written(tenant, user["id"], as_shown)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["currency_energy_price"]


async def test_all_seed_contracts_coexist_for_one_user(tenant: Tenant) -> None:
    """User-level yearly plus two building contracts: the shapes the guide recommends."""
    user = await make_user(tenant)
    first, second = [await make_building(tenant, user["id"]) for _ in range(2)]
    exact(await post_as_written(tenant, user["id"], GUIDE_YEARLY))
    spot = GUIDE_SPOT_HOURLY.replace("016b78a7-0c7c-4241-a277-015c3ad3cb90", first["id"])
    exact(await post_as_written(tenant, user["id"], spot))
    reference = REFERENCE_POST.replace(
        "3c90c3cc-0d44-4b50-8888-8dd25736052a", second["id"]
    ).replace('"currency_energy_price": "<string>"', '"currency_energy_price": "EUR"')
    exact(await post_as_written(tenant, user["id"], reference))
    listed = json.loads((await tenant.get(f"users/{user['id']}/energy-contracts")).text)
    assert sorted((c["building"] or "", c["energy_contract_type"]) for c in listed) == sorted(
        [("", "yearly"), (first["id"], "spot_hourly"), (second["id"], "spot_hourly")]
    )
