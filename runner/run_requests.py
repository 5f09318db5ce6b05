"""Asking for runs: create, cancel, apply and undo, each checked before anything changes.

:func:`check_run_request` is the one check of a run request (the job and its header, the
parameters, the requester's access, the client profile); :func:`create_run` and the
schedules both use it. ``create_run`` then records the run as ``queued`` and, unless told
to leave it to workers, starts an executioner process for it, detached from the caller.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from runner.errors import ClientNotFoundError, RunNotFoundError, RunStateError
from runner.run_following import wait_for_run
from runner.run_records import acting_user, load_run
from runner.status import ErrorClass, RunStatus
from runner.store import TERMINAL_STATUSES, Run, changed_rows, get_engine, session_scope, utcnow
from schoology_etl.errors import ConfigurationError

log = logging.getLogger(__name__)

DISPATCH_LOCAL = "local"
DISPATCH_WORKERS = "workers"


def _check_client(client: str) -> None:
    from schoology_etl.profiles import resolve_profile

    if not client:
        raise ClientNotFoundError("no client given; name a client profile (see `toolbelt clients list`)")
    try:
        resolve_profile(client)
    except ConfigurationError as exc:
        raise ClientNotFoundError(str(exc)) from None


def _check_dispatch(dispatch: str) -> None:
    if dispatch not in (DISPATCH_LOCAL, DISPATCH_WORKERS):
        raise ConfigurationError(f"dispatch must be {DISPATCH_LOCAL!r} or {DISPATCH_WORKERS!r}, got {dispatch!r}")


def check_run_request(job_id: str, client: str, raw_params: Mapping[str, Any] | None, user: str,
                      catalog: Any = None) -> tuple[Any, dict[str, Any]]:
    """Check a request to run ``job_id`` for ``client`` as ``user``; ``(job, validated params)``.

    In this order: the job and its header, the parameters, the store (an unreachable store
    fails here, before anything else touches it), the user's access, the client.

    Raises:
        UnknownJobError, BrokenJobError, ParamsInvalid, StoreUnavailableError, AccessDenied,
        ClientNotFoundError.
    """
    from runner.access import check_access
    from runner.catalog import Catalog
    from runner.params import ParamsInvalid, validate_params

    job = (catalog or Catalog()).get(job_id)
    header = job.require_header()
    try:
        params = validate_params(header, dict(raw_params or {}))
    except ParamsInvalid as exc:
        raise ParamsInvalid(exc.errors, job=job.id) from None
    get_engine()
    check_access(user, header, job=job.id)
    _check_client(client)
    return job, params


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
        The run as :func:`runner.run_records.run_to_dict` gives it.

    Raises:
        UnknownJobError, BrokenJobError, ParamsInvalid, AccessDenied, ClientNotFoundError,
        StoreUnavailableError: nothing is queued.
    """
    from runner.column_maps import fill_saved_map
    from runner.warehouse_maps import fill_saved_warehouse

    _check_dispatch(dispatch)
    user = acting_user(user)
    job, params = check_run_request(job_id, client, raw_params, user, catalog)
    header = job.require_header()
    params = fill_saved_warehouse(header, client, fill_saved_map(header, job.id, client, params))
    with session_scope() as s:
        run = Run(job_id=job.id, notebook_path=str(job.path.resolve()), notebook_hash=job.content_hash,
                  client=client, params=params, apply=bool(apply), requester=user, status=RunStatus.QUEUED.value,
                  timeout_seconds=header.timeout_seconds, parent_run_id=parent_run_id)
        s.add(run)
        s.flush()
        run_id = run.id
    log.info("run %s queued: %s for %s by %s", run_id, job.id, client, user)
    if dispatch == DISPATCH_LOCAL:
        from runner.execution.run_launcher import spawn_executioner

        spawn_executioner(run_id)
    if wait:
        return wait_for_run(run_id)
    return load_run(run_id)


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

    user = acting_user(user)
    now = utcnow()
    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"no run {run_id} in the store")
        check_may_cancel(user, run.requester, run_id)
        if run.status in TERMINAL_STATUSES:
            raise RunStateError(f"run {run_id} has already finished ({run.status}); nothing to cancel")
        cancelled = {"status": RunStatus.CANCELLED.value, "error_class": ErrorClass.CANCELLED.value,
                     "cancel_requested_by": user, "cancel_requested_at": now, "finished_at": now}
        done = changed_rows(s.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.QUEUED.value)
            .values(**cancelled, error_message=f"cancelled by {user} before it started")
        )) or changed_rows(s.execute(  # an apply that no process has taken yet
            sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.APPLYING.value, Run.worker_id.is_(None))
            .values(**cancelled, error_message=f"apply cancelled by {user} before it started; apply it again to "
                                               "resume from its journal")
        ))
        if not done:
            s.execute(sa.update(Run).where(Run.id == run_id).values(cancel_requested_by=user, cancel_requested_at=now))
    if not done:
        with session_scope() as s:
            running = s.get(Run, run_id)
            if running is not None:
                _signal_local_executioner(running)
    return load_run(run_id)


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
    from runner.apply_requests import request_apply

    _check_dispatch(dispatch)
    request_apply(run_id, acting_user(user), catalog=catalog, confirm=confirm)
    if dispatch == DISPATCH_LOCAL:
        from runner.execution.run_launcher import spawn_applier

        spawn_applier(run_id)
    return wait_for_run(run_id) if wait else load_run(run_id)


def undo_run(run_id: int, user: str | None = None, *, catalog: Any = None) -> dict[str, Any]:
    """Plan the undo of applied run ``run_id`` as a new ``planned`` run (kind ``undo``); returns it.

    No notebook runs: the inverse plan is built from the journal. Review it, then
    :func:`apply_run` it. What cannot be undone is listed in the new run's log.

    Raises:
        RunNotFoundError, RunStateError, AccessDenied.
    """
    from runner.apply_requests import request_undo

    return load_run(request_undo(run_id, acting_user(user), catalog=catalog))
