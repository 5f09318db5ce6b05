"""Pipeline: a small immutable builder for steps in any order.

Example:
    >>> from schoology_etl.io.pandas import read_dataframe
    >>> import pandas as pd
    >>> people = pd.DataFrame({"name": ["Ada", "Bo", "Cy"], "role": ["T", "S", "S"]})
    >>> p = (Pipeline.from_(read_dataframe(people))
    ...      .where(role="S")
    ...      .rename(name="name_first")
    ...      .select("name_first"))
    >>> p.head(5)
    [{'name_first': 'Bo'}, {'name_first': 'Cy'}]

Each method returns a new Pipeline; the source is re-read on every iteration, so a
preview (``head``) never spends the run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ConfigurationError
from .etl import OnError, arun_steps, run_steps
from .report import MAX_FAILURES, RunReport
from .steps import Record, Step, apply_steps


@dataclass(frozen=True)
class Pipeline:
    """A source plus an ordered tuple of steps; ``to(sink)`` runs it."""

    source: Iterable[Record]
    steps: tuple[Step, ...] = ()
    batch_size: int | None = None
    limit_to: int | None = None

    @classmethod
    def from_(cls, source: Iterable[Record]) -> Pipeline:
        """Start a pipeline reading ``source``."""
        return cls(source)

    def _add(self, step: Step) -> Pipeline:
        return replace(self, steps=(*self.steps, step))

    def filter(self, fn: Callable[[Record], Any], *, name: str | None = None) -> Pipeline:
        """Keep records for which ``fn(record)`` is true."""
        return self._add(Step.filter(fn, name))

    def map(self, fn: Callable[[Record], Any], *, name: str | None = None) -> Pipeline:
        """Transform records: ``fn`` returns a dict, None (drop) or an iterable of dicts."""
        return self._add(Step.transform(fn, name))

    def where(self, **equals: Any) -> Pipeline:
        """Keep records whose fields equal the given values (missing fields never match)."""
        items = tuple(equals.items())
        missing = object()

        def where(record: Record) -> bool:
            return all(record.get(k, missing) == v for k, v in items)

        label = ", ".join(f"{k}={v!r}" for k, v in items)
        return self._add(Step.filter(where, f"where({label})"))

    def select(self, *fields: str) -> Pipeline:
        """Keep only ``fields``, in that order; a missing field is an error naming it."""
        if not fields:
            raise ConfigurationError("select() needs at least one field name")

        def select(record: Record) -> Record:
            missing = [f for f in fields if f not in record]
            if missing:
                raise KeyError(f"no field {', '.join(map(repr, missing))} in record")
            return {f: record[f] for f in fields}

        return self._add(Step.transform(select, f"select({', '.join(map(repr, fields))})"))

    def rename(self, **mapping: str) -> Pipeline:
        """Rename fields, ``old="new"``; fields not named are kept as they are."""
        items = dict(mapping)

        def rename(record: Record) -> Record:
            return {items.get(k, k): v for k, v in record.items()}

        label = ", ".join(f"{k}={v!r}" for k, v in items.items())
        return self._add(Step.transform(rename, f"rename({label})"))

    def batch(self, size: int) -> Pipeline:
        """Write to the sink in batches of ``size`` (overrides the sink's own size)."""
        if not isinstance(size, int) or size < 1:
            raise ConfigurationError(f"batch size must be a positive int, got {size!r}")
        return replace(self, batch_size=size)

    def limit(self, n: int) -> Pipeline:
        """Read at most ``n`` source records."""
        if not isinstance(n, int) or n < 0:
            raise ConfigurationError(f"limit must be a non-negative int, got {n!r}")
        return replace(self, limit_to=n)

    def __iter__(self) -> Iterator[Record]:
        """The transformed records, without a sink (a step error raises RecordError)."""
        it = iter(self.source)
        try:
            for index, record in enumerate(itertools.islice(it, self.limit_to)):
                yield from apply_steps(self.steps, record, index)
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    def head(self, n: int = 5) -> list[Record]:
        """The first ``n`` records that come out (reads only as far as needed)."""
        gen = iter(self)
        try:
            return list(itertools.islice(gen, n))
        finally:
            gen.close()  # type: ignore[attr-defined]

    def _sized(self, sink: Any) -> Any:
        if self.batch_size is not None:
            cap = getattr(sink, "max_batch_size", None)
            if cap is not None and self.batch_size > cap:
                raise ConfigurationError(
                    f"batch size {self.batch_size} is over {type(sink).__name__}'s cap of {cap}"
                )
            sink.batch_size = self.batch_size
        return sink

    def to(
        self,
        sink: Any,
        *,
        on_error: OnError = "raise",
        progress: bool = False,
        max_failures: int = MAX_FAILURES,
    ) -> RunReport:
        """Run the pipeline into ``sink`` and return the report."""
        return run_steps(
            self.source, self._sized(sink), self.steps, limit=self.limit_to,
            progress=progress, on_error=on_error, max_failures=max_failures,
        )

    async def ato(
        self,
        sink: Any,
        *,
        on_error: OnError = "raise",
        progress: bool = False,
        max_failures: int = MAX_FAILURES,
    ) -> RunReport:
        """The async twin of :meth:`to` (async source and/or async sink)."""
        return await arun_steps(
            self.source, self._sized(sink), self.steps, limit=self.limit_to,
            progress=progress, on_error=on_error, max_failures=max_failures,
        )

    def __repr__(self) -> str:
        names = " | ".join(s.name for s in self.steps) or "no steps"
        return f"<Pipeline {self.source!r}: {names}>"
