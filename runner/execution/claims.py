"""Who executes which run: atomic claims, and reaping runs whose executioner died.

A claim moves a run from ``queued`` to ``running`` (or takes an ``applying`` run that no
process has yet) exactly once, however many workers ask: an ``UPDATE ... WHERE status
= 'queued'`` whose row count says who won.

Per-client cap: at most :func:`~runner.execution.settings.client_concurrency` runs and
applies execute at once for one client (Schoology's rate limit is per credential). Each
claim first locks the client's row in ``client_locks`` in the same transaction
(``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL/MariaDB: a claimer never waits on
another, it moves on to other clients; a write lock on SQLite), so counting the
client's executing runs and taking the run cannot interleave. Lock conflicts
(deadlock, busy) are retried a few times.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from runner.execution.settings import client_concurrency
from runner.status import ErrorClass, RunStatus
from runner.store import EXECUTING_STATUSES, ClientLock, LogLine, Run, get_engine, session_scope, utcnow

log = logging.getLogger(__name__)

CLAIM_POLL_SECONDS = 0.2
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
    stmt: sa.Executable
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        stmt = sqlite_insert(ClientLock).values(client=client, touched_at=utcnow()).on_conflict_do_nothing()
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        stmt = postgresql_insert(ClientLock).values(client=client, touched_at=utcnow()).on_conflict_do_nothing()
    else:
        stmt = sa.insert(ClientLock).values(client=client, touched_at=utcnow()).prefix_with("IGNORE")
    conn.execute(stmt)


def _ensure_client_row(engine: sa.Engine, client: str) -> None:
    """Create ``client``'s lock row in its own short transaction (never inside a claim:
    on MariaDB an insert next to a locked gap is a classic deadlock)."""
    with engine.begin() as conn:
        _insert_ignore(conn, client)


def _lock_client(conn: sa.Connection, client: str) -> bool:
    """Lock ``client``'s row in ``client_locks`` until the transaction ends; False when
    another claimer holds it right now (PostgreSQL/MariaDB: ``FOR UPDATE SKIP LOCKED``).

    On SQLite the lock is a write (the transaction's first statement), which takes the
    database's write lock before anything is read, so the reads after it are current.
    """
    if conn.dialect.name == "sqlite":
        touch = sa.update(ClientLock).where(ClientLock.client == client).values(touched_at=utcnow())
        return bool(conn.execute(touch).rowcount)
    row = conn.execute(
        sa.select(ClientLock.client).where(ClientLock.client == client).with_for_update(skip_locked=True)
    ).first()
    return row is not None


def _executing(conn: sa.Connection, client: str) -> int:
    """How many runs of ``client`` a process is executing now.

    Read after taking the client's lock, so it sees every claim committed before ours (a
    plain read: locking the runs rows too would deadlock with heartbeats on MariaDB).
    """
    query = sa.select(sa.func.count()).select_from(Run).where(
        Run.client == client, Run.status.in_(EXECUTING_STATUSES), Run.worker_id.is_not(None))
    return int(conn.execute(query).scalar() or 0)


def _retryable(exc: sa.exc.DBAPIError) -> bool:
    """A deadlock, lock wait timeout, serialization failure or a busy SQLite."""
    orig = exc.orig
    code = orig.args[0] if orig is not None and orig.args else None
    return (code in (1205, 1213) or getattr(orig, "sqlstate", None) in ("40001", "40P01")
            or "database is locked" in str(orig))


def waiting_for_a_process() -> sa.ColumnElement[bool]:
    """The runs that wait for a process: queued, or an apply that no process has taken yet."""
    return sa.or_(Run.status == RunStatus.QUEUED.value,
                  sa.and_(Run.status == RunStatus.APPLYING.value, Run.worker_id.is_(None)))


def _waiting(status: str | None, worker_id: str | None) -> bool:
    return status == RunStatus.QUEUED or (status == RunStatus.APPLYING and worker_id is None)


def _take(conn: sa.Connection, run_id: int, client: str, worker_id: str) -> str:
    """Claim ``run_id`` (queued, or applying without a process) under ``client``'s cap."""
    if not _lock_client(conn, client):
        return BUSY
    row = conn.execute(sa.select(Run.status, Run.worker_id).where(Run.id == run_id)).first()
    if row is None or not _waiting(row.status, row.worker_id):
        return GONE
    if _executing(conn, client) >= client_concurrency():
        return BUSY
    now = utcnow()
    if row.status == RunStatus.QUEUED:
        done = conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.QUEUED.value)
            .values(status=RunStatus.RUNNING.value, worker_id=worker_id, started_at=now, heartbeat_at=now)
        ).rowcount
    else:
        done = conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.APPLYING.value, Run.worker_id.is_(None))
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
    return _take_with_retry(engine, run_id, row.client, worker_id)


