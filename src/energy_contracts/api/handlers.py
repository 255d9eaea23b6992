"""The API's route decorators: Litestar's, except that a guard is handed the handler itself.

Litestar 2.25 hands every guard ``copy(handler)``, on every request, so that no guard can
change the handler. Our guards (``app.api_guards``) only read it: its ``opt`` and its
identity. Copying a resolved handler, and collecting the copy, took about 25 µs of the
effective-prices read's 760 µs of CPU, measured in process (docs/performance.md): 3 % of
what the read can serve. Every API controller takes its decorators from here; a unit test
fails if a Litestar upgrade stops calling ``authorize_connection``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler

Path = str | Sequence[str] | None


class ApiRouteHandler(HTTPRouteHandler):
    """Litestar's route handler (``litestar.route``), handing guards the handler itself."""

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Litestar's, without the copy: each guard in scope, in order, with this handler."""
        for guard in self.resolve_guards():
            # ``resolve_guards`` made each one async, whatever it was declared as.
            await guard(connection, self)  # type: ignore[misc]


# As Litestar's ``get``, ``post``, ``put`` and ``delete``, which only name the method (their
# classes are not to be subclassed: deprecated in 2.x).
def get(path: Path = None, **options: Any) -> ApiRouteHandler:
    return ApiRouteHandler(path, http_method=HttpMethod.GET, **options)


def post(path: Path = None, **options: Any) -> ApiRouteHandler:
    return ApiRouteHandler(path, http_method=HttpMethod.POST, **options)


def put(path: Path = None, **options: Any) -> ApiRouteHandler:
    return ApiRouteHandler(path, http_method=HttpMethod.PUT, **options)


def delete(path: Path = None, **options: Any) -> ApiRouteHandler:
    return ApiRouteHandler(path, http_method=HttpMethod.DELETE, **options)
