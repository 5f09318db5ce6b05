"""How long a job usually takes, and whether a running run looks stuck.

``usual_seconds`` is the median run time of the job's latest finished runs (succeeded
or planned: an apply's time is the reviewer's, not the job's), for the same client when
it has enough of them. A running run looks stuck when no output line arrived for
``TOOLBELT_STUCK_SECONDS`` (default 120) seconds.
"""

from __future__ import annotations

import os
import statistics
from datetime import datetime

import sqlalchemy as sa

from runner.status import RunStatus
from runner.store import Run, get_engine

HISTORY_RUNS = 20
MIN_RUNS = 2
DEFAULT_STUCK_SECONDS = 120.0


def usual_seconds(job_id: str, client: str | None = None) -> float | None:
    """The median run time of ``job_id``'s latest finished runs (None with fewer than two)."""
    def durations(where: list[sa.ColumnElement[bool]]) -> list[float]:
        query = (sa.select(Run.started_at, Run.finished_at)
                 .where(Run.job_id == job_id, Run.status.in_((RunStatus.SUCCEEDED.value, RunStatus.PLANNED.value)),
                        Run.started_at.is_not(None), Run.finished_at.is_not(None), *where)
                 .order_by(Run.id.desc()).limit(HISTORY_RUNS))
        with get_engine().connect() as conn:
            return [(f - s).total_seconds() for s, f in conn.execute(query) if s is not None and f is not None
                    and f >= s]

    found = durations([Run.client == client]) if client else []
    if len(found) < MIN_RUNS:
        found = durations([])
    return statistics.median(found) if len(found) >= MIN_RUNS else None


def stuck_seconds() -> float:
    """``TOOLBELT_STUCK_SECONDS``: silence after which a running run is said to look stuck."""
    try:
        value = float(os.environ.get("TOOLBELT_STUCK_SECONDS") or DEFAULT_STUCK_SECONDS)
    except ValueError:
        return DEFAULT_STUCK_SECONDS
    return value if value > 0 else DEFAULT_STUCK_SECONDS


def silent_for(last_output: datetime | None, now: datetime) -> float | None:
    """Seconds since the last output line (None when there was none to measure from)."""
    return None if last_output is None else max(0.0, (now - last_output).total_seconds())


def duration_text(seconds: float) -> str:
    """``"42s"``, ``"3m 07s"``, ``"1h 05m"``."""
    seconds = int(round(max(seconds, 0)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