def _take_with_retry(engine: sa.Engine, run_id: int, client: str, worker_id: str) -> str:
    _ensure_client_row(engine, client)
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                return _take(conn, run_id, client, worker_id)
        except sa.exc.DBAPIError as exc:
            if not _retryable(exc) or attempt == 4:
                raise
            log.info("claim of run %s met a lock conflict; trying again", run_id)
            time.sleep(0.05 * (attempt + 1))
    return BUSY


def claim_run(run_id: int, worker_id: str) -> bool:
    """Claim the waiting run ``run_id`` now; False when it is gone or its client is busy."""
    return try_claim(run_id, worker_id) == CLAIMED


def claim_next(worker_id: str) -> int | None:
    """Claim the oldest waiting run (queued, or an apply) whose client has room; its id, or None."""
    engine = get_engine()
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(Run.id, Run.client).where(waiting_for_a_process())
            .order_by(Run.id).limit(200)
        ).all()
    busy: set[str] = set()
    for run_id, client in waiting:
        if client in busy:
            continue
        taken = _take_with_retry(engine, int(run_id), client, worker_id)
        if taken == CLAIMED:
            return int(run_id)
        if taken == BUSY:
            busy.add(client)
    return None


def waiting_count() -> int:
    """How many runs wait for a process (queued, or applies nobody has taken yet)."""
    with get_engine().connect() as conn:
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(Run).where(waiting_for_a_process())
        ).scalar() or 0)


def claim_when_free(run_id: int, worker_id: str, *, on_first_wait: Callable[[], None],
                    poll_seconds: float = CLAIM_POLL_SECONDS) -> bool:
    """Claim the waiting run ``run_id``, waiting while its client is at its cap; False when it is
    gone (another process has it, or it was cancelled while waiting).

    ``on_first_wait`` is called once, when the run first has to wait (to say so).
    """
    noted = False
    while True:
        taken = try_claim(run_id, worker_id)
        if taken != BUSY:
            return taken == CLAIMED
        if not noted:
            on_first_wait()
            noted = True
        time.sleep(poll_seconds)


def run_row(run_id: int) -> dict[str, Any]:
    """The run's row, column name -> value (what the executioner and the applier work from).

    Raises:
        LookupError: no such run.
    """
    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise LookupError(f"no run {run_id}")
        return {c.key: getattr(run, c.key) for c in sa.inspect(Run).mapper.column_attrs}


def record_pid(run_id: int, pid: int) -> None:
    """Note the pid of the executioner running ``run_id`` (used by a local cancel)."""
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id).values(worker_pid=pid))


def mark_lost(run_id: int, *, worker_pid: int | None = None, heartbeat_at: datetime | None = None) -> bool:
    """Mark the executing run ``run_id`` failed (worker lost), with a last log line; False when it
    changed meanwhile (finished, or a new process took it: ``worker_pid``/``heartbeat_at`` differ)."""
    condition = [Run.id == run_id, Run.status.in_(EXECUTING_STATUSES), Run.worker_id.is_not(None)]
    if worker_pid is not None:
        condition.append(Run.worker_pid == worker_pid)
    if heartbeat_at is not None:
        condition.append(Run.heartbeat_at <= heartbeat_at)  # no beat since we judged it
    with get_engine().begin() as conn:
        done = conn.execute(
            sa.update(Run).where(*condition)
            .values(status=RunStatus.FAILED.value, error_class=ErrorClass.WORKER_LOST.value,
                    error_message=WORKER_LOST_MESSAGE, finished_at=utcnow())
        ).rowcount
        if done != 1:
            return False
        seq = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
        conn.execute(sa.insert(LogLine).values(run_id=run_id, seq=int(seq or 0) + 1, ts=utcnow(),
                                               stream="system", text=f"failed: {WORKER_LOST_MESSAGE}"))
    log.warning("run %s: worker lost (pid %s, last heartbeat %s)", run_id, worker_pid,
                heartbeat_at.isoformat() if heartbeat_at else None)
    return True


def reap_lost_runs(stale_after: float | None = None) -> list[int]:
    """Mark running (or applying) runs whose process is gone as failed (worker lost); their ids.

    Gone: no heartbeat within the stale interval, or (on this host) its process has exited.
    """
    from runner.execution.liveness import is_lost

    with get_engine().connect() as conn:
        candidates = conn.execute(
            sa.select(Run.id, Run.worker_id, Run.worker_pid, Run.heartbeat_at)
            .where(Run.status.in_(EXECUTING_STATUSES), Run.worker_id.is_not(None))
        ).all()
    now = utcnow()
    return [row.id for row in candidates
            if is_lost(worker_id=row.worker_id, worker_pid=row.worker_pid, heartbeat_at=row.heartbeat_at, now=now,
                       stale_after=stale_after)
            and mark_lost(row.id, worker_pid=row.worker_pid, heartbeat_at=row.heartbeat_at)]
