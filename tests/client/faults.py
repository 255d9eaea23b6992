"""Fault injection in front of the real app: an ASGI layer that answers chosen requests itself.

Not a mock of our components: every request it does not intercept reaches the real app, and
it records what the client sent (method, path, headers) so a test can assert on retries.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import httpx

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    answered_by: str  # "app", or "fault" when the layer answered


@dataclass
class Fault:
    """Answer the next request matching ``method`` and ``path_suffix`` with ``status``.

    ``after_forwarding``: the request reaches the app first and the app's answer is thrown
    away — as when a response is lost on its way back to the client.
    """

    status: int
    method: str | None = None
    path_suffix: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    after_forwarding: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.endswith(self.path_suffix)


class FaultInjector:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def requests_to(self, path_suffix: str, method: str | None = None) -> list[Seen]:
        return [
            seen
            for seen in self.seen
            if seen.path.endswith(path_suffix) and (method is None or seen.method == method)
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is None:
            self.seen.append(Seen(method, path, headers, "app"))
            await self.app(scope, receive, send)
            return
        self.faults.remove(fault)
        self.seen.append(Seen(method, path, headers, "fault"))
        if fault.after_forwarding:
            await self.app(scope, receive, _discard)
        await _answer(send, fault)


async def _discard(_message: Message) -> None:
    return None


async def _answer(send: Send, fault: Fault) -> None:
    body = json.dumps(
        fault.body
        or {
            "type": "https://energy-contracts.dev/problems/injected",
            "title": "Injected",
            "status": fault.status,
            "detail": "An injected fault.",
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        *((name.lower().encode(), value.encode()) for name, value in fault.headers.items()),
    ]
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FailingConnects(httpx.AsyncBaseTransport):
    """A transport whose first ``failures`` requests fail to connect; the rest go through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise httpx.ConnectError("connection refused (injected)", request=request)
        return await self.inner.handle_async_request(request)
