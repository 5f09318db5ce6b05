"""The sandbox's settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SandboxConfig:
    """How a :class:`~schoology_sandbox.server.SandboxServer` behaves.

    Attributes:
        host: address to bind; loopback only by default.
        port: TCP port; 0 picks a free one.
        key: consumer key; random per start when None.
        secret: consumer secret; random per start when None.
        seed: seed of the demo district (same seed, same district).
        users: number of seeded students (parents, staff and the rest come on top).
        rate_limit: requests allowed per ``rate_window`` seconds per key; None or 0 disables.
        rate_window: the rate window in seconds.
        latency_ms: added delay per request.
        fail_rate: share of requests (0..1) answered 500 or 503 before doing anything.
        today: the day grading periods are placed around (default: the real today).
        timestamp_skew: seconds an OAuth timestamp may lag behind the newest one seen.
    """

    host: str = "127.0.0.1"
    port: int = 0
    key: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    seed: int = 1
    users: int = 300
    rate_limit: int | None = 50
    rate_window: float = 5.0
    latency_ms: int = 0
    fail_rate: float = 0.0
    today: dt.date | None = None
    timestamp_skew: int = 600
