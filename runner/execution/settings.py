"""Timings of execution, overridable through the environment (tests shorten them).

- ``TOOLBELT_HEARTBEAT_SECONDS`` (default 5): how often a running run's executioner
  writes its heartbeat.
- ``TOOLBELT_STALE_SECONDS`` (default 30): a running run whose heartbeat is older is
  marked failed (worker lost) by any worker or by ``runs list``; with the heartbeat
  every 5 s this happens within a minute of the executioner's death.
- ``TOOLBELT_CANCEL_GRACE_SECONDS`` (default 3): after interrupting the kernel for a
  cancel or timeout, how long to wait before killing its process group.
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
