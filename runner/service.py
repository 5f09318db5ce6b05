"""Runs, as the CLI and the dashboard see them: create, look at, follow, cancel.

``create_run`` checks everything before anything is queued (the job and its header,
the parameters, the requester's access, the client profile), records the run as
``queued`` and, unless told to leave it to workers, starts an executioner process
for it, detached from the caller. Runs come back as plain dicts with stable keys
(see :func:`run_to_dict`).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from runner.store import (
    EXECUTING_STATUSES,
    TERMINAL_STATUSES,
    Artifact,
    LogLine,
    Run,
    get_engine,
    session_scope,
    utcnow,
)
from schoology_etl.errors import ConfigurationError

log = logging.getLogger(__name__)

DISPATCH_LOCAL = "local"
DISPATCH_WORKERS = "workers"
POLL_SECONDS = 0.2
REAP_EVERY_SECONDS = 5.0
LIVENESS_EVERY_SECONDS = 1.0


class RunNotFoundError(ConfigurationError):
    """No run with that id in the store."""


class ClientNotFoundError(ConfigurationError):
    """The run names a client profile that no store or environment knows."""


class RunStateError(ConfigurationError):
    """The run is not in a state that allows the action (e.g. cancelling a finished run)."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "heartbeat_at": _iso(run.heartbeat_at),
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
        "applied_at": _iso(run.applied_at),
        "schedule_id": run.schedule_id,
        "scheduled_for": _iso(run.scheduled_for),
        "auto_apply_under": run.auto_apply_under,
    }


def _check_client(client: str) -> None:
    from schoology_etl.profiles import resolve_profile

    if not client:
        raise ClientNotFoundError("no client given; name a client profile (see `toolbelt clients list`)")
    try:
        resolve_profile(client)
    except ConfigurationError as exc:
        raise ClientNotFoundError(str(exc)) from None


def create_run(
    job_id: str,
    client: str,
    raw_params: Mapping[str, Any] | None = None,
    user: str | None = None,
    *,
    apply: bool = False,
    dispatch: str = DISPATCH_LOCAL,
    wait: bool = False,
    parent_run_id: int | None = None,
    catalog: Any = None,
) -> dict[str, Any]:
    """Validate and queue a run of ``job_id`` for ``client``; start it unless ``dispatch="workers"``.

    Args:
        job_id: the catalog id (the notebook's file stem).
        client: a client profile name (the notebook gets only this name).
        raw_params: name -> value, CLI strings or typed values.
        user: the requester (default: :func:`runner.identity.current_user`).
        apply: for mutating jobs, apply the plan (stored on the run, passed as ``apply``).
        dispatch: ``"local"`` starts an executioner process now; ``"workers"`` leaves
            the run queued for ``toolbelt worker``.
        wait: block until the run finishes.
        parent_run_id: the run this one re-runs.
        catalog: a :class:`runner.catalog.Catalog` (default: the jobs folder).

    Returns:
        The run as :func:`run_to_dict` gives it.

    Raises:
        UnknownJobError, BrokenJobError, ParamsInvalid, AccessDenied, ClientNotFoundError,
        StoreUnavailableError: nothing is queued.
    """
    from runner.access import check_access
    from runner.catalog import Catalog
    from runner.params import ParamsInvalid, validate_params

    if dispatch not in (DISPATCH_LOCAL, DISPATCH_WORKERS):
        raise ConfigurationError(f"dispatch must be {DISPATCH_LOCAL!r} or {DISPATCH_WORKERS!r}, got {dispatch!r}")
    user = _acting(user)
    job = (catalog or Catalog()).get(job_id)
    header = job.require_header()
    try:
        params = validate_params(header, dict(raw_params or {}))
    except ParamsInvalid as exc:
        raise ParamsInvalid(exc.errors, job=job.id) from None
    get_engine()  # an unreachable store fails here, before anything else touches it
    check_access(user, header, job=job_id)
    _check_client(client)
    from runner.column_maps import fill_saved_map
    from runner.warehouse_maps import fill_saved_warehouse

    params = fill_saved_warehouse(header, client, fill_saved_map(header, job.id, client, params))
    with session_scope() as s:
        run = Run(job_id=job.id, notebook_path=str(job.path.resolve()), notebook_hash=job.content_hash,
                  client=client, params=params, apply=bool(apply), requester=user, status="queued",
                  timeout_seconds=header.timeout_seconds, parent_run_id=parent_run_id)
        s.add(run)
        s.flush()
        run_id = run.id
    log.info("run %s queued: %s for %s by %s", run_id, job.id, client, user)
    if dispatch == DISPATCH_LOCAL:
        from runner.execution.launch import spawn_executioner

        spawn_executioner(run_id)
    if wait:
        return wait_for_run(run_id)
    return _load_run(run_id)


