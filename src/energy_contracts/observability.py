"""Request context: a request id on every response, one structured log line and the metrics
per request, and the body-size limit enforced before anything parses the body.

``RequestContextMiddleware`` wraps the whole app, routing included, so that unmatched paths
are counted and logged too; routes are named by their template (``scope["path_template"]``,
set by the router), never by the raw path.

Logging: structlog renders every line — ours and the standard library's (uvicorn, alembic,
asyncio, warnings) — as JSON when not on a terminal, readable on one. Secrets never reach a
line: values under keys such as ``authorization`` or ``client_secret`` are replaced, and so
is anything that looks like a JWT or a Bearer/Basic credential, wherever it appears.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from structlog.typing import EventDict, Processor, WrappedLogger

from energy_contracts.errors import (
    BadRequest,
    ClientDisconnected,
    PayloadTooLarge,
    ProblemError,
    RequestTimeout,
)
from energy_contracts.metrics import UNMATCHED_ROUTE, Metrics
from energy_contracts.settings import Settings

MAX_BODY_BYTES = 8 * 1024 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

access_log = structlog.get_logger("energy_contracts.access")

REDACTED = "[REDACTED]"
_SENSITIVE_KEY = re.compile(
    r"authorization|secret|passw|token|cookie|api[-_]?key|credential|signing[-_]?key", re.I
)
_SENSITIVE_TEXT = (
    # A JWS compact serialisation: header.payload.signature, the header starting '{"'.
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+", re.I), rf"\1\2{REDACTED}"),
    (
        re.compile(
            r"""((?:client_secret|access_token|refresh_token|password)["']?\s*[=:]\s*["']?)"""
            r"""[^\s"'&,;}]+""",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
     REDACTED),
)  # fmt: skip
_PLAIN = (int, float, bool, type(None))
_OUR_HANDLER = "_energy_contracts_handler"


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Defence in depth: even a careless log call cannot write a secret."""
    return {key: _redact_item(key, value) for key, value in event_dict.items()}


def _redact_item(key: object, value: Any) -> Any:
    if isinstance(key, str) and key != "event" and _SENSITIVE_KEY.search(key):
        return REDACTED
    return _redact_value(value)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        for pattern, replacement in _SENSITIVE_TEXT:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item) for item in value]
    return _redact_value(str(value))


def _add_process_id(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    event_dict["pid"] = os.getpid()
    return event_dict


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """JSON lines when not on a terminal (production), readable lines on a terminal.
    Everything goes to ``stream`` (standard error unless told otherwise)."""
    stream = stream or sys.stderr
    use_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not stream.isatty()
    )
    renderer: Any = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    level = logging.getLevelNamesMapping()[settings.log_level.upper()]
    context: list[Processor] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_process_id,
    ]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *context,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Not cached: a reconfiguration (another app in the same process) takes effect for
        # module-level loggers too; the cost is a dictionary lookup per line.
        cache_logger_on_first_use=False,
    )
    # One handler renders structlog's events and the standard library's records alike, so
    # that every line has the same shape and passes the same redaction.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=context,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _OUR_HANDLER, True)
    root = logging.getLogger()
    for previous in [h for h in root.handlers if getattr(h, _OUR_HANDLER, False)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


class RequestContextMiddleware:
    """Pure ASGI: cheap on the hot path, and streams untouched.

    Before the app sees a request: its Host must be one the service answers for (else a
    400, so that no client chooses the host of our URLs), and a declared body over the limit
    is refused unread. While the app reads the body: past the limit it is a 413, slower than
    ``body_timeout`` a 408, and a client that goes away is logged, not treated as an error.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics | None = None,
        host_names: frozenset[str] = frozenset({"*"}),
        max_body_bytes: int = MAX_BODY_BYTES,
        body_timeout_seconds: float = 30,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.host_names = host_names
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status_code = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            refused = self._refused_unread(headers)
            if refused is not None:
                await _send_problem(refused, send_with_request_id)
            else:
                await self.app(scope, self._limited(receive, started), send_with_request_id)
        finally:
            duration = time.perf_counter() - started
            route = scope.get("path_template") or UNMATCHED_ROUTE
            access_log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status_code,
                duration_ms=round(duration * 1000, 2),
                client_id=state.get("client_id"),
                request_id=request_id,
            )
            if self.metrics is not None:
                self.metrics.observe_request(scope["method"], route, status_code, duration)

    def _refused_unread(self, headers: dict[bytes, bytes]) -> ProblemError | None:
        host = _host_name(headers.get(b"host", b"").decode("latin-1"))
        if "*" not in self.host_names and host not in self.host_names:
            return BadRequest(
                "This service does not answer for that Host; use the address it is published at."
            )
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return PayloadTooLarge(self.max_body_bytes)
        return None

    def _limited(self, receive: Receive, started: float) -> Receive:
        """Whoever reads the body past the limit gets a 413, slower than the deadline a 408
        (the framework renders both); a client that leaves mid-body ends the request."""
        received = 0
        complete = False
        deadline = started + self.body_timeout_seconds

        async def limited_receive() -> ReceiveMessage:
            nonlocal received, complete
            if complete:  # after the body: the app waits for the disconnect
                return await receive()
            remaining = deadline - time.perf_counter()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0))
            except TimeoutError:
                raise RequestTimeout(self.body_timeout_seconds) from None
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise PayloadTooLarge(self.max_body_bytes)
                complete = not message.get("more_body", False)
            return message

        return limited_receive


def _host_name(host: str) -> str:
    """A Host header's name: lower case, without the port (``[::1]:8000`` → ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


async def _send_problem(error: ProblemError, send: Send) -> None:
    body = error.body()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (error.headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
