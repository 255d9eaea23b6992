"""The HTTP/1.1 protocol ``serve`` runs: uvicorn's httptools protocol, with a bound on the
request line and headers.

httptools (llhttp) sets no limit of its own, and its Python wrapper gathers a header's name
and value until the header ends: a client sending one endless header line would grow the
process without bound. Here the bytes of a request's head are counted as they arrive; past
``ENERGY_CONTRACTS_HEADER_LIMIT_BYTES`` the client gets a 431 and the connection is closed,
so at most the limit and one read (64 KiB) are ever held. uvicorn's h11 protocol has such a
limit but answers 400, and parses in Python: slower on every request.
"""

from __future__ import annotations

import asyncio
from functools import cache
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from energy_contracts.errors import problem_body
from energy_contracts.settings import load_settings

LINGER_SECONDS = 1.0


@cache
def header_limit_bytes() -> int:
    # Read once per process (every connection makes a protocol): the workers' settings come
    # from the same environment as the parent's.
    return load_settings().header_limit_bytes


class HeaderLimitedProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_limit = header_limit_bytes()
        self._head_bytes = 0
        self._reading_head = True
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._reading_head = False
        # A head that came whole in one read was never counted below: its parts are.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self._header_limit:
            self._refuse_head()
            return
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused or self.transport.is_closing():
            return  # refused: whatever else arrives is dropped unread
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > self._header_limit:
            self._refuse_head()

    def _refuse_head(self) -> None:
        status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        body = problem_body(
            status,
            f"The request line and headers are larger than {self._header_limit} bytes.",
            "request-header-fields-too-large",
        )
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            "content-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        # Closed at once, a socket with unread bytes resets the connection, and the client
        # may lose our answer: half-close, drop what still comes for a moment, then close.
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