def _acting(user: str | None) -> str:
    from runner.identity import current_user

    return user or current_user()


def _load_run(run_id: int) -> dict[str, Any]:
    """The run ``run_id``, as it truly is, no rights checked (this module's own waiting and polling):
    an executing run whose process is gone is marked worker lost now (see
    :mod:`runner.execution.liveness`), not left ``running``.

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
        return _load_run(run_id)
    return found


def get_run(run_id: int, user: str | None = None) -> dict[str, Any]:
    """The run ``run_id``, as ``user`` may see it (their own run, or any with the view role).

    Raises:
        RunNotFoundError: no such run.
        NotAllowedError: the run is someone else's and ``user`` lacks the view role.
    """
    from runner.roles import check_may_see_run

    run = _load_run(run_id)
    check_may_see_run(_acting(user), run)
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
    user = _acting(user)
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


def iter_log(run_id: int, *, after_seq: int = 0, follow: bool = False,
             poll_seconds: float = POLL_SECONDS, user: str | None = None) -> Iterator[dict[str, Any]]:
    """The run's log lines in order (``seq``, ``ts``, ``stream``, ``text``), if ``user`` may see the run.

    With ``follow``, keeps reading until the run has finished and every line is out.
    """
    from runner.execution.claims import reap_lost_runs

    get_run(run_id, user)
    engine = get_engine()
    last = after_seq
    next_reap = time.monotonic() + REAP_EVERY_SECONDS
    next_check = 0.0
    while True:
        with engine.connect() as conn:
            status = conn.execute(sa.select(Run.status).where(Run.id == run_id)).scalar()
            rows = conn.execute(
                sa.select(LogLine.seq, LogLine.ts, LogLine.stream, LogLine.text)
                .where(LogLine.run_id == run_id, LogLine.seq > last).order_by(LogLine.seq)
            ).all()
        for row in rows:
            last = row.seq
            yield {"seq": row.seq, "ts": _iso(row.ts), "stream": row.stream, "text": row.text}
        if not follow or (status in TERMINAL_STATUSES and not rows):
            return
        if status in ("queued", "applying"):
            _fail_if_executioner_died(run_id)
        if not rows:
            if status in EXECUTING_STATUSES and time.monotonic() >= next_check:
                _load_run(run_id)  # marks it worker lost if its process is gone
                next_check = time.monotonic() + LIVENESS_EVERY_SECONDS
            if time.monotonic() >= next_reap:
                reap_lost_runs()
                next_reap = time.monotonic() + REAP_EVERY_SECONDS
            time.sleep(poll_seconds)


def wait_for_run(run_id: int, *, poll_seconds: float = POLL_SECONDS, timeout: float | None = None) -> dict[str, Any]:
    """Block until the run is in a final state (or ``timeout`` seconds passed); the run."""
    from runner.execution.claims import reap_lost_runs

    deadline = None if timeout is None else time.monotonic() + timeout
    next_reap = time.monotonic() + REAP_EVERY_SECONDS
    while True:
        run = _load_run(run_id)
        if run["status"] in TERMINAL_STATUSES or (deadline is not None and time.monotonic() >= deadline):
            return run
        if run["status"] in ("queued", "applying"):
            _fail_if_executioner_died(run_id)
        if time.monotonic() >= next_reap:
            reap_lost_runs()
            next_reap = time.monotonic() + REAP_EVERY_SECONDS
        time.sleep(poll_seconds)


def _fail_if_executioner_died(run_id: int) -> None:
    """A run still waiting whose process (started here) has exited never started: say so."""
    from runner.execution.launch import exited_early, run_dir

    if not exited_early(run_id):
        return
    waiting = sa.or_(Run.status == "queued", sa.and_(Run.status == "applying", Run.worker_id.is_(None)))
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id, waiting).values(
            status="failed", error_class="internal", finished_at=utcnow(),
            error_message=f"the runner's process exited before starting; see {run_dir(run_id) / 'executioner.log'}"))


def _signal_local_executioner(run: Run) -> None:
    if not run.worker_pid or not run.worker_id:
        return
    host = run.worker_id.rsplit(":", 1)[0]
    if host != socket.gethostname():
        return  # another host: its executioner sees the request in the store within a second
    try:
        os.kill(run.worker_pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def cancel_run(run_id: int, user: str | None = None) -> dict[str, Any]:
    """Cancel a queued, running or applying run; returns the run.

    A queued run (or an apply no process has taken yet) is cancelled at once. An apply
    stops after the chunks already sent are journaled. For a running run the request is recorded and its
    executioner interrupts the kernel, waits briefly, kills the kernel's process group
    and records ``cancelled`` with who asked.

    Raises:
        RunNotFoundError: no such run.
        RunStateError: the run has already finished.
    """
    from runner.roles import check_may_cancel

    user = _acting(user)
    now = utcnow()
    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"no run {run_id} in the store")
        check_may_cancel(user, run.requester, run_id)
        if run.status in TERMINAL_STATUSES:
            raise RunStateError(f"run {run_id} has already finished ({run.status}); nothing to cancel")
        done = s.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == "queued").values(
                status="cancelled", error_class="cancelled", error_message=f"cancelled by {user} before it started",
                cancel_requested_by=user, cancel_requested_at=now, finished_at=now)
        ).rowcount or s.execute(  # an apply that no process has taken yet
            sa.update(Run).where(Run.id == run_id, Run.status == "applying", Run.worker_id.is_(None)).values(
                status="cancelled", error_class="cancelled", cancel_requested_by=user, cancel_requested_at=now,
                finished_at=now, error_message=f"apply cancelled by {user} before it started; apply it again to "
                                               "resume from its journal")
        ).rowcount
        if not done:
            s.execute(sa.update(Run).where(Run.id == run_id).values(cancel_requested_by=user, cancel_requested_at=now))
    if not done:
        with session_scope() as s:
            _signal_local_executioner(s.get(Run, run_id))
    return _load_run(run_id)


def artifacts_of(run_id: int, user: str | None = None) -> list[dict[str, Any]]:
    """The run's artifacts (name, path, size, kind), if ``user`` may see the run."""
    get_run(run_id, user)
    with session_scope() as s:
        rows = s.scalars(sa.select(Artifact).where(Artifact.run_id == run_id).order_by(Artifact.id))
        return [{"name": a.name, "path": a.path, "size": a.size, "kind": a.kind} for a in rows]


