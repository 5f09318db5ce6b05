"""``toolbelt worker``: claim queued runs and execute each in an executioner process.

Applies queued with ``apply_run(..., dispatch="workers")`` (runs marked ``applying``
that no process has yet) are claimed the same way and applied in the forked child.

A worker keeps papermill imported and forks one executioner per run (in a session of
its own, like a spawned one), which saves the second or more a fresh interpreter
spends importing papermill. It also keeps ``warm_kernels`` executioners forked ahead,
each with a started kernel that has the library imported (:mod:`runner.execution.warm`):
a run given to one starts at once. It keeps up to ``concurrency`` executioners going, reaps
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
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from runner.execution import claims
from runner.execution.run_launcher import run_dir
from runner.execution.settings import warm_kernels as warm_kernels_setting
from runner.store import dispose_engines

log = logging.getLogger(__name__)

WARM_FAILURES_BEFORE_GIVING_UP = 3


class Worker:
    """Claims and executes queued runs.

    Args:
        concurrency: executioners at once.
        once: stop when the queue is empty and every started run has ended.
        poll_seconds: how often to look for new runs when idle.
        on_start: called with each run id it starts (the CLI prints them).
        warm_kernels: executioners kept waiting with a started kernel (default
            ``TOOLBELT_WARM_KERNELS``, 1); 0 forks every run cold.
    """

    def __init__(self, *, concurrency: int = 1, once: bool = False, poll_seconds: float = 1.0,
                 on_start: Callable[[int], None] | None = None, warm_kernels: int | None = None) -> None:
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
        self.warm_kernels = warm_kernels_setting() if warm_kernels is None else max(0, warm_kernels)
        self._warm: list[tuple[BaseProcess, Connection]] = []
        self._ready: list[tuple[BaseProcess, Connection]] = []
        self._warm_failures = 0
        self._next_schedule_check = 0.0
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
            child = self._take_warm(run_id)
            if child is None:
                child = self._fork.Process(target=_execute_in_child, args=(run_id, self.worker_id),
                                           name=f"executioner-{run_id}", daemon=False)
                child.start()
            self._children.append(child)
            self.started.append(run_id)
            log.info("worker %s started run %s", self.worker_id, run_id)
            if self.on_start is not None:
                self.on_start(run_id)
        return True

    def _keep_warm(self) -> None:
        """Fork warm executioners up to ``warm_kernels``; note the ones that became ready."""
        still: list[tuple[BaseProcess, Connection]] = []
        for proc, conn in self._warm:
            if not proc.is_alive() and not conn.poll():
                conn.close()
                self._warm_failures += 1
                if self._warm_failures >= WARM_FAILURES_BEFORE_GIVING_UP:
                    log.warning("worker %s: warm kernels keep failing to start; runs start cold from now on",
                                self.worker_id)
                    self.warm_kernels = 0
                continue
            if conn.poll():
                try:
                    conn.recv()
                    self._ready.append((proc, conn))
                    self._warm_failures = 0
                except (EOFError, OSError):
                    conn.close()
                continue
            still.append((proc, conn))
        self._warm = still
        self._ready = [(p, c) for p, c in self._ready if p.is_alive()]
        while len(self._warm) + len(self._ready) < self.warm_kernels and not self._stop.is_set():
            ours, theirs = self._fork.Pipe()
            proc = self._fork.Process(target=_warm_in_child, args=(theirs, self.worker_id),
                                      name="warm-executioner", daemon=False)
            proc.start()
            theirs.close()
            self._warm.append((proc, ours))

    def _take_warm(self, run_id: int) -> BaseProcess | None:
        """Hand ``run_id`` to a ready warm executioner; None when none is ready."""
        while self._ready:
            proc, conn = self._ready.pop(0)
            try:
                conn.send(run_id)
            except (OSError, ValueError):
                continue
            finally:
                conn.close()
            log.info("worker %s gave run %s to a warm executioner", self.worker_id, run_id)
            return proc
        return None

    def _release_warm(self) -> None:
        """Tell idle warm executioners to stop (they shut their kernels down)."""
        for _proc, conn in self._warm + self._ready:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            conn.close()
        for proc, _ in self._warm + self._ready:
            proc.join(timeout=3)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=1)
        self._warm, self._ready = [], []

    def run(self) -> list[int]:
        """Work until stopped (or, with ``once``, until the queue is empty); the runs started."""
        next_reap = 0.0
        while True:
            if time.monotonic() >= next_reap:
                claims.reap_lost_runs()
                next_reap = time.monotonic() + 5.0
            self._keep_warm()
            if not self._stop.is_set():
                self._scheduled_work()
            queue_left = self._fill()
            running = self._running()
            if self._stop.is_set() or (self.once and not queue_left):
                if not running:
                    self._release_warm()
                    return self.started
            if self._stop.is_set():
                time.sleep(0.2)  # waiting for started runs to end
            else:
                # with a kernel waiting, look often: a queued run then starts within a fraction of a second
                self._stop.wait(0.2 if running or self._warm or self._ready else self.poll_seconds)

    def _scheduled_work(self) -> None:
        """Queue the runs of due schedules, and send notifications nobody has sent yet (a run
        reaped as lost, a run cancelled while queued); a failure here never stops the worker."""
        now = time.monotonic()
        if now < self._next_schedule_check:
            return
        self._next_schedule_check = now + min(self.poll_seconds, 1.0)
        from runner.notifications.dispatch import notify_pending
        from runner.scheduling.firing import fire_due

        for step in (lambda: fire_due(self.worker_id), notify_pending):
            try:
                step()
            except Exception:  # noqa: BLE001 - logged; the worker keeps executing runs
                log.exception("worker %s: scheduled work failed", self.worker_id)

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop claiming (call from the main thread)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())


def _is_apply(run_id: int) -> bool:
    import sqlalchemy as sa

    from runner.status import RunStatus
    from runner.store import Run, get_engine

    with get_engine().connect() as conn:
        return conn.execute(sa.select(Run.status).where(Run.id == run_id)).scalar() == RunStatus.APPLYING


def _warm_in_child(conn: Connection, worker_id: str) -> None:
    from runner.execution.warm import warm_child_main

    warm_child_main(conn, worker_id)


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
        from runner.execution.apply_process import main
    else:
        from runner.execution.executioner import main

    code = main([str(run_id), "--claimed-by", worker_id])
    logging.shutdown()
    os._exit(code)
