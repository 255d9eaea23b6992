"""Unknown query parameters are a 422 (SPEC §1: a typo is never silently dropped), and so
are values holding a NUL character.

``reject_unknown_query_parameters`` is a guard of the whole API: it compares the request's
query parameter names with those the matched handler declares — its own and its
dependencies', by alias (``from``, not ``from_``), as the framework resolved them for that
route — so a handler needs nothing of its own.

It runs after the caller is authenticated and its scope checked (the guards before it): a
request without a valid token is a 401 whatever its query, and a token in the query
(``?access_token=``) is never mistaken for a typo. It runs before the path's objects are
looked up, so a 422 for a typo says nothing about what exists.

``explain_parameter`` says why the framework refused a declared parameter, from its type.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from energy_contracts.api.explain import expectation
from energy_contracts.api.routes import declared_parameters
from energy_contracts.errors import FieldError, Unprocessable

UNKNOWN = "is not a parameter of this endpoint"
NUL = "must not contain NUL characters"


async def reject_unknown_query_parameters(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    if not connection.scope.get("query_string"):
        return
    declared = declared_parameters(connection.app).query.get(id(connection.route_handler))
    if declared is None:
        return
    # One pass over the parameters (each ``query_params`` is a new MultiDict): the names in
    # the order sent, each once; a NUL matters only where every name is known. ``items()``,
    # not ``multi_items()``: Litestar's goes through a set of the names, in no set order.
    unknown: dict[str, None] = {}
    holding_nul: dict[str, None] = {}
    for name, value in connection.query_params.items():
        if name not in declared:
            unknown[name] = None
        elif "\x00" in value:
            holding_nul[name] = None
    if unknown:
        raise Unprocessable(errors=[FieldError(name, UNKNOWN) for name in unknown])
    if holding_nul:
        raise Unprocessable(errors=[FieldError(name, NUL) for name in holding_nul])


def explain_parameter(request: Request[Any, Any, Any], name: str, location: str) -> tuple[str, str]:
    """The refused parameter ``name`` as the client sends it, and what its declared type
    says it must be."""
    declared = declared_parameters(request.app).find(request.route_handler, name)
    if declared is None or declared.annotation is None:
        return name, "is invalid"
    return declared.alias, expectation(declared.annotation)


def missing_parameters(request: Request[Any, Any, Any]) -> list[str]:
    """The required parameters this request does not carry, as the client would send them."""
    missing = []
    for declared in declared_parameters(request.app).parameters.get(id(request.route_handler), ()):
        if not declared.required:
            continue
        present = (
            declared.alias in request.query_params
            if declared.location == "query"
            else declared.alias.lower() in request.headers
            if declared.location == "header"
            else True
        )
        if not present:
            missing.append(declared.alias)
    return missing
