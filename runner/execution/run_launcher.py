"""Start executioner processes detached from the caller, and reap the finished ones.

Each executioner runs in a new session (``start_new_session=True``), so it outlives
the dashboard kernel or CLI that started it; its own output goes to
``$TOOLBELT_HOME/runs/<id>/executioner.log``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from runner.store import database_url, toolbelt_home

_CHILDREN: list[subprocess.Popen[bytes]] = []
_BY_RUN: dict[tuple[str, int], subprocess.Popen[bytes]] = {}  # (store URL, run id)
_LOCK = threading.Lock()


def run_dir(run_id: int) -> Path:
    """``$TOOLBELT_HOME/runs/<id>``, created if needed."""
    runs = toolbelt_home() / "runs"
    runs.mkdir(mode=0o700, exist_ok=True)
    path = runs / str(run_id)
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def spawn_executioner(run_id: int, *, claimed_by: str | None = None,
                      module: str = "runner.execution.executioner") -> subprocess.Popen[bytes]:
    """Start ``python -m <module> RUN_ID`` (the executioner, or the applier) in its own session."""
    reap_children()
    cmd = [sys.executable, "-m", module, str(run_id)]
    if claimed_by:
        cmd += ["--claimed-by", claimed_by]
    fd = os.open(run_dir(run_id) / "executioner.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True)
    with _LOCK:
        _CHILDREN.append(proc)
        _BY_RUN[(database_url(), run_id)] = proc
    return proc


def process_main(module: str, work: Callable[..., Any], ok_statuses: Collection[str],
                 argv: list[str] | None = None) -> int:
    """The receiving end of :func:`spawn_executioner`'s command line (``RUN_ID [--claimed-by W]``):
    parse it, set up logging, call ``work(run_id, claimed_by=...)``; exit 0 for ``ok_statuses``."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}")
    parser.add_argument("run_id", type=int)
    parser.add_argument("--claimed-by", default=None, help="the worker that already claimed the run")
    args = parser.parse_args(argv)
    from runner.store.database import private_umask

    private_umask()  # the output notebook, artifacts, plan and journal are 0600
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    outcome = work(args.run_id, claimed_by=args.claimed_by)
    _notify(args.run_id)
    return 0 if outcome is None or outcome.status in ok_statuses else 1


def _notify(run_id: int) -> None:
    """Tell whoever asked that the run ended or waits for review (never fails the run)."""
    try:
        from runner.notifications.dispatch import notify_run

        notify_run(run_id)
    except Exception:  # noqa: BLE001 - a notification problem is logged, the run's outcome stands
        logging.getLogger(__name__).exception("run %s: notifications failed", run_id)


def spawn_applier(run_id: int) -> subprocess.Popen[bytes]:
    """Start ``python -m runner.execution.apply_process RUN_ID`` in its own session."""
    return spawn_executioner(run_id, module="runner.execution.apply_process")


def exited_early(run_id: int) -> bool:
    """True when this process started an executioner for ``run_id`` and it has already exited."""
    with _LOCK:
        proc = _BY_RUN.get((database_url(), run_id))
    return proc is not None and proc.poll() is not None


def reap_children() -> list[subprocess.Popen[bytes]]:
    """Collect finished executioners (no zombies); the ones still running."""
    with _LOCK:
        _CHILDREN[:] = [p for p in _CHILDREN if p.poll() is None]
        return list(_CHILDREN)
