"""The interactive docs in a real browser with no network: both render every operation, and
Swagger UI's Authorize gets a token through the clientCredentials flow and uses it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Partner, Served

pytestmark = pytest.mark.slow

API = "/api/partners/v2.0"
METHODS = {"get", "put", "post", "delete", "patch"}


def _documented_operations(served: Served) -> int:
    document = httpx.get(f"{served.base_url}{API}/openapi.json", timeout=30).json()
    return sum(1 for item in document["paths"].values() for method in item if method in METHODS)


def test_swagger_ui_renders_every_operation_offline(served: Served, page: Page) -> None:
    operations = _documented_operations(served)
    page.goto(f"{served.base_url}{API}/docs")
    page.wait_for_selector(".opblock")

    assert page.locator(".opblock").count() == operations
    assert page.locator(".info .title").inner_text().startswith("energy-contracts")


def test_redoc_renders_every_operation_offline(served: Served, page: Page) -> None:
    operations = _documented_operations(served)
    page.goto(f"{served.base_url}{API}/redoc")
    page.wait_for_selector("[data-section-id^='operation/']")

    assert page.locator("[data-section-id^='operation/']").count() == operations
    assert page.locator("h2", has_text="Get an access token").count() == 1


def test_swagger_authorize_gets_a_token_and_try_it_out_uses_it(
    served: Served, partner: Partner, page: Page
) -> None:
    page.goto(f"{served.base_url}{API}/docs")
    page.wait_for_selector(".opblock")

    page.click(".btn.authorize")
    page.fill("#client_id_clientCredentials", partner.client_id)
    page.fill("#client_secret_clientCredentials", partner.client_secret)
    with page.expect_response(lambda response: "/oauth2/token" in response.url) as token:
        page.click(".auth-btn-wrapper .btn.modal-btn.auth.authorize")
    assert token.value.status == 200
    assert token.value.request.post_data == "grant_type=client_credentials&scope=read+write"
    page.wait_for_selector(".auth-btn-wrapper .btn.modal-btn.auth:has-text('Logout')")
    page.click(".auth-btn-wrapper .btn-done")

    operation = page.locator(".opblock-get", has_text="/org/{org_id}").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("tr[data-param-name='org_id'] input").fill(str(partner.org_id))
    with page.expect_response(lambda response: f"/org/{partner.org_id}" in response.url) as got:
        operation.locator("button.execute").click()
    assert got.value.status == 200
    assert got.value.request.headers["authorization"].startswith("Bearer ")
    assert got.value.json()["id"] == str(partner.org_id)
