"""Runs as records: read from the store, shown as plain dicts with stable keys.

A run read here is as it truly is: an executing run whose process is gone is marked
worker lost on the way (see :mod:`runner.execution.liveness`), never left ``running``.
Who may see which run is checked here too (their own run, or any with the view role).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from runner.errors import RunNotFoundError
from runner.store import EXECUTING_STATUSES, Artifact, Run, session_scope, utcnow


def iso(value: datetime | None) -> str | None:
    """``value`` in ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def acting_user(user: str | None) -> str:
    """``user``, or the user this process acts for (:func:`runner.identity.current_user`)."""
    from runner.identity import current_user

    return user or current_user()


def run_to_dict(run: Run) -> dict[str, Any]:
    """A run as a JSON-ready dict; the keys are stable (``--json`` output and the dashboard)."""
    duration = None
    if run.started_at is not None:
        duration = round(((run.finished_at or utcnow()) - run.started_at).total_seconds(), 3)
    artifacts = [{"name": a.name, "path": a.path, "size": a.size, "kind": a.kind} for a in run.artifacts]
    return {
        "id": run.id,
        "job": run.job_id,
        "client": run.client,
        "params": run.params,
        "apply": run.apply,
        "requester": run.requester,
        "status": run.status,
        "error_class": run.error_class,
        "error_message": run.error_message,
        "error_cell": run.error_cell,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "heartbeat_at": iso(run.heartbeat_at),
        "duration_seconds": duration,
        "timeout_seconds": run.timeout_seconds,
        "worker_id": run.worker_id,
        "worker_pid": run.worker_pid,
        "cancel_requested_by": run.cancel_requested_by,
        "notebook_path": run.notebook_path,
        "notebook_hash": run.notebook_hash,
        "output_path": run.output_path,
        "artifacts": artifacts,
        "artifact_paths": [a["path"] for a in artifacts],
        "parent_run_id": run.parent_run_id,
        "plan_path": run.plan_path,
        "journal_path": run.journal_path,
        "plan_counts": run.plan_counts,
        "journal_counts": run.journal_counts,
        "plan_digest": run.plan_digest,
        "kind": run.kind or "job",
        "applied_by": run.applied_by,
        "applied_at": iso(run.applied_at),
        "schedule_id": run.schedule_id,
        "scheduled_for": iso(run.scheduled_for),
        "auto_apply_under": run.auto_apply_under,
    }


def load_run(run_id: int) -> dict[str, Any]:
    """The run ``run_id``, as it truly is, no rights checked (the runner's own waiting, polling
    and notifying): an executing run whose process is gone is marked worker lost now, not left
    ``running``.

    Raises:
        RunNotFoundError: no such run.
    """
    from runner.execution.claims import mark_lost
    from runner.execution.liveness import is_lost

    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"no run {run_id} in the store")
        found = run_to_dict(run)
        lost = run.status in EXECUTING_STATUSES and is_lost(
            worker_id=run.worker_id, worker_pid=run.worker_pid, heartbeat_at=run.heartbeat_at)
        pid, beat = run.worker_pid, run.heartbeat_at
    if lost and mark_lost(run_id, worker_pid=pid, heartbeat_at=beat):
        return load_run(run_id)
    return found


def get_run(run_id: int, user: str | None = None) -> dict[str, Any]:
    """The run ``run_id``, as ``user`` may see it (their own run, or any with the view role).

    Raises:
        RunNotFoundError: no such run.
        NotAllowedError: the run is someone else's and ``user`` lacks the view role.
    """
    from runner.roles import check_may_see_run

    run = load_run(run_id)
    check_may_see_run(acting_user(user), run)
    return run


def list_runs(
    *,
    limit: int = 50,
    status: str | None = None,
    job: str | None = None,
    client: str | None = None,
    requester: str | None = None,
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Runs ``user`` may see (their own; every run with the view role), newest first; runs
    whose executioner died are marked worker lost first."""
    from runner.execution.claims import reap_lost_runs
    from runner.roles import VIEW, has_role

    reap_lost_runs()
    user = acting_user(user)
    if not has_role(user, VIEW):
        if requester is not None and requester != user:
            return []
        requester = user
    query = sa.select(Run).order_by(Run.id.desc()).limit(limit)
    for column, value in ((Run.status, status), (Run.job_id, job), (Run.client, client), (Run.requester, requester)):
        if value is not None:
            query = query.where(column == value)
    with session_scope() as s:
        return [run_to_dict(r) for r in s.scalars(query)]


def artifacts_of(run_id: int, user: str | None = None) -> list[dict[str, Any]]:
    """The run's artifacts (name, path, size, kind), if ``user`` may see the run."""
    get_run(run_id, user)
    with session_scope() as s:
        rows = s.scalars(sa.select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.id))
        return [{"name": a.name, "path": a.path, "size": a.size, "kind": a.kind} for a in rows]
