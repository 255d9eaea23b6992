"""When a request is sent again: the retry policy, and the rules that apply it to one request.

429 and 503 answers (and a 409 saying that an earlier attempt with the same Idempotency-Key is
still running) are retried after their ``Retry-After``; connection failures after a backoff, when
the request is safe to repeat. Both clients' send loops ask ``Attempts`` how long to wait, so the
rules live here once. Written by hand because the client depends on httpx and msgspec only, and
because httpx-retries and tenacity express neither "an Idempotency-Key makes a POST safe to
repeat" nor a wait budget that a too-long ``Retry-After`` exhausts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import msgspec


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a request is tried again.

    429 and 503 answers are retried after their ``Retry-After`` (or the backoff when they give
    none); connection failures after the backoff, for requests that are safe to repeat (reads,
    PUT, DELETE, and writes carrying an Idempotency-Key — which is every write this client
    sends). A 409 saying that an earlier attempt with the same Idempotency-Key is still
    running is waited out the same way. A request is tried at most ``max_attempts`` times,
    and the waits between attempts add up to at most ``max_total_wait`` seconds: a
    ``Retry-After`` beyond that budget raises at once, with the advice in
    ``error.retry_after``.
    """

    max_attempts: int = 5
    max_total_wait: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_statuses: frozenset[int] = frozenset({429, 503})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_total_wait < 0 or self.backoff_initial < 0 or self.backoff_max < 0:
            raise ValueError("waits must not be negative")

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based) when the server gave none."""
        return float(min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1)))

    def attempts(self, *, repeatable: bool) -> Attempts:
        """A fresh count for one request; ``repeatable``: safe to send again after it may have
        reached the server (a read, PUT, DELETE, a write with an Idempotency-Key, a token)."""
        return Attempts(self, repeatable=repeatable)


NO_RETRIES = RetryPolicy(max_attempts=1, max_total_wait=0)


class Attempts:
    """The attempts at one request so far; after each, how long to wait before the next one
    (None: there is no next one, the outcome stands)."""

    def __init__(self, policy: RetryPolicy, *, repeatable: bool) -> None:
        self._policy = policy
        self._repeatable = repeatable
        self._made = 0
        self._waited = 0.0

    def after_response(self, response: httpx.Response) -> float | None:
        self._made += 1
        if response.status_code not in self._policy.retry_statuses and not _key_in_flight(response):
            return None
        advice = retry_after_seconds(response.headers.get("retry-after"))
        return self._wait(advice if advice is not None else self._policy.backoff(self._made))

    def after_error(self, error: httpx.TransportError) -> float | None:
        self._made += 1
        # A refused connection never reached the service; anything later may have.
        never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        if not (never_sent or self._repeatable):
            return None
        return self._wait(self._policy.backoff(self._made))

    def _wait(self, delay: float) -> float | None:
        if self._made >= self._policy.max_attempts:
            return None
        if self._waited + delay > self._policy.max_total_wait:
            return None
        self._waited += delay
        return delay


_IN_FLIGHT_TYPE = "idempotency-key-in-use"


class _ProblemType(msgspec.Struct):
    type: str = ""


def _key_in_flight(response: httpx.Response) -> bool:
    """A 409 saying our own earlier attempt with this Idempotency-Key is still running (SPEC
    §7): a retry is answered with its result once it finishes, so it is worth waiting for."""
    if response.status_code != 409 or "idempotency-key" not in response.request.headers:
        return False
    try:
        problem = msgspec.json.decode(response.content, type=_ProblemType)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return problem.type.rsplit("/", 1)[-1] == _IN_FLIGHT_TYPE


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
