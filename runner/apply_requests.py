"""Apply and undo a run's plan: the checks and state changes behind ``runner.service``.

Statuses: a mutating job's run ends ``planned``; :func:`request_apply` moves it to
``applying`` (access re-checked against the job's current header) and an applier
process (local, or a worker's) ends it ``applied``, ``partly_applied`` (some changes
refused by the API), ``failed`` (``apply_failed``) or ``cancelled``; an interrupted or
partly applied apply is applied again and resumes from its journal (sending again only
what failed or was never sent).
:func:`request_undo` turns an applied run's journal into a new ``planned`` run
(kind ``undo``) that is reviewed and applied like any plan.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from runner.errors import RunNotFoundError, RunStateError
from runner.roles import APPLY, require_role
from runner.status import APPLIED_SOME, ErrorClass, RunStatus, status_label
from runner.store import Artifact, LogLine, Run, get_engine, session_scope, utcnow
from schoology_etl.errors import ConfigurationError

log = logging.getLogger(__name__)

#: error classes of a run whose apply stopped part-way (applying it again resumes)
RESUMABLE_ERRORS = (ErrorClass.APPLY_FAILED, ErrorClass.WORKER_LOST, ErrorClass.CANCELLED)


def _check_access(run: Run, user: str, catalog: Any, action: str) -> None:
    """The job's header as it is now in the catalog decides, not the one at planning time."""
    from runner.access import check_access
    from runner.catalog import Catalog

    job = (catalog or Catalog()).get(run.job_id)
    check_access(user, job.require_header(), job=f"{run.job_id} ({action})")


class BaseUrlChangedError(ConfigurationError):
    """The client's base URL is not the one the plan was made and reviewed for."""


def _norm_url(url: str | None) -> str:
    from schoology_etl.plans.model import strip_credentials

    return (strip_credentials(url) or "").rstrip("/").lower()


def check_plan_base_url(plan_path: str, client: str) -> None:
    """Refuse when the client's base URL now differs from the plan's (a plan reviewed for one
    server is never sent to another, e.g. after the client was edited).

    Raises:
        BaseUrlChangedError: they differ, or the plan names none.
    """
    from schoology_etl.plans import Plan
    from schoology_etl.profiles import resolve_profile

    planned = Plan(plan_path).header.base_url
    current = resolve_profile(client).base_url
    if not planned or _norm_url(planned) != _norm_url(current):
        raise BaseUrlChangedError(
            f"the plan was made for {planned or 'an unknown server'} but client {client!r} now points at "
            f"{_norm_url(current)}; nothing was applied. Run the job again to make a plan for that server")


def _resumable(run: Run) -> bool:
    if run.status == RunStatus.PARTLY_APPLIED:
        return True  # applying again sends only the changes that failed
    return run.applied_by is not None and run.status in (RunStatus.FAILED, RunStatus.CANCELLED) \
        and run.error_class in RESUMABLE_ERRORS


def _note(conn: sa.Connection, run_id: int, text: str) -> None:
    seq = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
    conn.execute(sa.insert(LogLine).values(run_id=run_id, seq=int(seq or 0) + 1, ts=utcnow(), stream="system",
                                           text=text))


