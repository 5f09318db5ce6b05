"""Runs, as the CLI and the dashboard see them: create, look at, follow, cancel, apply, undo.

This module is the runner's curated public face for runs; the work is done in three
modules, one idea each:

- :mod:`runner.run_requests`: asking for runs (checks, then queue, cancel, apply, undo);
- :mod:`runner.run_records`: runs read from the store as plain dicts with stable keys
  (see :func:`run_to_dict`), with who may see which;
- :mod:`runner.run_following`: a run's log as it grows, and waiting for its end.

Their errors are in :mod:`runner.errors`.
"""

from __future__ import annotations

from runner.run_following import iter_log, wait_for_run
from runner.run_records import artifacts_of, get_run, list_runs, run_to_dict
from runner.run_requests import (
    DISPATCH_LOCAL,
    DISPATCH_WORKERS,
    apply_run,
    cancel_run,
    create_run,
    undo_run,
)

__all__ = [
    "DISPATCH_LOCAL",
    "DISPATCH_WORKERS",
    "apply_run",
    "artifacts_of",
    "cancel_run",
    "create_run",
    "get_run",
    "iter_log",
    "list_runs",
    "run_to_dict",
    "undo_run",
    "wait_for_run",
]
