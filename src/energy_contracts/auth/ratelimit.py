"""A per-client limit on token requests, so secret checks (argon2) cannot be used to burn CPU.

A sliding window per client id, kept in this process. With N worker processes the
effective limit is at most N times the setting; that still bounds the CPU an attacker can
make us spend, which is the point. Legitimate clients ask once per token lifetime.
"""

from __future__ import annotations

import math
import time
from collections import deque

WINDOW_SECONDS = 60.0
MAX_TRACKED_CLIENTS = 50_000


class TokenRateLimiter:
    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._requests: dict[str, deque[float]] = {}

    def check(self, client_id: str) -> int | None:
        """Record a request; return the seconds to wait if it is over the limit, else None."""
        now = time.monotonic()
        if len(self._requests) > MAX_TRACKED_CLIENTS:
            self._forget_idle(now)
        window = self._requests.setdefault(client_id, deque())
        while window and now - window[0] >= WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self._limit:
            return max(1, math.ceil(WINDOW_SECONDS - (now - window[0])))
        window.append(now)
        return None

    def _forget_idle(self, now: float) -> None:
        idle = [cid for cid, w in self._requests.items() if not w or now - w[-1] >= WINDOW_SECONDS]
        for client_id in idle:
            del self._requests[client_id]
