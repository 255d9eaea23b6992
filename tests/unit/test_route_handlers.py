"""``api.handlers``: guards get the route handler itself, in order, and still refuse."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

import energy_contracts
from energy_contracts.api.handlers import ApiRouteHandler, delete, get, post, put


def test_every_guard_gets_the_handler_itself_in_order() -> None:
    seen: list[tuple[str, BaseRouteHandler]] = []

    def recorder(name: str) -> Any:
        async def guard(
            _connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
        ) -> None:
            seen.append((name, handler))

        return guard

    @get("/thing", sync_to_thread=False)
    def read() -> str:
        return "read"

    @post("/thing", sync_to_thread=False, status_code=200)
    def write() -> str:
        return "written"

    @put("/thing", sync_to_thread=False)
    def replace() -> str:
        return "replaced"

    @delete("/thing", sync_to_thread=False, status_code=200)
    def remove() -> str:
        return "removed"

    router = Router(
        "/api", route_handlers=[read, write, replace, remove], guards=[recorder("router")]
    )
    app = Litestar([router], guards=[recorder("app")])
    with TestClient(app) as client:
        for method, handler in [
            ("GET", read),
            ("POST", write),
            ("PUT", replace),
            ("DELETE", remove),
        ]:
            seen.clear()
            answer = client.request(method, "/api/thing")
            assert answer.status_code == 200
            assert [name for name, _ in seen] == ["app", "router"]
            # The registered handler itself: the one the app's routes hold, not a copy.
            (route,) = [
                r for r in app.routes if isinstance(r, HTTPRoute) and r.path == "/api/thing"
            ]
            registered = route.route_handler_map[method][0]  # type: ignore[index]
            assert all(given is registered for _, given in seen)
            assert registered.fn is handler.fn


def test_a_guard_that_raises_refuses_the_request() -> None:
    async def refuse(
        _connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
    ) -> None:
        raise NotAuthorizedException("no")

    called = []

    @get("/thing", sync_to_thread=False, guards=[refuse])
    def read() -> str:
        called.append(True)
        return "read"

    with TestClient(Litestar([read])) as client:
        assert client.get("/thing").status_code == 401
    assert called == []


@pytest.mark.parametrize(
    ("decorator", "status"), [(get, 200), (post, 201), (put, 200), (delete, 204)]
)
def test_each_decorator_answers_its_method_with_litestars_default_status(
    decorator: Callable[..., ApiRouteHandler], status: int
) -> None:
    @decorator("/thing", sync_to_thread=False)
    def handle() -> None:
        return None

    method = decorator.__name__.upper()
    with TestClient(Litestar([handle])) as client:
        assert client.request(method, "/thing").status_code == status
        assert client.request("PATCH", "/thing").status_code == 405


API_CONTROLLERS = ("orgs", "users", "buildings", "contracts", "series", "tariffs", "effective")
LITESTARS_DECORATORS = {"get", "post", "put", "patch", "delete", "route"}


@pytest.mark.parametrize("domain", API_CONTROLLERS)
def test_api_controllers_take_their_route_decorators_from_api_handlers(domain: str) -> None:
    """Litestar's own decorators would still guard a route, but copy its handler for every
    guard on every request: the API's take ``api.handlers``' instead."""
    source = Path(energy_contracts.__file__).parent / domain / "controller.py"
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module in ("litestar", "litestar.handlers")
        for alias in node.names
    }
    assert not imported & LITESTARS_DECORATORS
