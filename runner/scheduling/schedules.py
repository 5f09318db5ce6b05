"""Add, list, pause, resume and remove schedules; every change checked server-side.

A schedule is made for its owner (the user adding it): the owner must be allowed to run
the job, and runs it starts are requested by the owner. Only the owner or an admin
may pause, resume or remove it. Parameters are validated against the job's header when
the schedule is added, and again at each firing (the header may have changed since).

``auto_apply_under=N`` lets a writing job's run apply its plan by itself when the plan
has fewer than N changes; otherwise a scheduled run of a writing job stops at
``planned`` and waits for review, like any other. Only a user with the apply role may
set it (and the apply checks the owner's role again when it runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from runner.scheduling.cron import ScheduleInvalid, check_cron, next_due, zone
from runner.store import Schedule, ScheduleFiring, session_scope, utcnow
from schoology_etl.errors import ConfigurationError


class ScheduleNotFoundError(ConfigurationError):
    """No schedule with that id in the store."""


class ScheduleDenied(ConfigurationError):
    """The user may not change this schedule (only its owner or an admin may)."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def schedule_to_dict(row: Schedule) -> dict[str, Any]:
    """A schedule as a JSON-ready dict with stable keys."""
    return {
        "id": row.id, "job": row.job_id, "client": row.client, "params": row.params or {}, "cron": row.cron,
        "timezone": row.timezone, "owner": row.owner, "paused": bool(row.paused),
        "auto_apply_under": row.auto_apply_under, "next_run_at": _iso(row.next_run_at),
        "last_fired_at": _iso(row.last_fired_at), "created_at": _iso(row.created_at),
    }


def add_schedule(job_id: str, client: str, cron: str, *, tz: str = "UTC", params: Mapping[str, Any] | None = None,
                 user: str | None = None, auto_apply_under: int | None = None, catalog: Any = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Schedule ``job_id`` for ``client`` on ``cron`` (read in ``tz``); the new schedule.

    Raises:
        ScheduleInvalid, UnknownJobError, BrokenJobError, ParamsInvalid, AccessDenied,
        ClientNotFoundError: nothing is stored.
    """
    from runner.identity import current_user
    from runner.run_requests import check_run_request

    user = user or current_user()
    expr = check_cron(cron)
    zone(tz)
    job, validated = check_run_request(job_id, client, params or {}, user, catalog)
    if auto_apply_under is not None:
        if not job.require_header().mutates:
            raise ScheduleInvalid("auto-apply-under", f"job {job.id} does not write to Schoology; it has no plan "
                                                      "to apply")
        from runner.roles import APPLY, require_role

        require_role(user, APPLY, f"let a schedule of {job.id} apply plans without review")
        if int(auto_apply_under) < 1:
            raise ScheduleInvalid("auto-apply-under", "must be at least 1 (plans with fewer changes than this "
                                                      "apply by themselves)")
    first = next_due(expr, tz, now or utcnow())
    with session_scope() as s:
        row = Schedule(job_id=job.id, client=client, params=validated, cron=expr, timezone=tz.strip(), owner=user,
                       paused=False, auto_apply_under=auto_apply_under, next_run_at=first)
        s.add(row)
        s.flush()
        return schedule_to_dict(row)


def get_schedule(schedule_id: int) -> dict[str, Any]:
    """The schedule ``schedule_id``, or :class:`ScheduleNotFoundError`."""
    with session_scope() as s:
        row = s.get(Schedule, schedule_id)
        if row is None:
            raise ScheduleNotFoundError(f"no schedule {schedule_id} in the store")
        return schedule_to_dict(row)


def list_schedules(*, job: str | None = None, owner: str | None = None) -> list[dict[str, Any]]:
    """Every schedule (optionally of one job or owner), by id."""
    query = sa.select(Schedule).order_by(Schedule.id)
    if job is not None:
        query = query.where(Schedule.job_id == job)
    if owner is not None:
        query = query.where(Schedule.owner == owner)
    with session_scope() as s:
        return [schedule_to_dict(r) for r in s.scalars(query)]


def list_firings(schedule_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest due times of a schedule and what happened at each, newest first."""
    with session_scope() as s:
        rows = s.scalars(sa.select(ScheduleFiring).where(ScheduleFiring.schedule_id == schedule_id)
                         .order_by(ScheduleFiring.due_at.desc()).limit(limit))
        return [{"due_at": _iso(r.due_at), "fired_at": _iso(r.fired_at), "outcome": r.outcome, "run_id": r.run_id,
                 "reason": r.reason, "worker_id": r.worker_id} for r in rows]


def _owned(s: Any, schedule_id: int, user: str) -> Schedule:
    from runner.access import ADMIN_GROUP, groups_of

    row = s.get(Schedule, schedule_id)
    if row is None:
        raise ScheduleNotFoundError(f"no schedule {schedule_id} in the store")
    if row.owner != user and ADMIN_GROUP not in groups_of(user, s):
        raise ScheduleDenied(f"user {user!r} may not change schedule {schedule_id}: only its owner "
                             f"({row.owner}) or an admin may")
    return row


def set_paused(schedule_id: int, paused: bool, *, user: str | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """Pause or resume a schedule; a resumed schedule's next due time is the next one from now."""
    from runner.identity import current_user

    user = user or current_user()
    with session_scope() as s:
        row = _owned(s, schedule_id, user)
        row.paused = paused
        if not paused:
            row.next_run_at = next_due(row.cron, row.timezone, now or utcnow())
        return schedule_to_dict(row)


def remove_schedule(schedule_id: int, *, user: str | None = None) -> None:
    """Remove a schedule (its runs stay in the history, without it)."""
    from runner.identity import current_user

    user = user or current_user()
    with session_scope() as s:
        s.delete(_owned(s, schedule_id, user))
