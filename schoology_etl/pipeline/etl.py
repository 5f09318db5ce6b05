"""``etl()`` and ``aetl()``: pull records from a source, pass them through steps, write them.

Streaming and pull-based: one record is read, run through the steps and handed to the
sink before the next is read, so memory stays at about one source page plus one sink
batch whatever the number of records.

Example:
    >>> from schoology_etl.io.pandas import read_dataframe, write_dataframe
    >>> import pandas as pd
    >>> sink = write_dataframe()
    >>> report = etl(read_dataframe(pd.DataFrame({"n": [1, 2, 3]})), sink,
    ...              filters=[lambda r: r["n"] > 1],
    ...              transforms=[lambda r: {**r, "double": r["n"] * 2}])
    >>> report.read, report.filtered, report.written
    (3, 1, 2)
    >>> sink.dataframe["double"].tolist()
    [4, 6]
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Literal

from ..errors import ConfigurationError, RecordError
from ..io.base import WriteResult
from .report import MAX_FAILURES, Failure, RunReport
from .steps import Step, apply_steps, build_steps

log = logging.getLogger(__name__)

Record = dict[str, Any]
OnError = Literal["raise", "collect"]


def etl(
    source: Iterable[Record],
    sink: Any,
    *,
    filters: Iterable[Callable[[Record], Any]] = (),
    transforms: Iterable[Callable[[Record], Any]] = (),
    limit: int | None = None,
    progress: bool = False,
    on_error: OnError = "raise",
    max_failures: int = MAX_FAILURES,
) -> RunReport:
    """Stream every record of ``source`` through filters, then transforms, into ``sink``.

    Args:
        source: a :class:`~schoology_etl.io.base.Source` (or any iterable of dicts).
        sink: a :class:`~schoology_etl.io.base.Sink`; closed on success (flushing the
            last batch), aborted if anything raises.
        filters: callables ``record -> bool``; false drops the record.
        transforms: callables ``record -> dict | None | iterable of dicts``
            (``None`` drops, an iterable fans out; see :mod:`.steps`).
        limit: read at most this many source records.
        progress: show a tqdm progress bar.
        on_error: ``"raise"`` stops at the first failing record with a
            :class:`~schoology_etl.errors.RecordError`; ``"collect"`` counts it as failed,
            keeps its message in the report and goes on.
        max_failures: how many failures the report keeps in full.

    Returns:
        The :class:`RunReport` of the run.

    Raises:
        RecordError: a step failed (``on_error="raise"``); ``step``, ``index`` (the
            source position) and ``record`` say where, ``__cause__`` holds the original.
            Errors of the source itself (a malformed CSV row, an HTTP error) always stop
            the run, whatever ``on_error`` says: the sink is aborted.
    """
    return run_steps(
        source, sink, build_steps(filters, transforms),
        limit=limit, progress=progress, on_error=on_error, max_failures=max_failures,
    )


async def aetl(
    source: Any,
    sink: Any,
    *,
    filters: Iterable[Callable[[Record], Any]] = (),
    transforms: Iterable[Callable[[Record], Any]] = (),
    limit: int | None = None,
    progress: bool = False,
    on_error: OnError = "raise",
    max_failures: int = MAX_FAILURES,
) -> RunReport:
    """The async twin of :func:`etl`; await it in a notebook cell or a task.

    Async sources are read with ``async for``; sync sources are accepted too. The sink
    may be a :class:`~schoology_etl.io.base.Sink` or an
    :class:`~schoology_etl.io.base.AsyncSink`. Steps are plain (sync) callables.
    """
    return await arun_steps(
        source, sink, build_steps(filters, transforms),
        limit=limit, progress=progress, on_error=on_error, max_failures=max_failures,
    )


def run_steps(
    source: Iterable[Record],
    sink: Any,
    steps: tuple[Step, ...],
    *,
    limit: int | None = None,
    progress: bool = False,
    on_error: OnError = "raise",
    max_failures: int = MAX_FAILURES,
) -> RunReport:
    """Run ``steps`` in the given order (what :func:`etl` and ``Pipeline.to`` call)."""
    if not hasattr(sink, "__enter__"):
        hint = "; use aetl() for an async sink" if hasattr(sink, "__aenter__") else ""
        raise ConfigurationError(f"{sink!r} is not a Sink (a context manager with write()){hint}")
    run = _Run(source, sink, steps, limit, progress, on_error, max_failures)
    try:
        with sink:
            it = iter(source)
            try:
                for index, record in _limited(it, limit):
                    for out in run.process(record, index):
                        run.write(sink.write, out)
            finally:
                _close(it)
    finally:
        run.close_bar()
    return run.finish()


async def arun_steps(
    source: Any,
    sink: Any,
    steps: tuple[Step, ...],
    *,
    limit: int | None = None,
    progress: bool = False,
    on_error: OnError = "raise",
    max_failures: int = MAX_FAILURES,
) -> RunReport:
    """The async twin of :func:`run_steps`."""
    run = _Run(source, sink, steps, limit, progress, on_error, max_failures)
    is_async_sink = hasattr(sink, "aclose")
    try:
        async with _entered(sink), contextlib.aclosing(_alimited(source, limit)) as records:
            async for index, record in records:
                for out in run.process(record, index):
                    if is_async_sink:
                        await run.awrite(sink.write, out)
                    else:
                        run.write(sink.write, out)
    finally:
        run.close_bar()
    return run.finish()


@contextlib.asynccontextmanager
async def _entered(sink: Any) -> AsyncIterator[Any]:
    """Enter a sync or an async sink: closed on success, aborted on an exception."""
    if hasattr(sink, "aclose"):
        async with sink:
            yield sink
    else:
        with sink:
            yield sink


def _limited(it: Iterator[Record], limit: int | None) -> Iterator[tuple[int, Record]]:
    return enumerate(itertools.islice(it, limit))


async def _alimited(source: Any, limit: int | None) -> AsyncGenerator[tuple[int, Record], None]:
    if limit is not None and limit <= 0:
        return
    index = 0
    if hasattr(source, "__aiter__"):
        ait = source.__aiter__()
        try:
            async for record in ait:
                yield index, record
                index += 1
                if limit is not None and index >= limit:
                    return
        finally:
            aclose = getattr(ait, "aclose", None)
            if aclose is not None:
                await aclose()
    else:
        it = iter(source)
        try:
            for index, record in _limited(it, limit):
                yield index, record
        finally:
            _close(it)


def _close(it: Any) -> None:
    close = getattr(it, "close", None)
    if close is not None:
        close()


class _Run:
    """Counters, failures, progress and client-stat deltas of one run."""

    def __init__(
        self,
        source: Any,
        sink: Any,
        steps: tuple[Step, ...],
        limit: int | None,
        progress: bool,
        on_error: OnError,
        max_failures: int,
    ) -> None:
        if on_error not in ("raise", "collect"):
            raise ConfigurationError(f"on_error must be 'raise' or 'collect', got {on_error!r}")
        if limit is not None and limit < 0:
            raise ConfigurationError(f"limit must be >= 0, got {limit!r}")
        self.sink = sink
        self.steps = steps
        self.collect = on_error == "collect"
        self.max_failures = max_failures
        self.report = RunReport()
        self.clients = _clients(source, sink)
        self.stats_before = [_stats(c) for c in self.clients]
        self.seen_results = 0
        self.written_before = getattr(sink, "written", 0)
        self.started = time.perf_counter()
        self.bar = _progress_bar(_expected(source, limit)) if progress else None

    def process(self, record: Record, index: int) -> list[Record]:
        """The records that come out of the steps for one source record."""
        self.report.read += 1
        if self.bar is not None:
            self.bar.update(1)
        try:
            out = apply_steps(self.steps, record, index)
        except RecordError as exc:
            if not self.collect:
                raise
            self._fail(exc.index, exc.step or "step", exc, exc.record)
            return []
        if not out:
            self.report.filtered += 1
        return out

    def write(self, write: Callable[[Record], Any], record: Record) -> None:
        try:
            write(record)
        except RecordError as exc:  # a sink refusing this one record, before buffering
            if not self.collect:
                raise
            self._fail(exc.index, exc.step or "sink", exc, record)
        self._take_results()

    async def awrite(self, write: Callable[[Record], Any], record: Record) -> None:
        try:
            await write(record)
        except RecordError as exc:
            if not self.collect:
                raise
            self._fail(exc.index, exc.step or "sink", exc, record)
        self._take_results()

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _fail(self, index: int | None, stage: str, exc: BaseException, record: Any) -> None:
        message = Exception.__str__(exc) if isinstance(exc, RecordError) else str(exc)
        log.debug("record %s failed at %s: %s", index, stage, message)
        self.report.add_failure(Failure(index, stage, message, record), limit=self.max_failures)

    def _take_results(self) -> None:
        results: list[WriteResult] = getattr(self.sink, "results", None) or []
        if len(results) <= self.seen_results:
            return
        for result in results[self.seen_results :]:
            if result.ok:
                self.report.written += 1
            else:
                self._fail_result(result)
        self.seen_results = len(results)

    def _fail_result(self, result: WriteResult) -> None:
        self.report.add_failure(
            Failure(result.index, "sink", result.message or "write failed", result.record),
            limit=self.max_failures,
        )

    def finish(self) -> RunReport:
        """Take the last results and client stats; stop the clock."""
        self._take_results()
        if not getattr(self.sink, "keep_results", True):
            self.report.written = getattr(self.sink, "written", 0) - self.written_before
        for client, before in zip(self.clients, self.stats_before, strict=True):
            after = _stats(client)
            self.report.requests += after[0] - before[0]
            self.report.retries += after[1] - before[1]
        summary = getattr(self.sink, "summary", None)
        if callable(summary):
            self.report.sink = dict(summary())
        self.report.elapsed = time.perf_counter() - self.started
        self.close_bar()
        log.info("%s", self.report)
        return self.report


def _clients(source: Any, sink: Any) -> list[Any]:
    found: list[Any] = []
    for holder in (source, sink):
        client = getattr(holder, "client", None)
        if client is not None and getattr(client, "stats", None) is not None:
            if all(client is not c for c in found):
                found.append(client)
    return found


def _stats(client: Any) -> tuple[int, int]:
    stats = client.stats
    return int(getattr(stats, "requests", 0) or 0), int(getattr(stats, "retries", 0) or 0)


def _expected(source: Any, limit: int | None) -> int | None:
    """How many records the bar should expect, when the source can tell cheaply."""
    try:
        size = len(source)
    except TypeError:
        return limit
    return size if limit is None else min(size, limit)


def _progress_bar(total: int | None) -> Any:
    from schoology_etl.progress import progress

    return progress(total=total, unit=" records", desc="etl")
