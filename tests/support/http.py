"""Assertions on API responses that the API tests share."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.support.tenants import Tenant

PROBLEM = "application/problem+json"
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def exact(response: httpx.Response, status: int = 200) -> Any:
    """The body, with every JSON number as its exact Decimal."""
    assert response.status_code == status, response.text
    return json.loads(response.text, parse_float=Decimal)


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """A problem+json answer with ``status``, naming exactly ``fields`` (if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= problem.keys()
    if fields:
        assert sorted({e["field"] for e in problem["errors"]}) == sorted(fields), problem
    return problem


def problem_fields(response: httpx.Response) -> list[str]:
    """The fields a problem+json response names; also checks that it is one."""
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == response.status_code
    return [error["field"] for error in body.get("errors", [])]


def instant(value: str) -> datetime:
    """A returned timestamp: UTC with ``Z``."""
    assert INSTANT.match(value), value
    return datetime.fromisoformat(value)


def next_url(response: httpx.Response) -> str | None:
    """The URL of ``Link: <...>; rel="next"``, if there is one."""
    link = response.headers.get("link")
    if link is None:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match is not None, link
    return match[1]


async def assert_each_is_404(
    client: Tenant, attempts: Sequence[tuple[str, str, Any]], detail: str
) -> None:
    """Each ``(method, URL, JSON body)`` sent with ``client``'s token is the same 404: the
    answer never tells what exists elsewhere."""
    for method, url, body in attempts:
        response = await client.http.request(method, url, json=body, headers=client.headers)
        assert response.status_code == 404, (method, url)
        assert response.json()["detail"] == detail


# More pages than any test's list has: a cursor that does not move on fails, not hangs.
MAX_PAGES = 200


async def walk_pages(tenant: Tenant, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following ``Link: rel="next"`` from the first, which must keep
    to the same path."""
    pages: list[list[dict[str, Any]]] = []
    response = await tenant.get(path, params=params)
    while len(pages) < MAX_PAGES:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = next_url(response)
        if url is None:
            return pages
        assert url.startswith(f"http://testserver{tenant.base}/{path}?"), url
        response = await tenant.http.get(url, headers=tenant.headers)
    raise AssertionError(f"{path}: still a next page after {MAX_PAGES} pages")


async def list_all(tenant: Tenant, path: str) -> list[dict[str, Any]]:
    """A whole list that fits on one page."""
    response = await tenant.get(path)
    assert response.status_code == 200
    assert "link" not in response.headers
    items: list[dict[str, Any]] = response.json()
    return items


def micros(value: str) -> int:
    """A returned timestamp as microseconds since 1970 (the instant part of a cursor)."""
    return (instant(value) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


async def openapi_document(http: httpx.AsyncClient) -> dict[str, Any]:
    """The service's OpenAPI document, as clients fetch it."""
    response = await http.get("/api/partners/v2.0/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or the component its ``$ref`` (or its one ``allOf``) names."""
    while "$ref" in schema or len(schema.get("allOf", ())) == 1:
        if "allOf" in schema:
            schema = schema["allOf"][0]
        else:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema
