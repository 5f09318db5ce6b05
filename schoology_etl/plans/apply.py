"""Apply exactly a reviewed plan: drift-check, bulk-write, journal, resume.

A plan that creates objects and changes others is applied in two passes: the creates
first, then the rest (a change may name an object the plan creates). For each chunk of
at most 50 changes of one realm and operation: re-read the objects
(batched, see :mod:`schoology_etl.plans.drift`), skip and report drifted ones, mark the
rest ``pending`` in the journal, write them in one bulk call through the client's
shared rate limiter, and journal every item's outcome. A failed item never stops the
others. Run again with the same journal to resume: nothing with an outcome is sent
twice, except, with ``retry_failed``, the changes the API refused.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schoology_etl.plans.drift import APPLY, DONE, Drift, check_change, describe_drift
from schoology_etl.plans.journal import APPLIED, DRIFTED, FAILED, UNCHANGED, Journal, entry_for, pending_entry
from schoology_etl.plans.model import CREATE, OPERATIONS, Change
from schoology_etl.plans.plan import Plan
from schoology_etl.plans.render import table
from schoology_etl.plans.targets import ItemResult, as_target

log = logging.getLogger(__name__)

CHUNK = 50
#: A plan header's ``extra`` key: when true, changes are applied strictly in the plan's order
#: (each run of one realm and operation finishes before the next starts); otherwise each
#: realm and operation is written in chunks, the last partial chunks by operation.
IN_ORDER = "in_order"


def default_journal_path(plan: Plan) -> Path:
    """``<plan>.journal.jsonl`` next to the plan file."""
    return plan.path.with_name(plan.path.name + ".journal.jsonl")


@dataclass
class ApplyReport:
    """What an apply did. Counts are complete; detail lists keep the first ``max_details``."""

    plan: str
    journal: str
    total: int = 0
    applied: int = 0
    skipped_drifted: int = 0
    failed: int = 0
    unchanged: int = 0
    recovered: int = 0
    resumed_skipped: int = 0
    chunks: int = 0
    requests: int = 0
    retries: int = 0
    elapsed: float = 0.0
    throttled_seconds: float = 0.0
    rate: tuple[int, float] | None = None
    drifted: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    max_details: int = 1000

    @property
    def rate_budget_use(self) -> float | None:
        """Ideal time for these requests under the rate limit, over the time taken (<= 1).

        1.0 means the apply went as fast as the rate budget allows; lower means budget
        was left unused (waiting on the API, or paused after a 429).
        """
        if not self.rate or self.requests <= 1 or self.elapsed <= 0:
            return None
        rate, window = self.rate
        ideal = window * ((self.requests - 1) // rate)
        return min(1.0, ideal / self.elapsed) if ideal > 0 else None

    def note_drift(self, change: Change, drift: list[Drift]) -> None:
        self.skipped_drifted += 1
        if len(self.drifted) < self.max_details:
            for d in drift:
                self.drifted.append({"seq": change.seq, "key": change.key_text, "field": d.field,
                                     "planned": d.planned, "actual": d.actual})

    def note_failure(self, change: Change, result: ItemResult) -> None:
        self.failed += 1
        if len(self.failures) < self.max_details:
            self.failures.append({"seq": change.seq, "key": change.key_text, "op": change.op,
                                  "response_code": result.response_code, "message": result.message,
                                  "input": change.to_dict()})

    def as_dict(self) -> dict[str, Any]:
        keys = ("plan", "journal", "total", "applied", "skipped_drifted", "failed", "unchanged", "recovered",
                "resumed_skipped", "chunks", "requests", "retries", "elapsed", "throttled_seconds")
        return {**{k: getattr(self, k) for k in keys}, "rate_budget_use": self.rate_budget_use}

    def __str__(self) -> str:
        return (f"applied {self.applied}, skipped (drifted) {self.skipped_drifted}, failed {self.failed}, "
                f"unchanged {self.unchanged} of {self.total}; {self.requests} requests, {self.retries} retries, "
                f"{self.elapsed:.1f} s")

    def _repr_html_(self) -> str:
        use = self.rate_budget_use
        rows = [(k, v) for k, v in self.as_dict().items() if k not in ("plan", "journal")]
        rows[-1] = ("rate_budget_use", f"{use:.0%}" if use is not None else "n/a")
        out = table(["", ""], rows, caption=f"Apply of {Path(self.plan).name}")
        if self.drifted:
            out += table(["seq", "key", "field", "planned before", "now"],
                         [tuple(d.values()) for d in self.drifted[:50]],
                         caption=f"Skipped: changed since planning ({self.skipped_drifted})")
        if self.failures:
            out += table(["seq", "key", "op", "code", "message", "input"],
                         [tuple(f.values()) for f in self.failures[:50]],
                         caption=f"Failed ({self.failed})")
        return f"<div>{out}</div>"


class _Applier:
    """Runs chunks (possibly on worker threads); journal and report updates are serialized."""

    def __init__(self, target: Any, journal: Journal, report: ApplyReport) -> None:
        self.target, self.journal, self.report = target, journal, report
        self._lock = threading.Lock()

    def run_chunk(self, realm: str, op: str, chunk: list[Change]) -> None:
        current = self.target.read(chunk)
        entries: list[dict[str, Any]] = []
        to_write: list[Change] = []
        with self._lock:
            for c in chunk:
                verdict = check_change(c, current.get(c.seq))
                if verdict.action == APPLY:
                    to_write.append(c)
                elif verdict.action == DONE:
                    if c.seq in self.journal.pending:
                        response = {"ok": True, "id": verdict.current_id, "message": "found applied on resume"}
                        entries.append(entry_for(c, APPLIED, recovered=True, response=response))
                        self.report.applied += 1
                        self.report.recovered += 1
                    else:
                        entries.append(entry_for(c, UNCHANGED, current_id=verdict.current_id))
                        self.report.unchanged += 1
                else:
                    entries.append(entry_for(c, DRIFTED, drift=describe_drift(verdict.drift)))
                    self.report.note_drift(c, verdict.drift)
            entries += [pending_entry(c) for c in to_write]
            self.journal.record(entries)
        if to_write:
            # A chunk refused as a whole comes back as per-item failures from the client; any
            # other error propagates with the chunk left pending, and resume re-reads it.
            results = self.target.write(realm, op, to_write)
            with self._lock:
                outcomes = []
                for c, r in zip(to_write, results, strict=True):
                    if r.ok:
                        outcomes.append(entry_for(c, APPLIED, response=r.to_dict()))
                        self.report.applied += 1
                    else:
                        outcomes.append(entry_for(c, FAILED, response=r.to_dict()))
                        self.report.note_failure(c, r)
                self.journal.record(outcomes)
        with self._lock:
            self.report.chunks += 1


class _Dispatcher:
    """Feeds chunks to the applier, at most ``concurrency`` at a time, in plan order."""

    def __init__(self, applier: _Applier, concurrency: int, on_chunk: Callable[[ApplyReport], None] | None) -> None:
        self.applier, self.concurrency, self.on_chunk = applier, max(1, concurrency), on_chunk
        self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="apply") if self.concurrency > 1 else None
        self.inflight: deque[Future[None]] = deque()

    def submit(self, realm: str, op: str, chunk: list[Change]) -> None:
        if self.pool is None:
            self.applier.run_chunk(realm, op, chunk)
            self._done()
            return
        self.inflight.append(self.pool.submit(self.applier.run_chunk, realm, op, chunk))
        while len(self.inflight) >= self.concurrency:
            self.inflight.popleft().result()
            self._done()

    def drain(self) -> None:
        while self.inflight:
            self.inflight.popleft().result()
            self._done()

    def _done(self) -> None:
        if self.on_chunk is not None:
            self.on_chunk(self.applier.report)

    def close(self) -> None:
        """Let chunks already sent finish and be journaled (a write in flight cannot be recalled)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def _phases(plan: Plan) -> list[str | None]:
    """``[CREATE, "rest"]`` when the plan creates objects and changes others: every create is
    written (and drained) first, since later changes may name what it creates (a new
    group's first members); ``[None]`` (one pass in plan order) otherwise."""
    ops = [op for per_op in plan.header.counts.values() for op, n in per_op.items() if n]
    return [CREATE, "rest"] if CREATE in ops and any(op != CREATE for op in ops) else [None]


