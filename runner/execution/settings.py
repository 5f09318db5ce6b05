"""Timings of execution, overridable through the environment (tests shorten them).

- ``TOOLBELT_HEARTBEAT_SECONDS`` (default 5): how often a running run's executioner
  writes its heartbeat.
- ``TOOLBELT_STALE_SECONDS`` (default 30): a running run whose heartbeat is older is
  marked failed (worker lost) by any worker or by ``runs list``; with the heartbeat
  every 5 s this happens within a minute of the executioner's death.
- ``TOOLBELT_CANCEL_GRACE_SECONDS`` (default 3): after interrupting the kernel for a
  cancel or timeout, how long to wait before killing its process group.
- ``TOOLBELT_PARTIAL_LINE_SECONDS`` (default 1): a printed line without its newline yet is
  stored as it is after this long without more output on its stream.
- ``TOOLBELT_CLIENT_CONCURRENCY`` (default 3): runs and applies executing at once per
  client, across every process using the store. Their requests share the key's one
  rate budget (:mod:`runner.ratebudget`), so the cap is a matter of taste, not of the
  API's limit.
- ``TOOLBELT_WARM_KERNELS`` (default 1): executioners a worker keeps forked ahead, each
  with a started kernel that has the library imported, so a run starts at once.
- ``TOOLBELT_KERNEL_START_SECONDS`` (default 120): how long a started kernel may take to
  answer its first request; one that does not is started again (twice at most), since no
  cell has run. A loaded two-core host can take over a minute to start six kernels at once.
- ``TOOLBELT_RATE_LIMIT`` / ``TOOLBELT_RATE_WINDOW`` (default: the library's 40 per 5 s):
  the rate the runner's own apply process uses for a client.
"""

from __future__ import annotations

import os


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def heartbeat_seconds() -> float:
    return _seconds("TOOLBELT_HEARTBEAT_SECONDS", 5.0)


def stale_seconds() -> float:
    return _seconds("TOOLBELT_STALE_SECONDS", 30.0)


def cancel_grace_seconds() -> float:
    return _seconds("TOOLBELT_CANCEL_GRACE_SECONDS", 3.0)


def partial_line_seconds() -> float:
    return _seconds("TOOLBELT_PARTIAL_LINE_SECONDS", 1.0)


def kernel_start_seconds() -> int:
    return int(_seconds("TOOLBELT_KERNEL_START_SECONDS", 120.0))


DEFAULT_CLIENT_CONCURRENCY = 3


def client_concurrency() -> int:
    """``TOOLBELT_CLIENT_CONCURRENCY`` (default 3): runs and applies executing at once per client.

    The cap holds across every worker and process using the store. Schoology's rate
    limit is per credential; every run on a client draws from one shared budget, so
    several runs at once never pass it together.
    """
    return max(1, int(_seconds("TOOLBELT_CLIENT_CONCURRENCY", DEFAULT_CLIENT_CONCURRENCY)))


def client_rate() -> dict[str, float]:
    """Client options for the runner's own API calls (apply): ``TOOLBELT_RATE_LIMIT`` requests
    per ``TOOLBELT_RATE_WINDOW`` seconds, when set (else the library's defaults)."""
    options: dict[str, float] = {}
    limit = _seconds("TOOLBELT_RATE_LIMIT", 0)
    if limit:
        options["rate_limit"] = int(limit)
    window = _seconds("TOOLBELT_RATE_WINDOW", 0)
    if window:
        options["rate_window"] = window
    return options


def warm_kernels() -> int:
    """``TOOLBELT_WARM_KERNELS`` (default 1; 0 turns warm kernels off): kernels a worker keeps started."""
    raw = os.environ.get("TOOLBELT_WARM_KERNELS")
    if raw is None or raw.strip() == "":
        return 1
    try:
        return max(0, int(raw))
    except ValueError:
        return 1
