"""Compare two large keyed streams in bounded memory (job ``sis_sync_health``).

A district's users, enrollments or parent links are too many to hold as records on both
sides. Each side instead goes through an :class:`ExternalSorter`: ``(key, payload)``
pairs are kept in memory up to ``chunk_size``, then written sorted to a temporary file
(JSON lines); reading the sorter merges the files (``heapq.merge``), so memory holds one
chunk and one line per file. :func:`merge_diff` walks two sorted streams side by side.

>>> with ExternalSorter(chunk_size=2) as left, ExternalSorter() as right:
...     for k in ("c", "a", "b"):
...         left.add(k, {"n": k})
...     right.add("b", {"n": "B"})
...     right.add("d", {"n": "D"})
...     [(r.key, r.side) for r in merge_diff(left, right)]
[('a', 'left'), ('b', 'both'), ('c', 'left'), ('d', 'right')]
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

CHUNK_SIZE = 100_000


class ExternalSorter:
    """``(key, payload)`` pairs, read back sorted by key (then payload order of arrival).

    Payloads must be JSON-serialisable. The temporary files live in ``tmpdir`` (the
    system's by default) and are removed on :meth:`close` (or leaving a ``with`` block).
    ``repeated`` counts keys added more than once once the sorter has been read.
    """

    def __init__(self, *, chunk_size: int = CHUNK_SIZE, tmpdir: str | None = None) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        self.chunk_size = chunk_size
        self.tmpdir = tmpdir
        self.count = 0
        self._buffer: list[tuple[str, int, Any]] = []
        self._files: list[str] = []
        self._handles: list[IO[str]] = []

    def __enter__(self) -> ExternalSorter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, key: str, payload: Any = None) -> None:
        self._buffer.append((key, self.count, payload))
        self.count += 1
        if len(self._buffer) >= self.chunk_size:
            self._spill()

    def extend(self, pairs: Iterable[tuple[str, Any]]) -> ExternalSorter:
        for key, payload in pairs:
            self.add(key, payload)
        return self

    @property
    def spilled(self) -> int:
        """How many chunk files were written."""
        return len(self._files)

    def _spill(self) -> None:
        self._buffer.sort(key=lambda item: (item[0], item[1]))
        fd, path = tempfile.mkstemp(prefix="toolbelt-sort-", suffix=".jsonl", dir=self.tmpdir)
        self._files.append(path)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for item in self._buffer:
                fh.write(json.dumps(item, separators=(",", ":"), default=str) + "\n")
        self._buffer = []

    def _read(self, path: str) -> Iterator[tuple[str, int, Any]]:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed by close(), the merge reads lazily
        self._handles.append(fh)
        for line in fh:
            key, order, payload = json.loads(line)
            yield key, order, payload

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        self._buffer.sort(key=lambda item: (item[0], item[1]))
        streams = [self._read(p) for p in self._files] + [iter(self._buffer)]
        for key, _order, payload in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            yield key, payload

    def close(self) -> None:
        for fh in self._handles:
            fh.close()
        for path in self._files:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self._handles, self._files, self._buffer = [], [], []


@dataclass
class DiffRow:
    """One key of a :func:`merge_diff`: ``side`` is ``left``, ``right`` or ``both``; ``changed`` names the
    compared fields whose values differ (only for ``both``)."""

    key: str
    side: str
    left: Any
    right: Any
    changed: tuple[str, ...] = ()


@dataclass
class DiffCounts:
    """What a :func:`merge_diff` saw: keys on each side, in both, only on one, differing, repeated."""

    left: int = 0
    right: int = 0
    both: int = 0
    left_only: int = 0
    right_only: int = 0
    differs: int = 0
    left_repeated: int = 0
    right_repeated: int = 0


def _unique(pairs: Iterable[tuple[str, Any]], counts: DiffCounts, side: str) -> Iterator[tuple[str, Any]]:
    last: str | None = None
    for key, payload in pairs:
        if key == last:
            setattr(counts, f"{side}_repeated", getattr(counts, f"{side}_repeated") + 1)
            continue
        last = key
        setattr(counts, side, getattr(counts, side) + 1)
        yield key, payload


def merge_diff(
    left: Iterable[tuple[str, Any]],
    right: Iterable[tuple[str, Any]],
    *,
    compare: Sequence[str] = (),
    counts: DiffCounts | None = None,
) -> Iterator[DiffRow]:
    """Every key of two key-sorted streams, in key order, with the side(s) it is on.

    A key repeated within one stream counts once (its first payload is used; the repeats
    are counted in ``counts``). For keys on both sides, the ``compare`` fields of the
    two payloads (mappings) are compared as text.

    Raises:
        ValueError: a stream is not sorted by key.
    """
    counts = counts if counts is not None else DiffCounts()
    a, b = _checked(_unique(left, counts, "left"), "left"), _checked(_unique(right, counts, "right"), "right")
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            assert x is not None
            counts.left_only += 1
            yield DiffRow(x[0], "left", x[1], None)
            x = next(a, None)
        elif x is None or y[0] < x[0]:
            counts.right_only += 1
            yield DiffRow(y[0], "right", None, y[1])
            y = next(b, None)
        else:
            changed = tuple(f for f in compare if _text(x[1].get(f)) != _text(y[1].get(f)))
            counts.both += 1
            counts.differs += bool(changed)
            yield DiffRow(x[0], "both", x[1], y[1], changed)
            x, y = next(a, None), next(b, None)


def merge_groups(
    left: Iterable[tuple[str, Any]], right: Iterable[tuple[str, Any]]
) -> Iterator[tuple[str, list[Any], list[Any]]]:
    """Every key of two key-sorted streams once, in key order, with all its payloads from
    each side (in arrival order; an empty list on the side that lacks it). Unlike
    :func:`merge_diff`, a repeated key keeps every payload (the caller decides what a repeat
    means), so a key repeated many times is held whole.

    Raises:
        ValueError: a stream is not sorted by key.
    """
    a, b = _grouped(_checked(iter(left), "left")), _grouped(_checked(iter(right), "right"))
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            assert x is not None
            yield x[0], x[1], []
            x = next(a, None)
        elif x is None or y[0] < x[0]:
            yield y[0], [], y[1]
            y = next(b, None)
        else:
            yield x[0], x[1], y[1]
            x, y = next(a, None), next(b, None)


def _grouped(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, list[Any]]]:
    for key, group in itertools.groupby(pairs, key=lambda pair: pair[0]):
        yield key, [payload for _key, payload in group]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _checked(pairs: Iterator[tuple[str, Any]], side: str) -> Iterator[tuple[str, Any]]:
    last: str | None = None
    for key, payload in pairs:
        if last is not None and key < last:
            raise ValueError(f"the {side} stream is not sorted: {key!r} comes after {last!r}")
        last = key
        yield key, payload
