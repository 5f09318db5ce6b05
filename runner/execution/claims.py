"""Who executes which run: atomic claims, and reaping runs whose executioner died.

A claim moves a run from ``queued`` to ``running`` exactly once, however many workers
ask: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL/MariaDB, and on every backend
an ``UPDATE ... WHERE status = 'queued'`` whose row count says who won.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import sqlalchemy as sa

from runner.execution.settings import stale_seconds
from runner.store import LogLine, Run, get_engine, utcnow

log = logging.getLogger(__name__)

WORKER_LOST_MESSAGE = (
    "the process running this job stopped sending heartbeats (killed, crashed or its host went "
    "away); the log up to that point is kept"
)


def default_worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _take(conn: sa.Connection, run_id: int, worker_id: str) -> bool:
    now = utcnow()
    result = conn.execute(
        sa.update(Run)
        .where(Run.id == run_id, Run.status == "queued")
        .values(status="running", worker_id=worker_id, started_at=now, heartbeat_at=now)
    )
    return result.rowcount == 1


def claim_run(run_id: int, worker_id: str) -> bool:
    """Claim the queued run ``run_id``; False when it is not queued (someone else has it)."""
    with get_engine().begin() as conn:
        return _take(conn, run_id, worker_id)


def claim_next(worker_id: str) -> int | None:
    """Claim the oldest queued run; its id, or None when the queue is empty."""
    engine = get_engine()
    skip_locked = engine.dialect.name != "sqlite"
    for _attempt in range(20):
        with engine.begin() as conn:
            query = sa.select(Run.id).where(Run.status == "queued").order_by(Run.id).limit(1)
            if skip_locked:
                query = query.with_for_update(skip_locked=True)
            run_id = conn.execute(query).scalar()
            if run_id is None:
                return None
            if _take(conn, run_id, worker_id):
                return int(run_id)
        # another worker won that row between our read and our update (SQLite): try the next
    return None


def record_pid(run_id: int, pid: int) -> None:
    """Note the pid of the executioner running ``run_id`` (used by a local cancel)."""
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id).values(worker_pid=pid))


def reap_lost_runs(stale_after: float | None = None) -> list[int]:
    """Mark running runs without a recent heartbeat as failed (worker lost); their ids."""
    cutoff = utcnow() - timedelta(seconds=stale_after if stale_after is not None else stale_seconds())
    engine = get_engine()
    reaped: list[int] = []
    with engine.connect() as conn:
        candidates = conn.execute(
            sa.select(Run.id).where(Run.status == "running", Run.heartbeat_at < cutoff)
        ).scalars().all()
    for run_id in candidates:
        with engine.begin() as conn:
            done = conn.execute(
                sa.update(Run)
                .where(Run.id == run_id, Run.status == "running", Run.heartbeat_at < cutoff)
                .values(status="failed", error_class="worker_lost", error_message=WORKER_LOST_MESSAGE,
                        finished_at=utcnow())
            ).rowcount
            if done != 1:
                continue
            seq = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
            conn.execute(sa.insert(LogLine).values(run_id=run_id, seq=int(seq or 0) + 1, ts=utcnow(),
                                                   stream="system", text=f"failed: {WORKER_LOST_MESSAGE}"))
        log.warning("run %s: worker lost (no heartbeat since before %s)", run_id, cutoff.isoformat())
        reaped.append(run_id)
    return reaped
