"""Limits at the token endpoint, so that secret checks (argon2) can neither lock a client out
nor burn the CPU other requests need.

- Requests for a known client id are counted per client id *and* source address: wrong
  secrets sent from one address slow down that address only, never the client's own
  servers elsewhere.
- Requests naming an unknown client id are counted per source address alone: a fresh id
  per request is limited like any other guessing.
- ``VerificationSlots`` caps how many secret checks run at once; the rest wait their turn
  without holding the event loop.

Counts are kept in this process (a sliding minute per key; the oldest keys are forgotten
first when too many are tracked). With N worker processes the effective limit is at most N
times the setting; that still bounds the CPU an attacker can make us spend.
"""

from __future__ import annotations

import math
import time
from collections import deque

from anyio import CapacityLimiter
from cachetools import TTLCache

WINDOW_SECONDS = 60.0
MAX_TRACKED_KEYS = 100_000

Key = tuple[str, ...]


class SlidingWindow:
    """At most ``per_minute`` requests per key in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        # A key idle for a whole window has nothing left to count: it may be forgotten.
        self._requests: TTLCache[Key, deque[float]] = TTLCache(
            maxsize=MAX_TRACKED_KEYS, ttl=WINDOW_SECONDS
        )

    def check(self, key: Key) -> int | None:
        """Record a request; return the seconds to wait if it is over the limit, else None."""
        now = time.monotonic()
        window = self._requests.get(key)
        if window is None:
            window = deque()
        while window and now - window[0] >= WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self._limit:
            self._requests[key] = window
            return max(1, math.ceil(WINDOW_SECONDS - (now - window[0])))
        window.append(now)
        self._requests[key] = window  # (re)inserted: its time to live starts again
        return None


class TokenRateLimiter:
    def __init__(self, per_client_and_source: int, unknown_per_source: int) -> None:
        self._known = SlidingWindow(per_client_and_source)
        self._unknown = SlidingWindow(unknown_per_source)

    def check_known(self, client_id: str, source: str) -> int | None:
        return self._known.check((client_id, source))

    def check_unknown(self, source: str) -> int | None:
        return self._unknown.check((source,))


class VerificationSlots:
    """How many secret checks may run at once (each is ~20 ms of a core)."""

    def __init__(self, slots: int) -> None:
        self.limiter = CapacityLimiter(slots)
