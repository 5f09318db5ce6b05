"""``toolbelt worker``: claim queued runs and execute each in an executioner process.

Applies queued with ``apply_run(..., dispatch="workers")`` (runs marked ``applying``
that no process has yet) are claimed the same way and applied in the forked child.

A worker keeps papermill imported and forks one executioner per run (in a session of
its own, like a spawned one), which saves the second or more a fresh interpreter
spends importing papermill. It keeps up to ``concurrency`` executioners going, reaps
runs whose executioner died (no heartbeat), and with ``once`` stops when the queue is
empty and its runs are done. SIGTERM or Ctrl-C stops it claiming; runs already
started finish.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Callable

from runner.execution import claims
from runner.execution.launch import run_dir
from runner.store import dispose_engines

log = logging.getLogger(__name__)


class Worker:
    """Claims and executes queued runs.

    Args:
        concurrency: executioners at once.
        once: stop when the queue is empty and every started run has ended.
        poll_seconds: how often to look for new runs when idle.
        on_start: called with each run id it starts (the CLI prints them).
    """

    def __init__(self, *, concurrency: int = 1, once: bool = False, poll_seconds: float = 1.0,
                 on_start: Callable[[int], None] | None = None) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.once = once
        self.poll_seconds = poll_seconds
        self.on_start = on_start
        self.worker_id = claims.default_worker_id()
        self.started: list[int] = []
        self._stop = threading.Event()
        self._children: list[BaseProcess] = []
        self._fork = multiprocessing.get_context("fork")
        import runner.execution.executioner  # noqa: F401  (papermill, imported once for every run)

    def _running(self) -> list[BaseProcess]:
        self._children = [p for p in self._children if p.is_alive()]  # is_alive() reaps
        return self._children

    def stop(self) -> None:
        """Stop claiming new runs."""
        self._stop.set()

    def _fill(self) -> bool:
        """Start runs while there is room; False when no run is waiting at all."""
        while len(self._running()) < self.concurrency and not self._stop.is_set():
            run_id = claims.claim_next(self.worker_id)
            if run_id is None:  # nothing claimable now: empty, or every waiting client at its cap
                return claims.waiting_count() > 0
            child = self._fork.Process(target=_execute_in_child, args=(run_id, self.worker_id),
                                       name=f"executioner-{run_id}", daemon=False)
            child.start()
            self._children.append(child)
            self.started.append(run_id)
            log.info("worker %s started run %s", self.worker_id, run_id)
            if self.on_start is not None:
                self.on_start(run_id)
        return True

    def run(self) -> list[int]:
        """Work until stopped (or, with ``once``, until the queue is empty); the runs started."""
        next_reap = 0.0
        while True:
            if time.monotonic() >= next_reap:
                claims.reap_lost_runs()
                next_reap = time.monotonic() + 5.0
            queue_left = self._fill()
            running = self._running()
            if self._stop.is_set() or (self.once and not queue_left):
                if not running:
                    return self.started
            if self._stop.is_set():
                time.sleep(0.2)  # waiting for started runs to end
            else:
                self._stop.wait(0.2 if running else self.poll_seconds)

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop claiming (call from the main thread)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())


def _is_apply(run_id: int) -> bool:
    import sqlalchemy as sa

    from runner.store import Run, get_engine

    with get_engine().connect() as conn:
        return conn.execute(sa.select(Run.status).where(Run.id == run_id)).scalar() == "applying"


def _execute_in_child(run_id: int, worker_id: str) -> None:
    """The forked executioner: own session, own connections, output to the run's log file."""
    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    dispose_engines(close=False)
    out = os.open(run_dir(run_id) / "executioner.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    if _is_apply(run_id):
        from runner.execution.applier import main
    else:
        from runner.execution.executioner import main

    code = main([str(run_id), "--claimed-by", worker_id])
    logging.shutdown()
    os._exit(code)
