"""The apply process: applies a run's reviewed plan and records the outcome.

``python -m runner.execution.apply_process RUN_ID [--claimed-by WORKER]`` takes a run that
:func:`runner.service.apply_run` marked ``applying`` (waiting while its client is at its
concurrency cap), applies exactly the recorded plan with
:func:`schoology_etl.plans.apply_plan` (digest checked, drift checked, journaled next to
the plan, resumed from that journal when an earlier apply was interrupted), streams
progress, each drifted and each failed item into the run's log, and ends the run
``applied`` (with ``journal_counts``), ``partly_applied`` (the API refused some changes:
the log and the message lead with each, and its message; applying the run again after a
fix sends only those), ``failed`` (``apply_failed``) or ``cancelled``.
SIGTERM means cancel: the chunks already sent finish and are journaled first.

The executioner calls :func:`apply_claimed` itself for ``toolbelt run --apply``.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from typing import Any

import sqlalchemy as sa

from runner.execution import claims
from runner.execution.logwriter import LogWriter, last_seq
from runner.execution.monitor import RunMonitor
from runner.execution.outcome import Outcome
from runner.execution.planrecord import describe_failed_change, failed_changes, journal_path_for, summarize_journal
from runner.execution.run_launcher import process_main
from runner.execution.scrub import Scrubber, known_secrets
from runner.execution.settings import client_rate
from runner.execution.trust import RunRefused
from runner.status import ErrorClass, RunStatus, status_label
from runner.store import Run, get_engine, session_scope, utcnow

log = logging.getLogger(__name__)

RESUME_HINT = "apply it again to resume from its journal (nothing already done is sent twice)"
RETRY_HINT = "Fix their cause, then apply the run again: only the failed changes are sent"
MAX_LISTED_FAILURES = 200
MAX_MESSAGE_FAILURES = 5


class ApplyStopped(Exception):
    """Raised between chunks when the apply was cancelled."""


def _update(run_id: int, **values: Any) -> None:
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id).values(**values))


def _progress_line(report: Any, prior: dict[str, int]) -> str:
    applied = report.applied + prior.get("applied", 0)
    drifted = report.skipped_drifted + prior.get("skipped_drifted", 0)
    failed = report.failed + prior.get("failed", 0)
    return f"applied {applied}/{report.total}, {drifted} drifted, {failed} failed"


def _log_details(writer: LogWriter, report: Any, failed: list[dict[str, Any]]) -> None:
    """The end of the apply's log, led by what failed (with the API's message for each)."""
    if failed:
        writer.write("system", f"{len(failed)} of {report.total} changes failed (the API refused them):")
        for change in failed[:MAX_LISTED_FAILURES]:
            writer.write("system", f"failed: {describe_failed_change(change)}")
        if len(failed) > MAX_LISTED_FAILURES:
            writer.write("system", f"... and {len(failed) - MAX_LISTED_FAILURES} more failed changes: see the journal")
    for d in report.drifted:
        writer.write("system", f"skipped (changed since planning): change {d['seq']} {d['key']}: {d['field']} "
                     f"was {d['planned']!r} when planned, is {d['actual']!r} now")
    if report.skipped_drifted > len(report.drifted):
        writer.write("system", "more items than listed here: see the journal")


def _partly_applied(failed: list[dict[str, Any]], total: int) -> Outcome:
    """The outcome of an apply that ended with changes the API refused: each named, with its message."""
    listed = "; ".join(describe_failed_change(c) for c in failed[:MAX_MESSAGE_FAILURES])
    hidden = len(failed) - MAX_MESSAGE_FAILURES
    more = f"; and {hidden} more (see the log)" if hidden > 0 else ""
    return Outcome(RunStatus.PARTLY_APPLIED, ErrorClass.CHANGES_FAILED,
                   f"{len(failed)} of {total} changes failed: {listed}{more}. {RETRY_HINT}")


def _journal_counts(report: Any, journal: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    previous = previous or {}
    counts: dict[str, Any] = dict(summarize_journal(journal))
    counts["total"] = report.total
    counts["recovered"] = report.recovered + int(previous.get("recovered", 0))
    counts["requests"] = report.requests + int(previous.get("requests", 0))
    counts["retries"] = report.retries + int(previous.get("retries", 0))
    counts["elapsed"] = round(report.elapsed + float(previous.get("elapsed", 0.0)), 3)
    counts["attempts"] = int(previous.get("attempts", 0)) + 1
    return counts


def _target_for(plan: Any, client_name: str) -> Any:
    """Where the plan is applied: the client's SFTP site for a file delivery, else its API."""
    from schoology_etl import connect
    from schoology_etl.plans.file_target import REALM, SFTPFileTarget

    if plan.header.realms == [REALM]:
        from schoology_etl.io.sftp import SFTPConnection
        from schoology_etl.profiles import resolve_profile

        return SFTPFileTarget(SFTPConnection.from_profile(resolve_profile(client_name)))
    return connect(client_name, **client_rate())


