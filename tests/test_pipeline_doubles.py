"""Test doubles the pipeline tests share (plain sources and sinks; this module holds no tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from schoology_etl.io.base import AsyncSink, AsyncSource, Sink, Source, WriteResult


class ListSource(Source):
    """Re-iterable over a list; counts how many iterations were opened and closed."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.opened = 0
        self.closed = 0

    def _iter(self) -> Iterator[dict[str, Any]]:
        self.opened += 1
        try:
            yield from self.records
        finally:
            self.closed += 1


class GeneratedSource(Source):
    """``n`` records made on the fly: nothing is held in memory."""

    def __init__(self, n: int) -> None:
        self.n = n

    def _iter(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n):
            yield {"id": i, "name": f"user {i}", "role": "student" if i % 3 else "teacher"}


class AsyncListSource(AsyncSource):
    """An async-only source over a list."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    async def _aiter(self) -> AsyncIterator[dict[str, Any]]:  # type: ignore[override]
        for record in self.records:
            yield record


class RecordingSink(Sink):
    """Keeps every batch it was asked to flush; can refuse records whose ``bad`` is true."""

    def __init__(self, batch_size: int = 3) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.batches: list[list[dict[str, Any]]] = []
        self.finished = False
        self.aborted = False

    def _flush(self, batch: list[dict[str, Any]], start: int) -> list[WriteResult]:
        self.batches.append(list(batch))
        return [
            WriteResult(start + i, not r.get("bad"), r, "refused" if r.get("bad") else None)
            for i, r in enumerate(batch)
        ]

    def _finish(self) -> None:
        self.finished = True

    def abort(self) -> None:
        super().abort()
        self.aborted = True

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for b in self.batches for r in b]


class CountingSink(Sink):
    """Counts records and keeps nothing (for memory tests)."""

    def __init__(self, batch_size: int = 500) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.keep_results = False
        self.count = 0

    def _flush(self, batch: list[dict[str, Any]], start: int) -> list[WriteResult]:
        self.count += len(batch)
        return []


class AsyncRecordingSink(AsyncSink):
    """The async twin of :class:`RecordingSink`."""

    def __init__(self, batch_size: int = 3) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.batches: list[list[dict[str, Any]]] = []
        self.aborted = False

    async def _flush(self, batch: list[dict[str, Any]], start: int) -> list[WriteResult]:
        self.batches.append(list(batch))
        return [WriteResult(start + i, not r.get("bad"), r) for i, r in enumerate(batch)]

    async def aabort(self) -> None:
        await super().aabort()
        self.aborted = True

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for b in self.batches for r in b]
