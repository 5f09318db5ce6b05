"""``toolbelt worker``: claim queued runs and execute each in an executioner process.

A worker keeps up to ``concurrency`` executioners going, reaps runs whose executioner
died (no heartbeat), and with ``once`` stops when the queue is empty and its runs
are done. SIGTERM or Ctrl-C stops it claiming; runs already started finish.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Callable

from runner.execution import claims
from runner.execution.launch import reap_children, spawn_executioner

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

    def stop(self) -> None:
        """Stop claiming new runs."""
        self._stop.set()

    def _fill(self) -> bool:
        """Start runs while there is room; False when the queue was found empty."""
        while len(reap_children()) < self.concurrency and not self._stop.is_set():
            run_id = claims.claim_next(self.worker_id)
            if run_id is None:
                return False
            spawn_executioner(run_id, claimed_by=self.worker_id)
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
            running = reap_children()
            if self._stop.is_set() or (self.once and not queue_left):
                if not running:
                    return self.started
            if self._stop.is_set():
                time.sleep(0.2)  # waiting for started runs to end
            else:
                self._stop.wait(0.2 if running or queue_left else self.poll_seconds)

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop claiming (call from the main thread)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())