def apply_plan(
    plan: Plan | str | os.PathLike[str],
    client: Any,
    *,
    journal: str | os.PathLike[str] | None = None,
    expected_digest: str | None = None,
    drift: str = "auto",
    chunk_size: int = CHUNK,
    concurrency: int | None = None,
    on_chunk: Callable[[ApplyReport], None] | None = None,
    retry_failed: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> ApplyReport:
    """Apply exactly the changes of ``plan`` through ``client``; resume from ``journal``.

    A plan written with ``in_order`` (see :data:`IN_ORDER`) is applied strictly in its order.

    Args:
        plan: a :class:`Plan` or the path of a plan file.
        client: a ``SchoologyClient`` (or a target such as :class:`MemoryTarget`).
        journal: the journal file (default: next to the plan); an existing one resumes.
        expected_digest: the digest that was reviewed; a different plan is refused.
        drift: how to re-read objects: ``auto`` (fewest requests), ``filter``, ``multiget``,
            ``snapshot`` or ``csvexport``.
        chunk_size: changes per bulk write (at most 50).
        concurrency: chunks in flight at once (default: the client's ``max_concurrency``),
            so request latency does not leave rate budget unused.
        on_chunk: called with the report after every chunk (progress; may raise to stop).
        retry_failed: resuming, send again the changes the API refused last time (after
            a fix); everything else with an outcome is still never sent twice.
        clock: monotonic clock for ``elapsed``.

    Raises:
        PlanIntegrityError: the plan changed since review, or the journal is another plan's.
    """
    plan = plan if isinstance(plan, Plan) else Plan(plan)
    digest = plan.verify(expected_digest)
    target = as_target(client, drift=drift)
    chunk_size = max(1, min(chunk_size, CHUNK))
    if concurrency is None:
        concurrency = int(getattr(target, "concurrency", 1))
    jpath = Path(journal) if journal is not None else default_journal_path(plan)
    report = ApplyReport(plan=str(plan.path), journal=str(jpath), total=plan.header.total)
    report.rate = target.rate()
    per_realm = {realm: sum(ops.values()) for realm, ops in plan.header.counts.items()}
    target.prepare(per_realm, plan.header.current_counts, plan.header.fields)
    before, started = target.counters(), clock()
    order = {op: i for i, op in enumerate(OPERATIONS)}
    in_order = bool(plan.header.extra.get(IN_ORDER))
    try:
        with Journal(jpath, plan_digest=digest, plan_path=str(plan.path), base_url=plan.header.base_url) as jr:
            dispatcher = _Dispatcher(_Applier(target, jr, report), concurrency, on_chunk)
            try:
                # in order: the plan's own order, one run of (realm, op) at a time; else creates first
                for phase in [None] if in_order else _phases(plan):
                    buffers: dict[tuple[str, str], list[Change]] = {}
                    last: tuple[str, str] | None = None
                    for change in plan:
                        if phase is not None and (change.op == CREATE) != (phase == CREATE):
                            continue
                        if jr.done(change.seq) and not (retry_failed and jr.outcomes.get(change.seq) == FAILED):
                            report.resumed_skipped += 1
                            continue
                        if in_order and last not in (None, (change.realm, change.op)):
                            # the plan's order matters: finish every change before this one first
                            for (realm, op), group in buffers.items():
                                dispatcher.submit(realm, op, group)
                            buffers.clear()
                            dispatcher.drain()
                        last = (change.realm, change.op)
                        group = buffers.setdefault((change.realm, change.op), [])
                        group.append(change)
                        if len(group) >= chunk_size:
                            dispatcher.submit(change.realm, change.op, buffers.pop((change.realm, change.op)))
                    for (realm, op), group in sorted(buffers.items(), key=lambda kv: order[kv[0][1]]):
                        dispatcher.submit(realm, op, group)
                    dispatcher.drain()
            finally:
                dispatcher.close()
    finally:
        after = target.counters()
        report.requests = int(after["requests"] - before["requests"])
        report.retries = int(after["retries"] - before["retries"])
        report.throttled_seconds = float(after["throttled_seconds"] - before["throttled_seconds"])
        report.elapsed = clock() - started
    log.info("apply of %s: %s", plan.path.name, report)
    return report


def minimal_requests(changes: int, verify_reads: int) -> int:
    """The fewest requests an apply can use: one write per 50 changes plus the reads."""
    return math.ceil(changes / CHUNK) + verify_reads