def apply_claimed(run_id: int, writer: LogWriter, monitor: RunMonitor) -> Outcome:
    """Apply the plan of run ``run_id`` (``applying``, claimed by this process) and record the end."""
    from schoology_etl.errors import SchoologyETLError
    from schoology_etl.plans import Plan, PlanIntegrityError, apply_plan

    run = claims.run_row(run_id)
    journal = str(journal_path_for(run["plan_path"]))
    _update(run_id, journal_path=journal, finished_at=None, error_class=None, error_message=None)
    prior = summarize_journal(journal)
    if any(prior.values()):
        writer.write("system", f"resuming from the journal: {prior['applied']} applied, {prior['skipped_drifted']} "
                     f"drifted, {prior['failed']} failed, {prior['pending']} in flight when it stopped")
    writer.write("system", f"applying plan {run['plan_path']} ({(run['plan_counts'] or {}).get('total', '?')} "
                 f"changes) for {run['client']}, by {run['applied_by']}")
    writer.flush()

    def on_chunk(report: Any) -> None:
        writer.write("system", _progress_line(report, prior))
        if monitor.stop_reason is not None:
            raise ApplyStopped(monitor.cancelled_by or "someone")

    report = None
    try:
        from runner.apply_requests import check_plan_base_url
        from runner.execution.trust import check_applier

        check_applier(run)  # the row is a request: who it names must still be allowed
        check_plan_base_url(run["plan_path"], run["client"])  # again: the client may have changed since
        plan = Plan(run["plan_path"])
        client = _target_for(plan, run["client"])
        report = apply_plan(plan, client, journal=journal, expected_digest=run["plan_digest"],
                            on_chunk=on_chunk, retry_failed=True)
        outcome = Outcome(RunStatus.APPLIED)
    except ApplyStopped as exc:
        outcome = Outcome(RunStatus.CANCELLED, ErrorClass.CANCELLED, f"apply cancelled by {exc}; {RESUME_HINT}")
    except RunRefused as exc:
        outcome = Outcome(RunStatus.FAILED, ErrorClass.REFUSED, f"refused: {exc}")
    except PlanIntegrityError as exc:
        outcome = Outcome(RunStatus.FAILED, ErrorClass.APPLY_FAILED, f"the plan was not applied: {exc}")
    except (SchoologyETLError, OSError) as exc:
        outcome = Outcome(RunStatus.FAILED, ErrorClass.APPLY_FAILED, f"the apply stopped: {exc}; {RESUME_HINT}")
    except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
        log.exception("run %s: apply failed", run_id)
        outcome = Outcome(RunStatus.FAILED, ErrorClass.APPLY_FAILED,
                          f"the apply stopped: {type(exc).__name__}: {exc}; {RESUME_HINT}")
    counts = summarize_journal(journal)
    writer.end_lines()
    if report is not None:
        failed = failed_changes(journal)
        if failed and outcome.status == RunStatus.APPLIED:
            outcome = _partly_applied(failed, report.total)
        _log_details(writer, report, failed)
        writer.write("system", str(report))
        counts = _journal_counts(report, journal, run["journal_counts"])
    elif run["journal_counts"]:
        counts = {**run["journal_counts"], **counts}
    message = writer.scrubber.text(outcome.message) if outcome.message else None
    writer.write("system", status_label(outcome.status) + (f": {message}" if message else ""))
    now = utcnow()
    error_class = outcome.error_class.value if outcome.error_class else None
    values: dict[str, Any] = {"status": outcome.status.value, "error_class": error_class,
                              "error_message": message, "finished_at": now, "journal_counts": counts}
    if outcome.status in (RunStatus.APPLIED, RunStatus.PARTLY_APPLIED):
        values["applied_at"] = now
    monitor.finish()
    _update(run_id, **values)
    _record_journal_artifact(run_id, journal)
    return outcome


def _record_journal_artifact(run_id: int, journal: str) -> None:
    """The journal as one of the run's artifacts (once), for download beside the plan."""
    from pathlib import Path

    from runner.store import Artifact

    path = Path(journal)
    if not path.is_file():
        return
    with session_scope() as s:
        row = s.scalar(sa.select(Artifact).where(Artifact.run_id == run_id, Artifact.path == str(path)))
        if row is None:
            s.add(Artifact(run_id=run_id, name=path.name, path=str(path), size=path.stat().st_size, kind="jsonl"))
        else:
            row.size = path.stat().st_size


def _say_waiting(writer: LogWriter) -> None:
    writer.write("system", "waiting: this client is at its limit of runs at once")
    writer.flush()


def run_apply(run_id: int, *, claimed_by: str | None = None) -> Outcome | None:
    """Claim (unless already claimed) and apply run ``run_id``; its outcome, or None if not ours."""
    worker_id = claimed_by or claims.default_worker_id()
    run = claims.run_row(run_id)
    scrubber = Scrubber(known_secrets(run["client"]))
    writer = LogWriter(run_id, scrubber, start_seq=last_seq(run_id))
    waiting = functools.partial(_say_waiting, writer)
    if claimed_by is None and not claims.claim_when_free(run_id, worker_id, on_first_wait=waiting):
        log.info("run %s is not waiting to be applied any more", run_id)
        return None
    claims.record_pid(run_id, os.getpid())
    monitor = RunMonitor(run_id, writer, timeout_seconds=None)
    previous = signal.signal(signal.SIGTERM, lambda *_: monitor.signal_cancel())
    monitor.start()
    try:
        return apply_claimed(run_id, writer, monitor)
    except Exception as exc:  # noqa: BLE001 - never leave a claimed run "applying"
        log.exception("run %s: the runner failed while applying", run_id)
        monitor.finish()
        _update(run_id, status=RunStatus.FAILED.value, error_class=ErrorClass.APPLY_FAILED.value, finished_at=utcnow(),
                error_message=f"the runner failed while applying: {type(exc).__name__}: {exc}; {RESUME_HINT}")
        return Outcome(RunStatus.FAILED, ErrorClass.APPLY_FAILED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    return process_main("runner.execution.apply_process", run_apply, (RunStatus.APPLIED,), argv)


if __name__ == "__main__":
    sys.exit(main())
