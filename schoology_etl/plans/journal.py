"""The apply journal: append-only JSON Lines, fsync'd per batch.

Line 1 names the plan (path and digest). Before a chunk is written, one ``pending``
line per change goes to disk; after the API answers, one line per change with its
outcome: ``applied`` (with ``before``, ``after`` and the API's per-item response),
``failed`` (with the response code and message and the input change), ``drifted``
(with each differing field), or ``unchanged`` (the object already held ``after``).

Resuming reads the journal back: a change with an outcome is never sent again; a change
left ``pending`` (interrupted between send and answer) is re-read and counted as applied
if the object already holds its ``after``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import Change, PlanIntegrityError

log = logging.getLogger(__name__)

JOURNAL_FORMAT = "schoology-etl-journal"
PENDING, APPLIED, FAILED, DRIFTED, UNCHANGED = "pending", "applied", "failed", "drifted", "unchanged"
OUTCOMES = frozenset({APPLIED, FAILED, DRIFTED, UNCHANGED})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def entry_for(change: Change, status: str, **details: Any) -> dict[str, Any]:
    """One journal line for ``change``."""
    return {"seq": change.seq, "status": status, "op": change.op, "realm": change.realm, "key": change.key,
            "id": change.id, "before": change.before, "after": change.after, "at": _now(), **details}


def pending_entry(change: Change) -> dict[str, Any]:
    """The line written before ``change`` is sent."""
    return {"seq": change.seq, "status": PENDING, "at": _now()}


def read_journal(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The journal's header and an iterator over its entries (a torn last line is ignored)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"no journal at {path}")
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path}, line 1: not a journal header ({exc.msg})") from exc
    if header.get("format") != JOURNAL_FORMAT:
        raise ConfigurationError(f"{path}, line 1: not a journal (format {header.get('format')!r})")

    def entries() -> Iterator[dict[str, Any]]:
        with open(path, encoding="utf-8") as fh:
            fh.readline()
            for line_no, line in enumerate(fh, start=2):
                if not line.endswith("\n"):
                    log.warning("%s, line %d: torn last line ignored (interrupted write)", path, line_no)
                    return
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigurationError(f"{path}, line {line_no}: not JSON ({exc.msg})") from exc

    return header, entries()


class Journal:
    """Append-only record of one plan's apply; reopen it to resume.

    Args:
        path: the journal file (created with its header when absent).
        plan_digest: the digest of the plan being applied; an existing journal for a
            different plan is refused.
        plan_path: stored in the header for people and for undo.
    """

    def __init__(self, path: str | os.PathLike[str], *, plan_digest: str, plan_path: str | None = None,
                 base_url: str | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.outcomes: dict[int, str] = {}
        self.pending: set[int] = set()
        if self.path.exists() and self.path.stat().st_size > 0:
            header, entries = read_journal(self.path)
            if header.get("plan_digest") != plan_digest:
                raise PlanIntegrityError(f"journal {self.path} belongs to another plan "
                                         f"(digest {str(header.get('plan_digest'))[:12]}...)")
            for e in entries:
                self._note(e)
            self._fh = open(self.path, "a", encoding="utf-8", newline="\n")
            self._truncate_torn_line()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8", newline="\n")
            header = {"format": JOURNAL_FORMAT, "version": 1, "plan": plan_path, "plan_digest": plan_digest,
                      "base_url": base_url, "created": _now()}
            self._append([header])

    def _truncate_torn_line(self) -> None:
        with open(self.path, "rb") as fh:
            data = fh.read()
        cut = data.rfind(b"\n") + 1
        if cut != len(data):
            self._fh.close()
            os.truncate(self.path, cut)
            self._fh = open(self.path, "a", encoding="utf-8", newline="\n")

    def _note(self, entry: Mapping[str, Any]) -> None:
        seq, status = int(entry["seq"]), entry["status"]
        if status == PENDING:
            if seq not in self.outcomes:
                self.pending.add(seq)
        elif status in OUTCOMES:
            self.outcomes[seq] = status
            self.pending.discard(seq)

    def _append(self, lines: Iterable[Mapping[str, Any]]) -> None:
        text = "".join(json.dumps(line, sort_keys=True, separators=(",", ":"), default=str) + "\n" for line in lines)
        with self._lock:
            self._fh.write(text)
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def done(self, seq: int) -> bool:
        """True when the change already has an outcome (it is never sent again)."""
        return seq in self.outcomes

    def mark_pending(self, changes: Iterable[Change]) -> None:
        """Record, durably, that these changes are about to be sent."""
        lines = [pending_entry(c) for c in changes]
        self._append(lines)
        self.pending.update(line["seq"] for line in lines)

    def record(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append outcomes durably (one fsync for the batch)."""
        entries = list(entries)
        if entries:
            self._append(entries)
            for e in entries:
                self._note(e)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
