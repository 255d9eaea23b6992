"""One-line setup through the real API: ``await make_user(tenant)``, ``make_building``.

Each returns the created object's JSON; unique emails keep tests independent.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.tenants import Tenant


async def make_user(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"email": f"user-{uuid.uuid4().hex[:10]}@example.com", **fields}
    response = await tenant.post("users", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_building(tenant: Tenant, user_id: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Home", **fields}
    response = await tenant.post(f"users/{user_id}/buildings", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_contract(tenant: Tenant, user_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "energy_contract_type": "spot_hourly",
        "currency_energy_price": tenant.currency,
        **fields,
    }
    response = await tenant.post(f"users/{user_id}/energy-contracts", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_series(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": f"series-{uuid.uuid4().hex[:10]}", "interval_minutes": 60, **fields}
    response = await tenant.post("price-series", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created
