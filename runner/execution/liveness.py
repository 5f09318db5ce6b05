"""Is the process executing a run still there? Read on every look at a run, not only by listings.

A run is lost when its heartbeat is older than the stale interval (any host), or at
once when its executioner ran on this host and that process is gone (exited, killed,
or a zombie nobody reaped). A pid reused by another process only delays the verdict
until the heartbeat goes stale.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

from runner.execution.settings import stale_seconds
from runner.store import utcnow


def process_gone(pid: int) -> bool:
    """True when no live process has ``pid`` on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def on_this_host(worker_id: str | None) -> bool:
    """True when ``worker_id`` (``host:pid``) names this host."""
    return bool(worker_id) and worker_id.rsplit(":", 1)[0] == socket.gethostname()  # type: ignore[union-attr]


def is_lost(*, worker_id: str | None, worker_pid: int | None, heartbeat_at: datetime | None,
            now: datetime | None = None, stale_after: float | None = None) -> bool:
    """True when the run executing under ``worker_id`` has no process any more."""
    if worker_id is None:
        return False  # waiting for a process: nobody to lose yet
    cutoff = (now or utcnow()) - timedelta(seconds=stale_after if stale_after is not None else stale_seconds())
    if heartbeat_at is not None and heartbeat_at < cutoff:
        return True
    return worker_pid is not None and on_this_host(worker_id) and process_gone(worker_pid)
