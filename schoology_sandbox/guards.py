"""Per-request guards that run before a handler: rate limit, fault injection, counters."""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable


class WindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per key (a sliding log).

    Args:
        limit: requests per window; None or 0 means unlimited.
        window: window length in seconds.
        clock: a monotonic clock (injectable for tests).
    """

    def __init__(self, limit: int | None, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._log: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> float | None:
        """Count one request for ``key``; return None if allowed, else seconds to wait."""
        if not self.limit:
            return None
        now = self.clock()
        log = self._log.setdefault(key, deque())
        while log and log[0] <= now - self.window:
            log.popleft()
        if len(log) >= self.limit:
            return max(0.0, log[0] + self.window - now)
        log.append(now)
        return None

    def reconfigure(self, limit: int | None = None, window: float | None = None) -> None:
        """Change the numbers; the request log is kept."""
        if limit is not None:
            self.limit = limit
        if window is not None:
            self.window = window

    def clear(self) -> None:
        """Forget every request."""
        self._log.clear()


def retry_after_header(wait: float) -> str:
    """Whole seconds, at least 1, as the Retry-After header wants them."""
    return str(max(1, math.ceil(wait)))


class FaultInjector:
    """Decides, deterministically for a seed, which requests fail with 500 or 503."""

    def __init__(self, fail_rate: float, seed: int) -> None:
        self.fail_rate = fail_rate
        self.seed = seed
        self._rng = random.Random(seed * 7919 + 17)

    def draw(self) -> int | None:
        """The status to fail this request with, or None."""
        if self.fail_rate <= 0:
            return None
        roll = self._rng.random()
        if roll >= self.fail_rate:
            return None
        return 503 if self._rng.random() < 0.5 else 500

    def reset(self) -> None:
        """Start the sequence again."""
        self._rng = random.Random(self.seed * 7919 + 17)


class RequestCounters:
    """Counts of what the server saw."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Zero everything."""
        self.requests = 0
        self.by_method: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.throttled = 0
        self.faults = 0
        self.auth_failures = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready counters."""
        return {
            "requests": self.requests,
            "by_method": dict(self.by_method),
            "by_route": dict(self.by_route),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "throttled": self.throttled,
            "faults": self.faults,
            "auth_failures": self.auth_failures,
        }
