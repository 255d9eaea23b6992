"""One-line test setup: an organisation with a client and a real access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from energy_contracts.db.engine import Database
from energy_contracts.orgs import clients
from energy_contracts.orgs import service as orgs


@dataclass
class Tenant:
    org_id: uuid.UUID
    client_id: str
    client_secret: str
    token: str
    currency: str
    timezone: str
    http: httpx.AsyncClient = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def base(self) -> str:
        """The organisation's API root, e.g. ``/api/partners/v2.0/org/<id>``."""
        return f"/api/partners/v2.0/org/{self.org_id}"

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(self._url(path), **self._with_auth(kwargs))

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(self._url(path), **self._with_auth(kwargs))

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.put(self._url(path), **self._with_auth(kwargs))

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.delete(self._url(path), **self._with_auth(kwargs))

    def _with_auth(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Extra headers are added to the token's ``Authorization`` header, not instead of it."""
        return {**kwargs, "headers": {**self.headers, **kwargs.get("headers", {})}}

    def _url(self, path: str) -> str:
        """Paths starting with '/' are absolute; others are relative to the org root."""
        return path if path.startswith("/") else f"{self.base}/{path}" if path else self.base


@dataclass
class TenantFactory:
    database: Database
    http: httpx.AsyncClient

    async def __call__(
        self,
        *,
        currency: str = "EUR",
        timezone: str = "Europe/Vienna",
        scope: str = "read write",
        name: str = "Test Org",
    ) -> Tenant:
        async with self.database.session() as session:
            organisation = await orgs.create_organisation(
                session, name=name, currency=currency, timezone=timezone
            )
            new = await clients.create_client(
                session, org_id=organisation.id, scope=scope, name="tests"
            )
        return await self._tenant(organisation.id, new, organisation.billing_currency, timezone)

    async def another_client(self, tenant: Tenant, *, scope: str) -> Tenant:
        """A second client of the same organisation, e.g. a read-only one."""
        async with self.database.session() as session:
            new = await clients.create_client(
                session, org_id=tenant.org_id, scope=scope, name="tests"
            )
        return await self._tenant(tenant.org_id, new, tenant.currency, tenant.timezone)

    async def _tenant(
        self, org_id: uuid.UUID, new: clients.NewClient, currency: str, timezone: str
    ) -> Tenant:
        token = await fetch_token(self.http, new.client.client_id, new.secret)
        return Tenant(
            org_id=org_id,
            client_id=new.client.client_id,
            client_secret=new.secret,
            token=token,
            currency=currency,
            timezone=timezone,
            http=self.http,
        )


async def fetch_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/oauth2/token/",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
