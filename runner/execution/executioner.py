"""The executioner: runs one run's notebook with papermill and records everything.

``python -m runner.execution.executioner RUN_ID [--claimed-by WORKER]`` claims the run
(unless a worker already did), executes the notebook in this process with the
streaming engine, writes each output line to the store as it happens (secrets
masked), saves the scrubbed output notebook and the artifacts under
``$TOOLBELT_HOME/runs/<id>/``, and records the outcome. SIGTERM means cancel.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from runner.execution.fastimport import block_slow_optional_imports

block_slow_optional_imports()

import nbformat  # noqa: E402
import papermill  # noqa: E402

from runner.execution import claims  # noqa: E402
from runner.execution.artifacts import collect_artifacts, missing_declared  # noqa: E402
from runner.execution.errorsummary import summarize_error  # noqa: E402
from runner.execution.kernel_env import hide_store_url  # noqa: E402
from runner.execution.kernel_output import output_log_entries  # noqa: E402
from runner.execution.logwriter import LogWriter, last_seq  # noqa: E402
from runner.execution.monitor import RunMonitor  # noqa: E402
from runner.execution.outcome import NotebookReadError, Outcome, RunStopped, classify  # noqa: E402
from runner.execution.papermill_engine import ENGINE_NAME, register  # noqa: E402
from runner.execution.run_launcher import process_main, run_dir  # noqa: E402
from runner.execution.scrub import Scrubber, known_secrets  # noqa: E402,F401  (known_secrets: re-exported)
from runner.execution.settings import kernel_start_seconds  # noqa: E402
from runner.execution.trust import RunRefused, verified_notebook  # noqa: E402
from runner.status import ErrorClass, RunStatus  # noqa: E402
from runner.store import Artifact, Run, session_scope, utcnow  # noqa: E402

log = logging.getLogger(__name__)

OUTPUT_DIR_ENV = "TOOLBELT_OUTPUT_DIR"
RUN_ID_ENV = "TOOLBELT_RUN_ID"
OUTPUT_NOTEBOOK = "output.ipynb"


class RunObserver:
    """Feeds kernel output to the log and stops cells when the monitor says so."""

    def __init__(self, monitor: RunMonitor, writer: LogWriter, scrubber: Scrubber) -> None:
        self.monitor = monitor
        self.writer = writer
        self.scrubber = scrubber
        self.current_cell: int | None = None
        self.error_summary: str | None = None

    def kernel_started(self, km: Any) -> None:
        self.monitor.kernel_started(km)

    def output(self, msg_type: str, content: dict[str, Any], cell_index: int, source: str | None = None) -> None:
        self.scrubber.message_content(content)
        if msg_type == "error":
            self.writer.end_lines()  # what the cell printed before it failed comes first
            if self.monitor.stop_reason is None:  # a cancel or timeout says so itself
                self.error_summary = self.scrubber.text(summarize_error(
                    content.get("ename"), content.get("evalue"), cell=cell_index, source=source))
                self.writer.write("system", f"failed: {self.error_summary}")
        for stream, text in output_log_entries(msg_type, content):
            self.writer.write(stream, text)

    def cell_starting(self, cell_index: int) -> None:
        if self.monitor.stop_reason is not None:
            raise RunStopped(self.monitor.stop_reason)
        self.current_cell = cell_index

    def cell_finished(self, cell_index: int) -> None:
        self.writer.end_lines()  # a cell's last words without a newline are not the next cell's


def _finish(run_id: int, outcome: Outcome, *, output_path: Path | None, artifacts: list[dict[str, Any]],
            plan: dict[str, Any] | None = None, applying_by: str | None = None) -> None:
    with session_scope() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise LookupError(f"no run {run_id}")
        for key, value in (plan or {}).items():
            setattr(run, key, value)
        run.status = (outcome.status if applying_by is None else RunStatus.APPLYING).value
        run.applied_by = applying_by or run.applied_by
        run.error_class = outcome.error_class.value if outcome.error_class else None
        run.error_message = outcome.message
        run.error_cell = outcome.cell
        run.finished_at = utcnow()
        if output_path is not None and output_path.exists():
            run.output_path = str(output_path)
        for row in artifacts:
            s.add(Artifact(run_id=run_id, **row))


def _scrub_output(path: Path, scrubber: Scrubber) -> None:
    if not path.exists():
        return
    nb = nbformat.read(path, as_version=4)
    nbformat.write(scrubber.notebook(nb), path)


def _check_notebook(path: str | None) -> None:
    try:
        nbformat.read(path, as_version=4) if path else None
    except (OSError, ValueError) as exc:
        raise NotebookReadError(f"{path}: {exc}") from exc
    if not path:
        raise NotebookReadError("the run names no notebook")


def _header(notebook_path: str | None) -> Any:
    from runner.header import HeaderError, parse_header

    try:
        return parse_header(notebook_path) if notebook_path else None
    except (HeaderError, OSError, ValueError):
        return None


OK_STATUSES = (RunStatus.SUCCEEDED, RunStatus.PLANNED, RunStatus.APPLIED)


def execute_run(run_id: int, *, claimed_by: str | None = None, kernel: Any = None) -> Outcome | None:
    """Execute run ``run_id`` in this process; its outcome, or None if another process has it.

    ``kernel``: a started :class:`~runner.execution.warm.WarmKernel` to run the notebook
    on (a worker's warm executioner); a kernel is started for the run otherwise.
    """
    worker_id = claimed_by or claims.default_worker_id()
    waiting = functools.partial(log.info, "run %s waits: its client is at its limit of runs at once", run_id)
    if claimed_by is None and not claims.claim_when_free(run_id, worker_id, on_first_wait=waiting):
        log.info("run %s is not queued any more; another executioner has it", run_id)
        return None
    claims.record_pid(run_id, os.getpid())
    try:
        return _execute_claimed(run_id, worker_id, kernel)
    except Exception as exc:  # noqa: BLE001 - never leave a claimed run "running"
        log.exception("run %s: the runner failed", run_id)
        outcome = Outcome(RunStatus.FAILED, ErrorClass.INTERNAL, f"the runner failed: {type(exc).__name__}: {exc}")
        _finish(run_id, outcome, output_path=None, artifacts=[])
        return outcome


KERNEL_START_ATTEMPTS = 3


def _kernel_never_started(error: BaseException, observer: RunObserver, monitor: RunMonitor) -> bool:
    """True when the kernel died or failed to bind before any cell ran (a port taken between
    jupyter_client choosing it and the kernel binding it): safe to start again, nothing ran."""
    if observer.current_cell is not None or monitor.stop_reason is not None:
        return False
    text = f"{type(error).__name__}: {error}"
    return any(sign in text for sign in ("before replying to kernel_info", "Address already in use", "ZMQError",
                                         "Kernel didn't respond"))


def _warm_kernel_options(kernel: Any, notebook_path: str | None, outputs: Path, writer: LogWriter) -> dict[str, Any]:
    """``km=`` for papermill when the warm kernel can take this notebook (else ``{}``: start one)."""
    if kernel is None or not notebook_path:
        return {}
    from runner.execution.warm import notebook_kernel_name

    if notebook_kernel_name(notebook_path) != kernel.name or not kernel.alive():
        return {}
    try:
        kernel.prepare_for(str(outputs), {OUTPUT_DIR_ENV: str(outputs), RUN_ID_ENV: os.environ[RUN_ID_ENV]})
    except Exception as exc:  # noqa: BLE001 - a warm kernel that fails is replaced by a fresh one
        writer.write("system", f"the waiting kernel could not be used ({type(exc).__name__}); starting one")
        return {}
    writer.write("system", "started on a waiting kernel (the library already imported)")
    return {"km": kernel.km}


@dataclasses.dataclass
class _Execution:
    """One claimed run being executed: its row, where its files go, and what watches it."""

    run_id: int
    run: dict[str, Any]
    folder: Path
    outputs: Path
    output_path: Path
    scrubber: Scrubber
    writer: LogWriter
    monitor: RunMonitor
    observer: RunObserver


def _prepare_execution(run_id: int) -> _Execution:
    """The run's row, its folders (``outputs/`` made), its log writer, monitor and observer."""
    run = claims.run_row(run_id)
    folder = run_dir(run_id)
    outputs = folder / "outputs"
    outputs.mkdir(exist_ok=True)
    scrubber = Scrubber(known_secrets(run["client"]))
    writer = LogWriter(run_id, scrubber, start_seq=last_seq(run_id))
    monitor = RunMonitor(run_id, writer, timeout_seconds=run["timeout_seconds"])
    return _Execution(run_id=run_id, run=run, folder=folder, outputs=outputs, output_path=folder / OUTPUT_NOTEBOOK,
                      scrubber=scrubber, writer=writer, monitor=monitor,
                      observer=RunObserver(monitor, writer, scrubber))


def _refuse(ex: _Execution, exc: RunRefused) -> Outcome:
    """End a run the worker will not execute (see :mod:`runner.execution.trust`)."""
    refused = Outcome(RunStatus.FAILED, ErrorClass.REFUSED, ex.scrubber.text(f"refused: {exc}"))
    ex.writer.write("system", refused.message or "refused")
    ex.writer.flush()
    _finish(ex.run_id, refused, output_path=None, artifacts=[])
    return refused


def _execute_notebook(ex: _Execution, params: dict[str, Any], warm: dict[str, Any]) -> None:
    """papermill on the run's notebook; a kernel that never started is started again (fresh)."""
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            papermill.execute_notebook(
                ex.run["notebook_path"], str(ex.output_path), parameters=params, engine_name=ENGINE_NAME,
                output_observer=ex.observer, progress_bar=False, log_output=False, cwd=str(ex.outputs),
                shutdown_kernel="immediate", request_save_on_cell_execute=True,
                start_timeout=kernel_start_seconds(),
                **(warm if attempt == 1 else {}),
            )
            return
        except Exception as exc:  # noqa: BLE001 - a kernel that never started is started again
            if attempt == KERNEL_START_ATTEMPTS or not _kernel_never_started(exc, ex.observer, ex.monitor):
                raise
            ex.writer.write("system", f"the kernel did not start ({type(exc).__name__}: {exc}); starting it again")
            ex.writer.flush()


def _run_notebook(ex: _Execution, kernel: Any) -> BaseException | None:
    """Run the job's notebook with the store's URL hidden from it; what stopped it, or None."""
    restore_store_url = hide_store_url(ex.folder)
    ex.monitor.start()
    os.environ[OUTPUT_DIR_ENV] = str(ex.outputs)
    os.environ[RUN_ID_ENV] = str(ex.run_id)
    # never apply=True: the runner applies the reviewed plan itself (journal, access, status)
    params = {**(ex.run["params"] or {}), "client": ex.run["client"]}
    register()
    try:
        _check_notebook(ex.run["notebook_path"])
        _execute_notebook(ex, params, _warm_kernel_options(kernel, ex.run["notebook_path"], ex.outputs, ex.writer))
    except Exception as exc:  # noqa: BLE001 - every failure (RunStopped too) becomes an outcome
        return exc
    finally:
        restore_store_url()
    return None


def _notebook_outcome(ex: _Execution, error: BaseException | None) -> Outcome:
    """What the notebook's run came to, its message scrubbed of secrets."""
    outcome = classify(error, stop_reason=ex.monitor.stop_reason, cancelled_by=ex.monitor.cancelled_by,
                       timeout_seconds=ex.run["timeout_seconds"], current_cell=ex.observer.current_cell,
                       error_summary=ex.observer.error_summary)
    if outcome.message:
        outcome = dataclasses.replace(outcome, message=ex.scrubber.text(outcome.message))
    if outcome.error_class == ErrorClass.INTERNAL:
        log.error("run %s failed inside the runner", ex.run_id, exc_info=error)
    return outcome


def _collect_outputs(ex: _Execution) -> tuple[list[dict[str, Any]], Any]:
    """The output notebook scrubbed, the artifacts' rows, and the job's header (None if unreadable);
    each declared output not produced is noted in the log."""
    _scrub_output(ex.output_path, ex.scrubber)
    rows = collect_artifacts(ex.outputs, ex.scrubber, note=lambda text: ex.writer.write("system", text))
    header = _header(ex.run["notebook_path"])
    for name in missing_declared(header.outputs if header else (), rows):
        ex.writer.write("system", f"declared output {name} was not produced")
    return rows, header


def _record_end(ex: _Execution, outcome: Outcome, rows: list[dict[str, Any]], plan: dict[str, Any],
                *, apply_now: bool) -> Outcome:
    """Record the run's end, or go on to apply its plan in this process (``--apply``, auto-apply)."""
    ex.writer.write("system", outcome.status + (f": {outcome.message}" if outcome.message else ""))
    if not apply_now:
        ex.monitor.finish()
    _finish(ex.run_id, outcome, output_path=ex.output_path, artifacts=rows, plan=plan,
            applying_by=ex.run["requester"] if apply_now else None)
    if not apply_now:
        return outcome
    from runner.execution.apply_process import apply_claimed

    ex.monitor.timeout_seconds = None  # the job's limit is for its notebook, not for the apply
    ex.monitor.kernel_started(None)  # the kernel is gone; a cancel now stops the apply between chunks
    return apply_claimed(ex.run_id, ex.writer, ex.monitor)


def _execute_claimed(run_id: int, worker_id: str, kernel: Any = None) -> Outcome:
    ex = _prepare_execution(run_id)
    run, writer = ex.run, ex.writer
    previous = signal.signal(signal.SIGTERM, lambda *_: ex.monitor.signal_cancel())
    writer.write("system", f"run {run_id}: {run['job_id']} for client {run['client']}, requested by "
                 f"{run['requester']}, on {worker_id}")
    writer.flush()
    try:
        try:
            run["notebook_path"] = str(verified_notebook(run, ex.folder))
        except RunRefused as exc:
            return _refuse(ex, exc)
        error = _run_notebook(ex, kernel)
    finally:
        signal.signal(signal.SIGTERM, previous)

    outcome = _notebook_outcome(ex, error)
    rows, header = _collect_outputs(ex)
    plan: dict[str, Any] = {}
    if outcome.status == RunStatus.SUCCEEDED and header is not None and header.mutates:
        outcome, plan = _planned(ex.outputs, writer)
    apply_now = (outcome.status == RunStatus.PLANNED and _wants_apply(run, plan, writer)
                 and _may_apply(run, header, writer, plan))
    return _record_end(ex, outcome, rows, plan, apply_now=apply_now)


def _planned(outputs: Path, writer: LogWriter) -> tuple[Outcome, dict[str, Any]]:
    """A mutating job's successful run: ``planned`` with its plan, or ``succeeded`` with nothing to do."""
    from runner.execution.planrecord import find_plan, plan_counts, plan_fields
    from schoology_etl.errors import SchoologyETLError
    from schoology_etl.plans import Plan

    path = find_plan(outputs)
    if path is None:
        writer.write("system", "the job wrote no plan: nothing to change")
        return Outcome(RunStatus.SUCCEEDED), {"plan_counts": plan_counts(None)}
    try:
        fields = plan_fields(path)
    except SchoologyETLError as exc:
        return Outcome(RunStatus.FAILED, ErrorClass.INTERNAL, f"the job's plan cannot be read: {exc}"), {}
    total = fields["plan_counts"]["total"]
    if total == 0:
        writer.write("system", "the plan is empty: nothing to change")
        return Outcome(RunStatus.SUCCEEDED), fields
    counts = "; ".join(f"{realm}: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
                       for realm, ops in fields["plan_counts"]["counts"].items())
    writer.write("system", f"plan: {total} changes ({counts}), digest {fields['plan_digest'][:12]}")
    try:
        for summary in Plan(path).review_summary():
            writer.write("system", f"  * {summary.line()}")
    except SchoologyETLError as exc:  # the summary is for reading; the plan itself was checked above
        writer.write("system", f"the plan's summary cannot be read: {exc}")
    return Outcome(RunStatus.PLANNED), fields


def _wants_apply(run: dict[str, Any], plan: dict[str, Any], writer: LogWriter) -> bool:
    """``--apply``; or a scheduled run whose schedule applies plans under a number of changes by itself."""
    if run["apply"]:
        return True
    limit = run.get("auto_apply_under")
    if limit is None:
        return False
    total = int((plan.get("plan_counts") or {}).get("total") or 0)
    if total < limit:
        writer.write("system", f"the plan has {total} changes, fewer than its schedule's limit of {limit}: "
                     "applying it without review")
        return True
    writer.write("system", f"the plan has {total} changes, not fewer than its schedule's limit of {limit}: "
                 "it waits for review")
    return False


def _may_apply(run: dict[str, Any], header: Any, writer: LogWriter, plan: dict[str, Any]) -> bool:
    """Applying without review: the requester's access checked again against the job's header as it is now,
    and a plan over the destructive threshold left for a reviewer to confirm."""
    from runner.access import AccessDenied, check_access
    from runner.confirm import needs_confirmation

    count = needs_confirmation(plan.get("plan_counts"))
    if count is not None:
        writer.write("system", f"not applied: the plan deletes, deactivates or unlinks {count} objects; review it "
                               f"and confirm the count: toolbelt runs apply {run['id']} --confirm {count}")
        return False

    try:
        check_access(run["requester"], header, job=run["job_id"])
    except AccessDenied as exc:
        writer.write("system", f"not applied: {exc}")
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    return process_main("runner.execution.executioner", execute_run, OK_STATUSES, argv)


if __name__ == "__main__":
    sys.exit(main())
