"""What happened to a run, in the store's terms and in plain language.

papermill does not record cancellation, and after a kernel death it marks the cell
completed without an exception, so the runner decides the outcome itself from the
exception papermill raised and from why the run monitor stopped it.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.status import ErrorClass, RunStatus


class NotebookReadError(Exception):
    """The job's notebook is missing or not a notebook any more."""


class RunStopped(Exception):
    """Raised before a cell starts when the run was cancelled or timed out."""


@dataclass(frozen=True)
class Outcome:
    """A run's final status, error class, message and failing cell (0-based, output notebook)."""

    status: RunStatus
    error_class: ErrorClass | None = None
    message: str | None = None
    cell: int | None = None


def _duration(seconds: int | None) -> str:
    if not seconds:
        return "its time limit"
    if seconds % 3600 == 0:
        return f"its {seconds // 3600} h limit"
    if seconds % 60 == 0:
        return f"its {seconds // 60} min limit"
    return f"its {seconds} s limit"


def classify(
    exc: BaseException | None,
    *,
    stop_reason: str | None,
    cancelled_by: str | None = None,
    timeout_seconds: int | None = None,
    current_cell: int | None = None,
    error_summary: str | None = None,
) -> Outcome:
    """The outcome of a run that ended with ``exc`` (None: every cell ran).

    ``error_summary`` is the one line the log led with when the cell failed
    (:func:`runner.execution.errorsummary.summarize_error`); it becomes the message.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError  # not at import: the applier needs neither
    from papermill.exceptions import PapermillExecutionError

    if exc is None:
        return Outcome(RunStatus.SUCCEEDED)
    if stop_reason == "cancelled":
        who = cancelled_by or "someone"
        return Outcome(RunStatus.CANCELLED, ErrorClass.CANCELLED, f"cancelled by {who}", current_cell)
    if stop_reason == "timeout":
        return Outcome(RunStatus.FAILED, ErrorClass.TIMEOUT, f"the run took longer than {_duration(timeout_seconds)} "
                       "and was stopped", current_cell)
    if isinstance(exc, PapermillExecutionError):
        message = error_summary or f"cell {exc.cell_index} raised {exc.ename}: {exc.evalue}"
        return Outcome(RunStatus.FAILED, ErrorClass.CELL_ERROR, message, exc.cell_index)
    if isinstance(exc, DeadKernelError):
        where = f" while running cell {current_cell}" if current_cell is not None else ""
        return Outcome(RunStatus.FAILED, ErrorClass.KERNEL_DIED, f"the notebook's kernel died{where} (killed, "
                       "out of memory or crashed); the run did not finish", current_cell)
    if isinstance(exc, (FileNotFoundError, PermissionError, NotebookReadError)):
        return Outcome(RunStatus.FAILED, ErrorClass.NOTEBOOK_UNREADABLE, f"cannot read the job's notebook: {exc}")
    if isinstance(exc, CellTimeoutError):
        return Outcome(RunStatus.FAILED, ErrorClass.TIMEOUT, f"a cell took too long: {exc}", current_cell)
    return Outcome(RunStatus.FAILED, ErrorClass.INTERNAL, f"the runner failed: {type(exc).__name__}: {exc}",
                   current_cell)
