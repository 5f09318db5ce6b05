"""Workers start due runs: once per due time across every worker and host.

Each worker calls :func:`fire_due` on its loop. For every schedule that is due, the
worker moves the schedule's ``next_run_at`` forward with a guarded update (``WHERE
next_run_at = <the due time it read>``): one update wins, the others change no row and
move on, on SQLite, PostgreSQL and MariaDB alike. In the same transaction the winner
records the due time in ``schedule_firings`` (unique per schedule and due time) and
either queues the run, or, when the schedule's previous run is still queued, running or
applying, records the due time as skipped with the run it waited on. A due time whose
run cannot be made (the job broken, its parameters no longer valid, the owner's access
gone) is recorded as refused with the reason.

Due times missed while no worker ran (say, overnight) fire once, at the latest of
them; the next due time is counted from now.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from runner.execution.claims import _retryable, default_worker_id
from runner.scheduling.cron import next_due
from runner.status import ACTIVE, RunStatus
from runner.store import Run, Schedule, ScheduleFiring, get_engine, utcnow

log = logging.getLogger(__name__)

GOING_STATUSES = tuple(sorted(s.value for s in ACTIVE))  # queued, running, applying


def due_schedules(now: datetime) -> list[tuple[int, datetime]]:
    """``(schedule id, due time)`` of every active schedule due at ``now``."""
    with get_engine().connect() as conn:
        rows = conn.execute(sa.select(Schedule.id, Schedule.next_run_at)
                            .where(Schedule.paused.is_(False), Schedule.next_run_at.is_not(None),
                                   Schedule.next_run_at <= now).order_by(Schedule.next_run_at)).all()
    return [(int(r.id), r.next_run_at) for r in rows]


def fire_due(worker_id: str | None = None, *, now: datetime | None = None, catalog: Any = None) -> list[dict[str, Any]]:
    """Fire every due schedule this worker wins; what happened at each (``schedule_id``,
    ``due_at``, ``outcome``, ``run_id``, ``reason``)."""
    worker_id = worker_id or default_worker_id()
    now = now or utcnow()
    fired = []
    for schedule_id, due_at in due_schedules(now):
        result = fire_one(schedule_id, due_at, worker_id=worker_id, now=now, catalog=catalog)
        if result is not None:
            fired.append(result)
    return fired


def _prepare(row: dict[str, Any], catalog: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The new run's columns, or why no run can be made now."""
    from runner.run_requests import check_run_request

    try:
        job, params = check_run_request(row["job_id"], row["client"], row["params"] or {}, row["owner"], catalog)
    except Exception as exc:  # noqa: BLE001 - every refusal is recorded with its reason
        return None, f"{type(exc).__name__}: {exc}"
    header = job.require_header()
    return {"job_id": job.id, "notebook_path": str(job.path.resolve()), "notebook_hash": job.content_hash,
            "client": row["client"], "params": params, "apply": False, "requester": row["owner"],
            "status": RunStatus.QUEUED.value, "timeout_seconds": header.timeout_seconds, "schedule_id": row["id"],
            "auto_apply_under": row["auto_apply_under"] if header.mutates else None}, None


def fire_one(schedule_id: int, due_at: datetime, *, worker_id: str, now: datetime | None = None,
             catalog: Any = None) -> dict[str, Any] | None:
    """Fire ``schedule_id`` for ``due_at`` if this worker wins it; None when another did (or it changed)."""
    now = now or utcnow()
    engine = get_engine()
    with engine.connect() as conn:
        found = conn.execute(sa.select(Schedule).where(Schedule.id == schedule_id)).mappings().first()
    if found is None or found["paused"] or found["next_run_at"] != due_at:
        return None
    row = dict(found)
    following = next_due(row["cron"], row["timezone"], max(due_at, now))
    values, refusal = _prepare(row, catalog)
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                return _fire_in(conn, row, due_at, following, values, refusal, worker_id, now)
        except sa.exc.IntegrityError:
            return None  # the due time is already recorded: another worker fired it
        except sa.exc.DBAPIError as exc:
            if not _retryable(exc) or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None


def _fire_in(conn: sa.Connection, row: dict[str, Any], due_at: datetime, following: datetime,
             values: dict[str, Any] | None, refusal: str | None, worker_id: str,
             now: datetime) -> dict[str, Any] | None:
    won = conn.execute(
        sa.update(Schedule).where(Schedule.id == row["id"], Schedule.next_run_at == due_at,
                                  Schedule.paused.is_(False))
        .values(next_run_at=following, last_fired_at=now)
    ).rowcount
    if won != 1:
        return None
    run_id = None
    reason: str | None
    going = conn.execute(sa.select(Run.id, Run.status).where(Run.schedule_id == row["id"],
                                                            Run.status.in_(GOING_STATUSES))
                         .order_by(Run.id).limit(1)).first()
    if going is not None:
        outcome, reason = "skipped", f"run {going.id} of this schedule was still {going.status}"
    elif values is None:
        outcome, reason = "refused", refusal
    else:
        key = conn.execute(sa.insert(Run).values(**values, scheduled_for=due_at, created_at=now)).inserted_primary_key
        if key is None:
            raise RuntimeError(f"the store gave no id for the run of schedule {row['id']}")
        run_id = key[0]
        outcome, reason = "started", None
    conn.execute(sa.insert(ScheduleFiring).values(schedule_id=row["id"], due_at=due_at, fired_at=now, outcome=outcome,
                                                  run_id=run_id, reason=reason, worker_id=worker_id))
    log_at = log.warning if outcome != "started" else log.info
    log_at("schedule %s (%s for %s) due %s: %s%s", row["id"], row["job_id"], row["client"], due_at.isoformat(),
           outcome, f" run {run_id}" if run_id else f" ({reason})")
    return {"schedule_id": row["id"], "due_at": due_at.isoformat(), "outcome": outcome, "run_id": run_id,
            "reason": reason}
