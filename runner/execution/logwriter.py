"""Run output into ``log_lines``: masked, in order, visible to other processes within ~0.1 s.

Lines are buffered by the caller's thread and inserted by :meth:`LogWriter.flush`
(called by the run monitor every tick), each batch in one short transaction.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from runner.execution.scrub import Scrubber
from runner.store import LogLine, get_engine, utcnow


def split_lines(text: str) -> list[str]:
    """``text`` as lines without their ``\\n`` (a trailing newline adds no empty line)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


class LogWriter:
    """Appends one run's output lines to the store.

    Args:
        run_id: the run.
        scrubber: masks secret values before anything is written.
        start_seq: the last ``seq`` already written for this run.
    """

    def __init__(self, run_id: int, scrubber: Scrubber, *, start_seq: int = 0) -> None:
        self.run_id = run_id
        self.scrubber = scrubber
        self._seq = start_seq
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def write(self, stream: str, text: str) -> None:
        """Queue every line of ``text`` on ``stream`` (stdout, stderr, display, system)."""
        lines = split_lines(self.scrubber.text(text))
        if not lines:
            return
        now = utcnow()
        with self._lock:
            for line in lines:
                self._seq += 1
                self._pending.append(
                    {"run_id": self.run_id, "seq": self._seq, "ts": now, "stream": stream, "text": line}
                )

    def flush(self) -> int:
        """Insert every queued line; returns how many."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with get_engine().begin() as conn:
                    conn.execute(sa.insert(LogLine), batch)
            except Exception:
                with self._lock:  # keep them, in order, for the next flush
                    self._pending[:0] = batch
                raise
            return len(batch)


def last_seq(run_id: int) -> int:
    """The highest ``seq`` written for ``run_id`` (0 when none)."""
    with get_engine().connect() as conn:
        value = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
    return int(value or 0)
