"""Run output into ``log_lines``: whole lines, masked, in order, visible to other processes within ~0.1 s.

The kernel may deliver one printed line in several stream messages (``print`` writes its
pieces separately). Each of stdout and stderr is therefore joined until a newline before
anything is masked or stored, so a line reaches the log as it was printed and a secret
written in pieces is masked as a whole. A partial line is stored after
:func:`~runner.execution.settings.partial_line_seconds` without more output on its stream
(or 10 times that in all), so progress output still appears; a carriage-return redraw
ends a line too (the log view keeps each progress bar's latest state). Other outputs
(rich displays, the runner's own lines) are whole messages stored at once, so one that
arrives between the pieces of a line comes before that line.

Lines are buffered by the caller's thread and inserted by :meth:`LogWriter.flush`
(called by the run monitor every tick), each batch in one short transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from runner.execution.scrub import Scrubber
from runner.execution.settings import partial_line_seconds
from runner.store import LogLine, get_engine, utcnow

JOINED_STREAMS = ("stdout", "stderr")
MAX_AGE_FACTOR = 10


def split_lines(text: str) -> list[str]:
    """``text`` as lines without their ``\\n`` (a trailing newline adds no empty line)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


class LineAssembler:
    """Joins one stream's pieces into whole lines.

    >>> a = LineAssembler()
    >>> a.feed("count", now=0.0), a.feed(" r12 1\\nnext", now=0.1), a.take()
    ([], ['count r12 1'], 'next')
    """

    def __init__(self) -> None:
        self.partial = ""
        self._first = 0.0  # when the partial line began
        self._last = 0.0  # when it last grew

    def feed(self, text: str, *, now: float) -> list[str]:
        """Add ``text``; the lines it completed (without their newline)."""
        if not self.partial:
            self._first = now
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        if lines:
            self._first = now
        cut = self.partial.rfind("\r")
        if cut > 0:  # a carriage-return redraw: what came before it is a finished state
            lines.append(self.partial[:cut])
            self.partial = self.partial[cut:]
        self._last = now
        return lines

    def take_idle(self, *, now: float, idle: float) -> str | None:
        """The partial line, if it waited ``idle`` seconds without growing (or 10x that in all)."""
        if self.partial and (now - self._last >= idle or now - self._first >= idle * MAX_AGE_FACTOR):
            return self.take()
        return None

    def take(self) -> str | None:
        """The partial line now (None when there is none)."""
        text, self.partial = self.partial, ""
        return text or None


class LogWriter:
    """Appends one run's output lines to the store.

    Args:
        run_id: the run.
        scrubber: masks secret values before anything is written.
        start_seq: the last ``seq`` already written for this run.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, run_id: int, scrubber: Scrubber, *, start_seq: int = 0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.run_id = run_id
        self.scrubber = scrubber
        self._seq = start_seq
        self._pending: list[dict[str, Any]] = []
        self._streams = {name: LineAssembler() for name in JOINED_STREAMS}
        self._clock = clock
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def write(self, stream: str, text: str) -> None:
        """Queue ``text`` on ``stream`` (stdout, stderr, display, system, traceback).

        stdout and stderr are joined into whole lines first; other streams are whole
        messages, each of their lines queued at once.
        """
        with self._lock:
            assembler = self._streams.get(stream)
            lines = assembler.feed(text, now=self._clock()) if assembler is not None else split_lines(text)
            self._queue(stream, lines)

    def end_lines(self) -> None:
        """Queue every partial line now (a cell ended, or the run is about to say something)."""
        with self._lock:
            for stream, assembler in self._streams.items():
                rest = assembler.take()
                if rest is not None:
                    self._queue(stream, [rest])

    def _queue(self, stream: str, lines: list[str]) -> None:
        if not lines:
            return
        now = utcnow()
        for raw in lines:
            for line in split_lines(self.scrubber.text(raw)) or [""]:
                self._seq += 1
                self._pending.append({"run_id": self.run_id, "seq": self._seq, "ts": now, "stream": stream,
                                      "text": line})

    def _queue_idle(self) -> None:
        with self._lock:
            now, idle = self._clock(), partial_line_seconds()
            for stream, assembler in self._streams.items():
                rest = assembler.take_idle(now=now, idle=idle)
                if rest is not None:
                    self._queue(stream, [rest])

    def flush(self) -> int:
        """Insert every queued line (and partial lines idle long enough); returns how many."""
        with self._flush_lock:
            self._queue_idle()
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

    def close(self) -> int:
        """Queue the partial lines and insert everything (the run is ending)."""
        self.end_lines()
        return self.flush()


def last_seq(run_id: int) -> int:
    """The highest ``seq`` written for ``run_id`` (0 when none)."""
    with get_engine().connect() as conn:
        value = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
    return int(value or 0)
