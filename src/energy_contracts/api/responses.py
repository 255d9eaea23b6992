"""JSON answers that keep decimals exact.

Every handler's answer is rendered by ``ExactJSON`` (the app's response class): Decimals are
written as JSON numbers with their exact digits, so a price comes back as the same decimal
value it was sent as; instants are written in UTC with ``Z``.

A layer that must keep an answer exactly as sent (the idempotency layer stores it in the
request's transaction, before it is sent) asks for it with ``keep_rendered_answer``; the
answer is then left in the request's state as it is rendered.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.response.base import ASGIResponse
from litestar.types import Scope

S = TypeVar("S", bound=msgspec.Struct)

_encoder = msgspec.json.Encoder(decimal_format="number")
_RENDERED = "energy_contracts.rendered_answer"


def encode_json(content: Any) -> bytes:
    return _encoder.encode(content)


class ExactJSON(Response[Any]):
    """Litestar's ``Response`` with msgspec's exact decimal numbers (its default encoder
    writes a Decimal as a float or a string)."""

    def render(self, content: Any, media_type: str, enc_hook: Any = None) -> bytes:
        if isinstance(content, bytes):
            return content
        if media_type.startswith("application/") and media_type.endswith("json"):
            return _encoder.encode(content)
        return super().render(content, media_type, enc_hook)

    def to_asgi_response(
        self, app: Any, request: Request[Any, Any, Any], **kwargs: Any
    ) -> ASGIResponse:
        answer = super().to_asgi_response(app, request, **kwargs)
        state = request.scope["state"]
        if _RENDERED in state:
            state[_RENDERED] = answer
        return answer


def keep_rendered_answer(scope: Scope) -> None:
    """Ask for this request's answer to be left in its state when it is rendered."""
    scope["state"][_RENDERED] = None


def rendered_answer(scope: Scope) -> ASGIResponse | None:
    """The answer rendered for this request, if ``keep_rendered_answer`` asked for it."""
    answer: ASGIResponse | None = scope["state"].get(_RENDERED)
    return answer


def absolute_url(connection: ASGIConnection[Any, Any, Any, Any], path_and_query: str) -> str:
    """``path_and_query`` (starting with '/') as a URL clients can follow: on
    ``ENERGY_CONTRACTS_PUBLIC_URL`` when it is set, else on the base the request came to
    (whose Host the request context checked against the allow-list)."""
    public_url: str | None = connection.app.state.settings.public_url
    base = public_url if public_url is not None else str(connection.base_url).rstrip("/")
    return f"{base}{path_and_query}"


def location(
    request: Request[Any, Any, Any], route_name: str, **path_params: Any
) -> dict[str, str]:
    """The ``Location`` header of a created object: the URL of the route that reads it."""
    path = request.app.route_reverse(route_name, **path_params)
    return {"Location": absolute_url(request, path)}


def from_row(out: type[S], row: object, **renamed: str) -> S:
    """The answer type ``out`` filled from ``row``'s attributes of the same names;
    ``renamed`` names the attribute of a field called differently on the row
    (``organization_id="org_id"``)."""
    return out(**{name: getattr(row, renamed.get(name, name)) for name in out.__struct_fields__})
