"""What the app's routes declare, read once from the routes themselves: each handler's
parameters (for the query check and for explaining refused parameters) and each path's
methods (for ``OPTIONS``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request, Response
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute


@dataclass(frozen=True, slots=True)
class Declared:
    name: str
    """As the handler (or a dependency) calls it."""
    alias: str
    """As the client sends it."""
    location: str
    required: bool
    annotation: Any


class DeclaredParameters:
    """What each route handler of an app declares, read once from the app's routes."""

    def __init__(self, app: Litestar) -> None:
        # By identity: the handler objects of the app live as long as the app.
        self.query: dict[int, frozenset[str]] = {}
        self.parameters: dict[int, list[Declared]] = {}
        self.methods: dict[str, str] = {}
        for route in app.routes:
            if not isinstance(route, HTTPRoute):
                continue
            self.methods[route.path_format] = ", ".join(sorted(route.methods))
            for handler, model in route.route_handler_map.values():
                self.query[id(handler)] = frozenset(
                    p.field_alias for p in model.expected_query_params
                )
                annotations = _annotations(handler)
                self.parameters[id(handler)] = [
                    Declared(
                        param.field_name,
                        param.field_alias,
                        location,
                        param.is_required,
                        annotations.get(param.field_name),
                    )
                    for location, params in (
                        ("query", model.expected_query_params),
                        ("path", model.expected_path_params),
                        ("header", model.expected_header_params),
                    )
                    for param in params
                ]

    def find(self, handler: object, name: str) -> Declared | None:
        """The parameter the handler calls (or the client sends as) ``name``."""
        for declared in self.parameters.get(id(handler), ()):
            if name in (declared.name, declared.alias):
                return declared
        return None


def _annotations(handler: HTTPRouteHandler) -> dict[str, Any]:
    """Each parameter of the handler and of its dependencies, by name, with its type."""
    signatures = [handler.parsed_fn_signature]
    signatures += [
        provide.parsed_fn_signature for provide in handler.resolve_dependencies().values()
    ]
    return {
        name: field.annotation
        for signature in signatures
        for name, field in signature.parameters.items()
    }


_DECLARED = "energy_contracts.declared_parameters"


def declared_parameters(app: Litestar) -> DeclaredParameters:
    declared: DeclaredParameters | None = app.state.get(_DECLARED)
    if declared is None:
        declared = DeclaredParameters(app)
        app.state[_DECLARED] = declared
    return declared


async def answer_options(request: Request[Any, Any, Any]) -> Response[None] | None:
    """``OPTIONS``: the path's methods. Litestar answers it by itself, but from the route as
    it was when the path's first handlers were registered (2.25: ``Allow: DELETE,
    OPTIONS`` for a path that also has GET and PUT), so the answer is given here."""
    if request.method != "OPTIONS":
        return None
    template = request.scope.get("path_template", "")
    allowed = declared_parameters(request.app).methods.get(template, "OPTIONS")
    return Response(None, status_code=204, headers={"Allow": allowed})
