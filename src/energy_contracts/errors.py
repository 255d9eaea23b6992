"""Typed domain errors, rendered once as RFC 9457 ``application/problem+json``.

Services raise ``NotFound``, ``Conflict(existing_contract_id=...)``, ``Unprocessable(...)``;
they are Litestar's ``ProblemDetailsException``, so the problem-details plugin renders them.
``exception_handlers`` adds the framework's own refusals (no route, wrong method, a query
parameter of the wrong type, a body too large) and the database's outages in the same shape.
Broad exceptions such as ``ValueError`` are deliberately *not* mapped to 4xx: an unexpected
error is a bug and must surface as one (a 500, logged with its traceback).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from energy_contracts.db.engine import DatabaseUnavailableError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://energy-contracts.dev/problems/"
DATABASE_RETRY_AFTER_SECONDS = 2

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class FieldErrorOut(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem: what every 4xx and 5xx answer of the API carries. Some problems
    add members (``existing_contract_id`` on a 409, ``contract_count``, ...)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | msgspec.UnsetType = msgspec.UNSET


_encoder = msgspec.json.Encoder(decimal_format="number")


class ProblemError(ProblemDetailsException):
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
        super().__init__(detail=detail, status_code=self.status, headers=dict(headers or {}))
        self.detail = detail
        self.errors = list(errors)
        self.members = extra

    @property
    def title_text(self) -> str:
        return HTTPStatus(self.status).phrase

    def body(self) -> bytes:
        return problem_body(self.status, self.detail, self.slug, self.errors, self.members)

    def to_response(self, request: Request[Any, Any, Any] | None = None) -> Response[Any]:
        return Response(
            self.body(),
            status_code=self.status,
            media_type=PROBLEM_CONTENT_TYPE,
            headers=dict(self.headers or {}),
        )


def problem_body(
    status: int,
    detail: str,
    slug: str,
    errors: Sequence[FieldError] = (),
    members: Mapping[str, Any] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(members or {})
    return _encoder.encode(body)


class BadRequest(ProblemError):
    status = 400
    slug = "malformed-request"


class MalformedJson(ProblemError):
    status = 400
    slug = "malformed-json"

    def __init__(self, detail: str = "The request body is not valid JSON.") -> None:
        super().__init__(detail)


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


class MethodNotAllowed(ProblemError):
    status = 405
    slug = "method-not-allowed"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"


class RequestTimeout(ProblemError):
    status = 408
    slug = "request-timeout"

    def __init__(self, seconds: float) -> None:
        # The rest of the body may still be on its way: the connection cannot be reused.
        super().__init__(
            f"The request body did not arrive within {seconds:g} seconds.",
            headers={"Connection": "close"},
        )


class ClientDisconnected(Exception):
    """The client went away before its request was read: nobody is left to answer."""


CLIENT_CLOSED_REQUEST = 499
"""The status the access log and the metrics give a request whose client went away (as
nginx does); it is never sent."""


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"

    def __init__(self, limit_bytes: int) -> None:
        # The rest of the body is not read: the connection cannot carry another request.
        super().__init__(
            f"The request body is larger than {limit_bytes} bytes.",
            headers={"Connection": "close"},
        )


class Unprocessable(ProblemError):
    status = 422
    slug = "validation-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if detail is None:
            detail = describe(errors)
        super().__init__(detail, errors=errors, headers=headers, **extra)

    @classmethod
    def field(cls, field: str, message: str) -> Unprocessable:
        return cls(errors=[FieldError(field, message)])


def describe(errors: Sequence[FieldError], shown: int = 3) -> str:
    """``field: message; ...`` for the ``detail`` of a 422 (the first few; ``errors`` has all)."""
    text = "; ".join(f"{e.field}: {e.message}" for e in errors[:shown])
    more = len(errors) - shown
    return f"{text} (and {more} more)" if more > 0 else text


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "database-unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    def __init__(self, detail: str = "The database is unavailable; retry later.") -> None:
        super().__init__(detail, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


class CommitOutcomeUnknown(ServiceUnavailable):
    """The connection broke while COMMIT was on its way: the work may or may not be stored.
    A retry with the same ``Idempotency-Key`` gets the committed answer if there is one."""

    slug = "commit-outcome-unknown"

    def __init__(self) -> None:
        super().__init__(
            "The database connection broke while the change was being committed: it may or "
            "may not have been stored. Retry with the same Idempotency-Key to find out.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )


def is_database_unavailable(exc: BaseException) -> bool:
    """Only connection-level failures are a 503; see ``db.engine`` for how they are told
    apart (a constraint violation, a syntax error or a bug is never "unavailable")."""
    if isinstance(exc, DatabaseUnavailableError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# --- the framework's own refusals, in the same shape -------------------------------------


def _not_found(_request: Request[Any, Any, Any], _exc: NotFoundException) -> Response[bytes]:
    return NotFound().to_response()


def _method_not_allowed(
    _request: Request[Any, Any, Any], exc: MethodNotAllowedException
) -> Response[bytes]:
    # The router names every method of the path (``Allow``), as RFC 9110 wants.
    headers = dict(exc.headers or {})
    allowed = headers.get("Allow") or headers.get("allow")
    if allowed:
        headers = {"Allow": ", ".join(sorted(method.strip() for method in allowed.split(",")))}
    return MethodNotAllowed("This path does not take that method.", headers=headers).to_response()


ParameterExplainer = Callable[[Request[Any, Any, Any], str, str], tuple[str, str]]
"""``(request, name, location) -> (field, message)``: a parameter the framework refused, as
the client names it, and why it is wrong, said from its declared type (the API layer knows
the types; the framework's words are not ours to pass on)."""
MissingParameters = Callable[[Request[Any, Any, Any]], list[str]]
"""The required parameters a request lacks (the framework says so only in words)."""


def _http_error_handler(
    max_body_bytes: int,
    explain_parameter: ParameterExplainer,
    missing_parameters: MissingParameters,
) -> Callable[[Request[Any, Any, Any], HTTPException], Response[bytes]]:
    def handle(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
        """Refusals the framework words itself: a body over the size limit (413), a query
        parameter of the wrong type (``ValidationException``), and the rest by status."""
        status = exc.status_code
        if status == 413:
            return PayloadTooLarge(max_body_bytes).to_response()
        if isinstance(exc, ValidationException):
            refused = _parameter_problem(request, exc, explain_parameter, missing_parameters)
            return refused.to_response()
        slug = {400: "malformed-request", 404: "not-found"}.get(status, "http-error")
        body = problem_body(status, str(exc.detail), slug)
        return Response(
            body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=exc.headers or {}
        )

    return handle


def _parameter_problem(
    request: Request[Any, Any, Any],
    exc: ValidationException,
    explain_parameter: ParameterExplainer,
    missing_parameters: MissingParameters,
) -> ProblemError:
    """The framework refused a parameter; its ``extra`` names key and source (structured),
    except for a missing one, which the declared parameters tell."""
    refused = exc.extra if isinstance(exc.extra, list) else []
    errors = [FieldError(name, "is required") for name in missing_parameters(request)]
    for item in refused:
        if not isinstance(item, dict):
            continue
        key, source = str(item.get("key", "")), str(item.get("source", ""))
        if source == "body":  # no body where one is needed
            return MalformedJson("The request body is empty; send a JSON object.")
        errors.append(FieldError(*explain_parameter(request, key, source)))
    if not errors:
        return BadRequest("The request is malformed.")
    return Unprocessable(errors=errors)


def _client_disconnected(
    request: Request[Any, Any, Any], _exc: ClientDisconnected
) -> Response[bytes]:
    log.info("client_disconnected", method=request.method, route=request.scope.get("path_template"))
    return Response(b"", status_code=CLIENT_CLOSED_REQUEST)


def _database_error(_request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if not is_database_unavailable(exc):
        return _internal_error(_request, exc)
    log.warning("database_unavailable", error=type(exc).__name__)
    return DatabaseUnavailable().to_response()


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.error(
        "unhandled_error",
        method=request.method,
        route=request.scope.get("path_template"),
        exc_info=exc,
    )
    body = problem_body(500, "An unexpected error occurred; it has been logged.", "internal-error")
    # The failure may have left the request half read: do not reuse the connection.
    return Response(
        body, status_code=500, media_type=PROBLEM_CONTENT_TYPE, headers={"Connection": "close"}
    )


def exception_handlers(
    *,
    max_body_bytes: int,
    explain_parameter: ParameterExplainer,
    missing_parameters: MissingParameters,
) -> ExceptionHandlersMap:
    return {
        NotFoundException: _not_found,
        MethodNotAllowedException: _method_not_allowed,
        HTTPException: _http_error_handler(max_body_bytes, explain_parameter, missing_parameters),
        DBAPIError: _database_error,
        PoolTimeoutError: _database_error,
        DatabaseUnavailableError: _database_error,
        ClientDisconnected: _client_disconnected,
        Exception: _internal_error,
    }