def request_apply(run_id: int, user: str, *, catalog: Any = None, confirm: Any = None) -> None:
    """Mark run ``run_id`` ``applying`` for ``user`` (no process yet; the caller starts one).

    ``confirm`` is the count the reviewer typed; a plan whose destructive changes pass
    the threshold needs it (see :mod:`runner.confirm`).

    Raises:
        RunNotFoundError, RunStateError, AccessDenied, NotAllowedError, BaseUrlChangedError, UnknownJobError,
        ConfirmationRequired.
    """
    from runner.confirm import check_confirmation
    from runner.execution.claims import reap_lost_runs

    reap_lost_runs()
    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"no run {run_id} in the store")
        require_role(user, APPLY, f"apply the plan of run {run_id}")
        _check_access(run, user, catalog, "apply")
        if not run.plan_path or not run.plan_digest:
            raise RunStateError(f"run {run_id} has no plan to apply")
        check_plan_base_url(run.plan_path, run.client)
        if not (run.plan_counts or {}).get("total"):
            raise RunStateError(f"run {run_id}'s plan is empty: nothing to apply")
        if run.status != RunStatus.PLANNED and not _resumable(run):
            raise RunStateError(f"run {run_id} is {status_label(run.status)}; only a planned run (or an apply that "
                                "stopped part-way or was partly applied) can be applied")
        check_confirmation(run_id, run.plan_counts, confirm)
        previous = run.status
    with get_engine().begin() as conn:
        done = conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == previous).values(
                status=RunStatus.APPLYING.value, applied_by=user, worker_id=None, worker_pid=None, heartbeat_at=None,
                finished_at=None, error_class=None, error_message=None, cancel_requested_by=None,
                cancel_requested_at=None)
        ).rowcount
        if done != 1:
            raise RunStateError(f"run {run_id} changed state meanwhile; look at it again")
        again: dict[str, str] = {RunStatus.PLANNED: "",
                                 RunStatus.PARTLY_APPLIED: " (again: only the changes that failed are sent)"}
        _note(conn, run_id, f"apply requested by {user}" + again.get(previous, " (resuming from the journal)"))
    log.info("run %s: apply requested by %s", run_id, user)


def request_undo(run_id: int, user: str, *, catalog: Any = None) -> int:
    """Create the ``planned`` undo run of applied run ``run_id``; its id.

    Raises:
        RunNotFoundError, RunStateError, AccessDenied.
    """
    from runner.execution.planrecord import plan_fields
    from runner.execution.run_launcher import run_dir
    from schoology_etl.plans import undo_plan

    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"no run {run_id} in the store")
        require_role(user, APPLY, f"undo run {run_id}")
        _check_access(run, user, catalog, "undo")
        if run.status not in APPLIED_SOME or not run.journal_path:
            raise RunStateError(f"run {run_id} is {status_label(run.status)}; only an applied (or partly applied) "
                                "run with a journal can be undone")
        undo = Run(job_id=run.job_id, notebook_path=run.notebook_path, notebook_hash=run.notebook_hash,
                   client=run.client, params=dict(run.params or {}), apply=False, requester=user,
                   status=RunStatus.PLANNED.value, kind="undo", parent_run_id=run_id,
                   timeout_seconds=run.timeout_seconds)
        s.add(undo)  # "planned" at once (never "queued": no worker may run its notebook); no plan yet
        s.flush()
        undo_id, journal = undo.id, run.journal_path
    try:
        path = run_dir(undo_id) / "plan.jsonl"
        result = undo_plan(journal, path, job=f"undo of run {run_id}", run_id=undo_id)
        fields = plan_fields(path)
    except Exception as exc:  # noqa: BLE001 - the undo run records why it has no plan
        with get_engine().begin() as conn:
            conn.execute(sa.update(Run).where(Run.id == undo_id).values(
                status=RunStatus.FAILED.value, error_class=ErrorClass.INTERNAL.value, finished_at=utcnow(),
                error_message=f"cannot build the undo plan from {journal}: {exc}"))
        raise ConfigurationError(f"cannot build the undo plan of run {run_id} from {journal}: {exc}") from exc
    total = fields["plan_counts"]["total"]
    now = utcnow()
    with get_engine().begin() as conn:
        _note(conn, undo_id, f"undo of run {run_id} requested by {user}: {total} changes restore what run "
                             f"{run_id} applied; review, then apply")
        for item in result.cannot_undo:
            _note(conn, undo_id, f"cannot be undone: change {item['seq']} {item['op']} {item['realm']} "
                                 f"{item.get('key')}: {item['reason']}")
        conn.execute(sa.update(Run).where(Run.id == undo_id).values(
            status=(RunStatus.PLANNED if total else RunStatus.SUCCEEDED).value, started_at=now, finished_at=now,
            **fields))
        conn.execute(sa.insert(Artifact).values(run_id=undo_id, name=path.name, path=str(path),
                                                size=path.stat().st_size, kind="jsonl"))
    return undo_id
