"""The run monitor: a thread beside papermill that flushes the log, beats the heart,
watches for cancel and the whole-run timeout, and stops the kernel when told.

Stopping: SIGINT to the kernel's process group (the cell raises KeyboardInterrupt and
papermill saves the notebook), then, if the kernel is still busy after a grace period,
SIGKILL to its process group (which also ends any grandchild the notebook started).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

import sqlalchemy as sa

from runner.execution.logwriter import LogWriter
from runner.execution.settings import cancel_grace_seconds, heartbeat_seconds
from runner.store import EXECUTING_STATUSES, Run, get_engine, utcnow

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
CANCEL_POLL_SECONDS = 1.0


class RunMonitor(threading.Thread):
    """Watches one run while the main thread executes it.

    Args:
        run_id: the run.
        log_writer: flushed every tick.
        timeout_seconds: the whole-run limit (None: none).
    """

    def __init__(self, run_id: int, log_writer: LogWriter, *, timeout_seconds: int | None) -> None:
        super().__init__(name=f"run-monitor-{run_id}", daemon=True)
        self.run_id = run_id
        self.log_writer = log_writer
        self.timeout_seconds = timeout_seconds
        self.stop_reason: str | None = None
        self.cancelled_by: str | None = None
        self._kernel_pgid: int | None = None
        self._finished = threading.Event()
        self._started_at = time.monotonic()
        self._interrupted_at: float | None = None
        self._killed = False
        self._lock = threading.Lock()
        self._signalled = False

    # -- called from the main thread -------------------------------------------------
    def kernel_started(self, km: Any) -> None:
        """Remember the kernel's process group (the kernel runs in a session of its own)."""
        provisioner = getattr(km, "provisioner", None)
        pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        self._kernel_pgid = int(pgid) if pgid else None

    def request_stop(self, reason: str, by: str | None = None) -> None:
        """Stop the run for ``reason`` (``cancelled`` or ``timeout``); the first reason wins."""
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
                self.cancelled_by = by
                self.log_writer.write("system", f"stopping: {reason}" + (f" by {by}" if by else ""))

    def signal_cancel(self) -> None:
        """Safe inside a signal handler: the thread turns it into a cancel on its next tick."""
        self._signalled = True

    def finish(self) -> None:
        """End the thread and store the last lines (partial ones included)."""
        self._finished.set()
        if self.is_alive():
            self.join(timeout=10)
        self.log_writer.close()

    # -- the thread ------------------------------------------------------------------
    def run(self) -> None:
        next_beat = next_poll = 0.0
        while not self._finished.wait(TICK_SECONDS):
            now = time.monotonic()
            try:
                self.log_writer.flush()
                if now >= next_beat:
                    self._beat()
                    next_beat = now + heartbeat_seconds()
                if self._signalled and self.stop_reason is None:
                    self._poll_cancel()
                    if self.stop_reason is None:
                        self.request_stop("cancelled", "a signal to the executioner")
                if now >= next_poll and self.stop_reason is None:
                    self._poll_cancel()
                    next_poll = now + CANCEL_POLL_SECONDS
            except Exception:  # noqa: BLE001 - a store hiccup must not kill the monitor
                log.exception("run %s: monitor could not reach the store", self.run_id)
            if self.timeout_seconds and self.stop_reason is None and now - self._started_at > self.timeout_seconds:
                self.request_stop("timeout")
            if self.stop_reason is not None:
                self._enforce_stop(now)

    def _beat(self) -> None:
        with get_engine().begin() as conn:
            conn.execute(sa.update(Run).where(Run.id == self.run_id, Run.status.in_(EXECUTING_STATUSES))
                         .values(heartbeat_at=utcnow()))

    def _poll_cancel(self) -> None:
        with get_engine().connect() as conn:
            who = conn.execute(sa.select(Run.cancel_requested_by).where(Run.id == self.run_id)).scalar()
        if who:
            self.request_stop("cancelled", who)

    def _enforce_stop(self, now: float) -> None:
        if self._kernel_pgid is None or self._killed:
            return
        if self._interrupted_at is None:
            self._interrupted_at = now
            self._signal(signal.SIGINT)
        elif now - self._interrupted_at > cancel_grace_seconds():
            self._killed = True
            self.log_writer.write("system", "the kernel did not stop when interrupted; killing it")
            self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self._kernel_pgid, signum)  # type: ignore[arg-type]
        except (ProcessLookupError, PermissionError):
            pass
