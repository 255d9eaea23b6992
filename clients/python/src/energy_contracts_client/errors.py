"""Typed errors: every problem+json answer of the API becomes an ``ApiError`` subclass.

``except ValidationError as error: error.errors`` lists the fields the server refused;
``except ConflictError as error: error.existing_contract_id`` names the contract in the way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import httpx
import msgspec

from energy_contracts_client._retry import retry_after_seconds

PROBLEM_CONTENT_TYPE = "application/problem+json"


class EnergyContractsError(Exception):
    """Base of every error this client raises."""


class ConnectionFailedError(EnergyContractsError):
    """The service could not be reached (after the retries the policy allows)."""

    @classmethod
    def of(cls, request: httpx.Request, error: httpx.TransportError) -> ConnectionFailedError:
        return cls(f"{request.method} {request.url}: {type(error).__name__}: {error}")


class UnexpectedResponseError(EnergyContractsError):
    """The service answered with a body this client cannot read."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field: ``energy_prices[3].timestamp`` and why."""

    field: str
    message: str


class _Problem(msgspec.Struct):
    title: str | None = None
    detail: str | None = None
    type: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)
    existing_contract_id: uuid.UUID | None = None
    contract_count: int | None = None


class _OAuthProblem(msgspec.Struct):
    error: str | None = None
    error_description: str | None = None


class ApiError(EnergyContractsError):
    """An error answer of the API (RFC 9457 problem+json)."""

    status_for: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type: str | None = None,
        errors: list[FieldError] | None = None,
        body: Any = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}" if detail else f"{status} {title}")
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors: list[FieldError] = list(errors or [])
        self.body = body
        self.headers = headers or httpx.Headers()

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-ID``, to quote when asking the operator about a failure."""
        value: str | None = self.headers.get("x-request-id")
        return value


class BadRequestError(ApiError):
    status_for = (400,)


class AuthenticationError(ApiError):
    """401: no or an invalid token, or the token endpoint refused the client credentials.

    For the token endpoint, ``oauth_error`` carries the RFC 6749 §5.2 code
    (``invalid_client``, ``invalid_scope`` ...).
    """

    status_for = (401,)
    oauth_error: str | None = None


class PermissionDeniedError(ApiError):
    """403: the token lacks the scope (a ``read``-only client writing)."""

    status_for = (403,)


class NotFoundError(ApiError):
    """404: it does not exist, or it is not under the path asked (the API never tells which)."""

    status_for = (404,)


class ConflictError(ApiError):
    """409: a duplicate (email, external id, a name of a series or tariff, a second contract
    for a building or user), deleting a series or tariff that contracts still use
    (``contract_count`` says how many), or a request repeated with an Idempotency-Key while
    the first is still running."""

    status_for = (409,)

    def __init__(
        self,
        *args: Any,
        existing_contract_id: uuid.UUID | None = None,
        contract_count: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing_contract_id = existing_contract_id
        self.contract_count = contract_count


class PreconditionFailedError(ApiError):
    """412 (stale ``If-Match`` ETag) or 428 (a precondition is required)."""

    status_for = (412, 428)


class PayloadTooLargeError(ApiError):
    status_for = (413,)


class ValidationError(ApiError):
    """422: a field is invalid; ``errors`` names each one."""

    status_for = (422,)


class RetryableError(ApiError):
    """An answer that says "try again later"; ``retry_after`` is the server's advice in
    seconds, when it gave one. Raised once the retry policy's attempts or wait are spent."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    status_for = (429,)


class ServiceUnavailableError(RetryableError):
    status_for = (503,)


class ServerError(ApiError):
    """Any other 5xx: a fault of the service, not of the request."""


_BY_STATUS: dict[int, type[ApiError]] = {
    status: error_type
    for error_type in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        PreconditionFailedError,
        PayloadTooLargeError,
        ValidationError,
        RateLimitedError,
        ServiceUnavailableError,
    )
    for status in error_type.status_for
}

_problem_decoder = msgspec.json.Decoder(_Problem)
_oauth_decoder = msgspec.json.Decoder(_OAuthProblem)


def api_error(response: httpx.Response) -> ApiError:
    """The typed error for an error response of an API endpoint."""
    status = response.status_code
    try:
        problem = _problem_decoder.decode(response.content)
        body: Any = msgspec.json.decode(response.content)
    except (msgspec.DecodeError, msgspec.ValidationError):
        # Not problem+json (a proxy's HTML page, say): keep what there is, briefly.
        problem, body = _Problem(detail=response.text[:500].strip() or None), None
    error_type = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    arguments: dict[str, Any] = {
        "type": problem.type,
        "errors": problem.errors,
        "body": body,
        "headers": response.headers,
    }
    if issubclass(error_type, ConflictError):
        arguments["existing_contract_id"] = problem.existing_contract_id
        arguments["contract_count"] = problem.contract_count
    if issubclass(error_type, RetryableError):
        arguments["retry_after"] = _retry_after(response)
    return error_type(status, problem.title or _phrase(status), problem.detail or "", **arguments)


def token_error(response: httpx.Response) -> ApiError:
    """The typed error for an RFC 6749 §5.2 answer of the token endpoint."""
    status = response.status_code
    try:
        oauth = _oauth_decoder.decode(response.content)
    except (msgspec.DecodeError, msgspec.ValidationError):
        oauth = _OAuthProblem(error_description=response.text[:500].strip() or None)
    title = oauth.error or _phrase(status)
    detail = oauth.error_description or "The token endpoint refused the request."
    error: ApiError
    if status == 429:
        error = RateLimitedError(
            status, title, detail, headers=response.headers, retry_after=_retry_after(response)
        )
    elif status == 503:
        error = ServiceUnavailableError(
            status, title, detail, headers=response.headers, retry_after=_retry_after(response)
        )
    elif status >= 500:
        error = ServerError(status, title, detail, headers=response.headers)
    else:
        # invalid_client, invalid_scope, ...: the client's credentials or configuration.
        error = AuthenticationError(status, title, detail, headers=response.headers)
        error.oauth_error = oauth.error
    return error


def _retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
