"""A run's statuses and error classes, in one place, with the words a person reads.

::

    queued ──> running ──> succeeded | planned | failed | cancelled
    planned ──> applying ──> applied | partly_applied | failed | cancelled
    partly_applied / an apply that stopped ──> applying (again: only what is not done yet)

``partly_applied``: the apply ended and some changes were refused by the API (each is
named in the run's message and log, with the API's message); applying it again after a
fix sends only those. A run whose process is gone (killed, crashed, its host away) ends
``failed`` with error class ``worker_lost``, said ``worker lost``.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run is; the value is what the store and ``--json`` hold."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PLANNED = "planned"
    APPLYING = "applying"
    APPLIED = "applied"
    PARTLY_APPLIED = "partly_applied"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status in words (``partly applied``)."""
        return self.value.replace("_", " ")


class ErrorClass(StrEnum):
    """Why a run did not succeed."""

    BAD_PARAMETERS = "bad_parameters"
    CELL_ERROR = "cell_error"
    TIMEOUT = "timeout"
    KERNEL_DIED = "kernel_died"
    WORKER_LOST = "worker_lost"
    CANCELLED = "cancelled"
    NOTEBOOK_UNREADABLE = "notebook_unreadable"
    INTERNAL = "internal"
    APPLY_FAILED = "apply_failed"
    CHANGES_FAILED = "changes_failed"
    REFUSED = "refused"  # the worker would not run what the row asked (not a catalog job, another hash, no access)


TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.PLANNED, RunStatus.APPLIED, RunStatus.PARTLY_APPLIED,
                      RunStatus.FAILED, RunStatus.CANCELLED})
EXECUTING = (RunStatus.RUNNING, RunStatus.APPLYING)
ACTIVE = frozenset({RunStatus.QUEUED, *EXECUTING})
#: statuses with applied changes in their journal (undo is possible)
APPLIED_SOME = frozenset({RunStatus.APPLIED, RunStatus.PARTLY_APPLIED})


def status_label(status: str, error_class: str | None = None) -> str:
    """A run's status as a person reads it: ``partly applied``, ``failed (worker lost)``."""
    try:
        text = RunStatus(status).label
    except ValueError:
        text = str(status)
    if error_class == ErrorClass.WORKER_LOST:
        text += " (worker lost)"
    return text
