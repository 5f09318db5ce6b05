"""Who executes which run: atomic claims, and reaping runs whose executioner died.

A claim moves a run from ``queued`` to ``running`` (or takes an ``applying`` run that no
process has yet) exactly once, however many workers ask: an ``UPDATE ... WHERE status
= 'queued'`` whose row count says who won.

Per-client cap: at most :func:`~runner.execution.settings.client_concurrency` runs and
applies execute at once for one client (Schoology's rate limit is per credential). Each
claim first touches the client's row in ``client_locks`` in the same transaction; that
row lock (a write lock on SQLite) serializes claims for one client across processes, so
counting the client's executing runs and taking the run cannot interleave.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import sqlalchemy as sa

from runner.execution.settings import client_concurrency, stale_seconds
from runner.store import EXECUTING_STATUSES, ClientLock, LogLine, Run, get_engine, utcnow

log = logging.getLogger(__name__)

WORKER_LOST_MESSAGE = (
    "the process running this job stopped sending heartbeats (killed, crashed or its host went "
    "away); the log up to that point is kept"
)


def default_worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


CLAIMED, GONE, BUSY = "claimed", "gone", "busy"


def _insert_ignore(conn: sa.Connection, client: str) -> None:
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
        stmt = insert(ClientLock).values(client=client, touched_at=utcnow()).on_conflict_do_nothing()
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
        stmt = insert(ClientLock).values(client=client, touched_at=utcnow()).on_conflict_do_nothing()
    else:
        stmt = sa.insert(ClientLock).values(client=client, touched_at=utcnow()).prefix_with("IGNORE")
    conn.execute(stmt)


def _lock_client(conn: sa.Connection, client: str) -> None:
    """Lock ``client``'s row in ``client_locks`` until the transaction ends (created if needed).

    This is the transaction's first statement: on SQLite a write takes the database's
    write lock before anything is read, so the reads after it are current.
    """
    touch = sa.update(ClientLock).where(ClientLock.client == client).values(touched_at=utcnow())
    if conn.execute(touch).rowcount:
        return
    _insert_ignore(conn, client)
    conn.execute(touch)


def _executing(conn: sa.Connection, client: str) -> int:
    """How many runs of ``client`` a process is executing now (a current read, not a snapshot)."""
    query = sa.select(Run.id).where(Run.client == client, Run.status.in_(EXECUTING_STATUSES),
                                    Run.worker_id.is_not(None))
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return len(conn.execute(query).all())


def _waiting(status: str | None, worker_id: str | None) -> bool:
    return status == "queued" or (status == "applying" and worker_id is None)


def _take(conn: sa.Connection, run_id: int, client: str, worker_id: str) -> str:
    """Claim ``run_id`` (queued, or applying without a process) under ``client``'s cap."""
    _lock_client(conn, client)
    row = conn.execute(sa.select(Run.status, Run.worker_id).where(Run.id == run_id)).first()
    if row is None or not _waiting(row.status, row.worker_id):
        return GONE
    if _executing(conn, client) >= client_concurrency():
        return BUSY
    now = utcnow()
    if row.status == "queued":
        done = conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == "queued")
            .values(status="running", worker_id=worker_id, started_at=now, heartbeat_at=now)
        ).rowcount
    else:
        done = conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == "applying", Run.worker_id.is_(None))
            .values(worker_id=worker_id, heartbeat_at=now)
        ).rowcount
    return CLAIMED if done == 1 else GONE


def try_claim(run_id: int, worker_id: str) -> str:
    """``claimed``; ``gone`` (not waiting any more: someone has it, or it was cancelled);
    or ``busy`` (its client is at its cap: try again later)."""
    engine = get_engine()
    with engine.connect() as conn:
        row = conn.execute(sa.select(Run.client, Run.status, Run.worker_id).where(Run.id == run_id)).first()
    if row is None or not _waiting(row.status, row.worker_id):
        return GONE
    with engine.begin() as conn:
        return _take(conn, run_id, row.client, worker_id)


def claim_run(run_id: int, worker_id: str) -> bool:
    """Claim the waiting run ``run_id`` now; False when it is gone or its client is busy."""
    return try_claim(run_id, worker_id) == CLAIMED


def claim_next(worker_id: str) -> int | None:
    """Claim the oldest waiting run (queued, or an apply) whose client has room; its id, or None."""
    engine = get_engine()
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(Run.id, Run.client).where(sa.or_(Run.status == "queued",
                                                       sa.and_(Run.status == "applying", Run.worker_id.is_(None))))
            .order_by(Run.id).limit(200)
        ).all()
    busy: set[str] = set()
    for run_id, client in waiting:
        if client in busy:
            continue
        with engine.begin() as conn:
            taken = _take(conn, int(run_id), client, worker_id)
        if taken == CLAIMED:
            return int(run_id)
        if taken == BUSY:
            busy.add(client)
    return None


def record_pid(run_id: int, pid: int) -> None:
    """Note the pid of the executioner running ``run_id`` (used by a local cancel)."""
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id).values(worker_pid=pid))


def reap_lost_runs(stale_after: float | None = None) -> list[int]:
    """Mark running (or applying) runs without a recent heartbeat as failed (worker lost); their ids."""
    cutoff = utcnow() - timedelta(seconds=stale_after if stale_after is not None else stale_seconds())
    engine = get_engine()
    reaped: list[int] = []
    with engine.connect() as conn:
        candidates = conn.execute(
            sa.select(Run.id).where(Run.status.in_(EXECUTING_STATUSES), Run.worker_id.is_not(None),
                                    Run.heartbeat_at < cutoff)
        ).scalars().all()
    for run_id in candidates:
        with engine.begin() as conn:
            done = conn.execute(
                sa.update(Run)
                .where(Run.id == run_id, Run.status.in_(EXECUTING_STATUSES), Run.worker_id.is_not(None),
                       Run.heartbeat_at < cutoff)
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
