"""The two shapes every connector takes: a re-iterable Source and a batching Sink."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import SourceFormatError

Record = dict[str, Any]


def check_header(header: list[str], required_columns: Iterable[str],
                 error: Callable[[str, int], SourceFormatError]) -> None:
    """A file source's header row: no column twice, every required column there (errors on line 1).

    Raises:
        SourceFormatError: made by ``error(message, 1)``, naming the duplicate or missing columns.
    """
    seen: set[str] = set()
    dupes = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if dupes:
        raise error(f"duplicate column(s) in header: {', '.join(map(repr, dupes))}", 1)
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise error(f"missing required column(s) {', '.join(map(repr, missing))}; "
                    f"header has {', '.join(map(repr, header))}", 1)


class Source:
    """A re-iterable description of records.

    Every call to ``iter()`` opens its own file, cursor or HTTP session, so a preview
    (``head``) and a full run never share state. Subclasses implement ``_iter``.
    """

    def __iter__(self) -> Iterator[Record]:
        return self._iter()

    def _iter(self) -> Iterator[Record]:
        raise NotImplementedError

    def head(self, n: int = 5) -> list[Record]:
        """The first ``n`` records (opens and closes its own iteration)."""
        it = iter(self)
        try:
            return list(itertools.islice(it, n))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class AsyncSource(Source):
    """A source that can also be read with ``async for``."""

    def __aiter__(self) -> AsyncIterator[Record]:
        return self._aiter()

    def _aiter(self) -> AsyncIterator[Record]:
        raise NotImplementedError


@dataclass
class WriteResult:
    """What happened to one record written to a sink."""

    index: int
    ok: bool
    record: Record
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Sink:
    """A context manager that buffers records and writes them in batches.

    ``write`` buffers and flushes every ``batch_size`` records; ``close`` flushes the
    last partial batch. ``results`` holds one :class:`WriteResult` per record written.
    Subclasses implement ``_flush(batch)`` returning results for that batch.
    """

    batch_size: int = 500

    def __init__(self) -> None:
        self._buffer: list[Record] = []
        self._count = 0
        self._closed = False
        self.results: list[WriteResult] = []
        self.keep_results = True

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, record: Record) -> None:
        if self._closed:
            raise ValueError(f"{type(self).__name__} is closed")
        self._buffer.append(record)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def write_many(self, records: Any) -> None:
        for record in records:
            self.write(record)

    def flush(self) -> list[WriteResult]:
        if not self._buffer:
            return []
        batch, self._buffer = self._buffer, []
        start = self._count
        self._count += len(batch)
        results = self._flush(batch, start)
        if self.keep_results:
            self.results.extend(results)
        return results

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        raise NotImplementedError

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.flush()
            self._finish()
        finally:
            self._closed = True

    def abort(self) -> None:
        """Give up without flushing; subclasses undo what is half-written."""
        self._buffer = []
        self._closed = True

    def _finish(self) -> None:
        """Hook for subclasses: commit, rename into place, close handles."""

    @property
    def written(self) -> int:
        return self._count


class AsyncSink:
    """The async twin of :class:`Sink`: ``async with``, ``await write()``."""

    batch_size: int = 500

    def __init__(self) -> None:
        self._buffer: list[Record] = []
        self._count = 0
        self._closed = False
        self.results: list[WriteResult] = []
        self.keep_results = True

    async def __aenter__(self) -> AsyncSink:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.aclose()
        else:
            await self.aabort()

    async def write(self, record: Record) -> None:
        if self._closed:
            raise ValueError(f"{type(self).__name__} is closed")
        self._buffer.append(record)
        if len(self._buffer) >= self.batch_size:
            await self.flush()

    async def flush(self) -> list[WriteResult]:
        if not self._buffer:
            return []
        batch, self._buffer = self._buffer, []
        start = self._count
        self._count += len(batch)
        results = await self._flush(batch, start)
        if self.keep_results:
            self.results.extend(results)
        return results

    async def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        raise NotImplementedError

    async def aclose(self) -> None:
        if self._closed:
            return
        try:
            await self.flush()
            await self._afinish()
        finally:
            self._closed = True

    async def aabort(self) -> None:
        self._buffer = []
        self._closed = True

    async def _afinish(self) -> None:
        """Hook for subclasses."""

    @property
    def written(self) -> int:
        return self._count
