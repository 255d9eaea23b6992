"""Typed domain errors, rendered once as RFC 9457 ``application/problem+json``.

Services raise ``NotFound``, ``Conflict(existing_contract_id=...)``, ``Unprocessable(...)``;
one handler renders them. Broad exceptions such as ``ValueError`` are deliberately *not*
mapped to 4xx: an unexpected error is a bug and must surface as one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import msgspec
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from energy_contracts.db.engine import DatabaseUnavailableError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://energy-contracts.dev/problems/"
DATABASE_RETRY_AFTER_SECONDS = 2

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class ProblemError(Exception):
    """An error the client can act on. Subclasses fix the status and the problem type."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extra = extra

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(ProblemError):
    status = 400
    slug = "malformed-request"


class Unauthorized(ProblemError):
    status = 401
    slug = "unauthorized"

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        # RFC 6750 §3: no error code when the request carried no credentials at all.
        challenge = 'Bearer realm="energy-contracts"'
        if error:
            challenge += f', error="{error}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ProblemError):
    status = 403
    slug = "insufficient-scope"


class NotFound(ProblemError):
    status = 404
    slug = "not-found"

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail)


class Conflict(ProblemError):
    status = 409
    slug = "conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"


class Unprocessable(ProblemError):
    status = 422
    slug = "validation-error"

    @classmethod
    def field(cls, field: str, message: str) -> Unprocessable:
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class TooManyRequests(ProblemError):
    status = 429
    slug = "rate-limited"


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "database-unavailable"


_encoder = msgspec.json.Encoder(decimal_format="number")


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(extra or {})
    return Response(
        _encoder.encode(body),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=dict(headers or {}),
    )


def render_problem(error: ProblemError) -> Response:
    return problem_response(
        error.status,
        error.detail,
        slug=error.slug,
        errors=error.errors,
        headers=error.headers,
        extra=error.extra,
    )


def _field_path(location: Sequence[int | str]) -> str:
    """``('body', 'energy_prices', 3, 'timestamp')`` → ``energy_prices[3].timestamp``."""
    path = ""
    for part in location[1:] if location and location[0] in _SOURCES else location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or str(location[0] if location else "body")


_SOURCES = ("body", "query", "path", "header", "cookie")


async def _on_problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return render_problem(exc)


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(error.get("type") == "json_invalid" for error in raw):
        return problem_response(400, "The request body is not valid JSON.", slug="malformed-json")
    errors = [FieldError(_field_path(error.get("loc", ())), error["msg"]) for error in raw]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(422, detail, slug="validation-error", errors=errors)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # The router names the methods of the one route it tried; RFC 9110 wants all of
        # the path's (GET, PUT and DELETE of one path are separate routes).
        headers["Allow"] = _allowed_methods(request)
    return problem_response(exc.status_code, str(exc.detail), slug=slug, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods))


def is_database_unavailable(exc: BaseException) -> bool:
    """Only connection-level failures are a 503; see ``db.engine`` for how they are told
    apart (a constraint violation, a syntax error or a bug is never "unavailable")."""
    if isinstance(exc, DatabaseUnavailableError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_unavailable_response() -> Response:
    return problem_response(
        503,
        "The database is unavailable; retry later.",
        slug="database-unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


async def _on_database_error(_request: Request, exc: Exception) -> Response:
    if not is_database_unavailable(exc):
        raise exc  # a bug or an unhandled constraint: a 500, never disguised as a 503
    log.warning("database_unavailable", error=type(exc).__name__)
    return database_unavailable_response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    for database_error in (DBAPIError, PoolTimeoutError, DatabaseUnavailableError):
        app.add_exception_handler(database_error, _on_database_error)