def apply_run(run_id: int, user: str | None = None, *, dispatch: str = DISPATCH_LOCAL, wait: bool = False,
              catalog: Any = None, confirm: Any = None) -> dict[str, Any]:
    """Apply the reviewed plan of run ``run_id``; returns the run (``applying``, or final with ``wait``).

    The job header's ``access`` is checked again for ``user`` (the job's header as it is
    now). The run must be ``planned``, or an apply that stopped part-way (failed or
    cancelled while applying, or its process lost), which resumes from its journal. An
    applier process is started now (``dispatch="local"``) or left to ``toolbelt worker``.

    Raises:
        RunNotFoundError, RunStateError, AccessDenied: nothing is applied.
        ConfirmationRequired: the plan's destructive changes pass the threshold and
            ``confirm`` is not their count (see :mod:`runner.confirm`).
    """
    from runner.applies import request_apply

    if dispatch not in (DISPATCH_LOCAL, DISPATCH_WORKERS):
        raise ConfigurationError(f"dispatch must be {DISPATCH_LOCAL!r} or {DISPATCH_WORKERS!r}, got {dispatch!r}")
    request_apply(run_id, _acting(user), catalog=catalog, confirm=confirm)
    if dispatch == DISPATCH_LOCAL:
        from runner.execution.launch import spawn_applier

        spawn_applier(run_id)
    return wait_for_run(run_id) if wait else _load_run(run_id)


def undo_run(run_id: int, user: str | None = None, *, catalog: Any = None) -> dict[str, Any]:
    """Plan the undo of applied run ``run_id`` as a new ``planned`` run (kind ``undo``); returns it.

    No notebook runs: the inverse plan is built from the journal. Review it, then
    :func:`apply_run` it. What cannot be undone is listed in the new run's log.

    Raises:
        RunNotFoundError, RunStateError, AccessDenied.
    """
    from runner.applies import request_undo

    return _load_run(request_undo(run_id, _acting(user), catalog=catalog))
