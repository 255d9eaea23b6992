"""Unknown query parameters are a 422 (SPEC §1: a typo is never silently dropped).

``RejectUnknownQuery`` is a dependency of the whole API router: it compares the request's
query parameter names with those the matched route declares — its own and its
dependencies', by alias (``from``, not ``start``) — so a route needs nothing of its own.

It runs after the caller is authenticated (every API route needs a token): a request without
a valid token is a 401 whatever its query, and a token in the query (``?access_token=``) is
never mistaken for a typo. It runs before the path's objects are looked up, so a 422 for a
typo says nothing about what exists.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from energy_contracts.auth.dependencies import Caller
from energy_contracts.errors import FieldError, Unprocessable

UNKNOWN = "unknown query parameter"


def declared_query_parameters(dependant: Dependant) -> set[str]:
    """The query parameter names of a route's dependant and all its sub-dependants."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        names.update(field.alias for field in current.query_params)
        pending.extend(current.dependencies)
    return names


async def reject_unknown_query_parameters(request: Request, _caller: Caller) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = declared_query_parameters(route.dependant)
    errors = [FieldError(name, UNKNOWN) for name in request.query_params if name not in declared]
    if errors:
        raise Unprocessable("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


RejectUnknownQuery = Depends(reject_unknown_query_parameters)
