"""Pipeline steps: filters and transforms, named, applied to one record at a time.

A **filter** is a callable ``record -> bool``; a false answer drops the record.

A **transform** is a callable ``record -> dict | None | iterable of dicts``:

* a ``dict`` replaces the record (one in, one out);
* ``None`` drops the record (counted as filtered, like a filter saying no);
* any other iterable (list, tuple, generator) fans out: each dict it yields goes on
  through the later steps, so one parent can become several rows. An empty iterable
  drops the record.

Steps must not mutate their input; they return new dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import RecordError

Record = dict[str, Any]
StepKind = Literal["filter", "transform"]


@dataclass(frozen=True)
class Step:
    """One named step of a pipeline."""

    kind: StepKind
    fn: Callable[[Record], Any]
    name: str

    @classmethod
    def filter(cls, fn: Callable[[Record], Any], name: str | None = None) -> Step:
        return cls("filter", _check_callable(fn, "filter"), name or describe(fn))

    @classmethod
    def transform(cls, fn: Callable[[Record], Any], name: str | None = None) -> Step:
        return cls("transform", _check_callable(fn, "transform"), name or describe(fn))


def describe(fn: Callable[..., Any]) -> str:
    """A readable name for a step callable (its qualified name, or its repr)."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return name if isinstance(name, str) else repr(fn)


def _check_callable(fn: Any, kind: str) -> Callable[[Record], Any]:
    if not callable(fn):
        raise TypeError(f"a {kind} must be callable, got {type(fn).__name__}: {fn!r}")
    return fn


def build_steps(
    filters: Iterable[Callable[[Record], Any]] = (),
    transforms: Iterable[Callable[[Record], Any]] = (),
) -> tuple[Step, ...]:
    """The old ``etl()`` order: every filter first, then every transform."""
    if callable(filters):
        filters = (filters,)  # a lone callable is forgiven
    if callable(transforms):
        transforms = (transforms,)
    return (
        *(Step.filter(f) for f in filters),
        *(Step.transform(t) for t in transforms),
    )


def apply_steps(steps: tuple[Step, ...], record: Record, index: int) -> list[Record]:
    """Run ``record`` (source position ``index``) through ``steps``.

    Returns the records that come out (empty when dropped). A step that raises is
    re-raised as :class:`RecordError` naming the step, the index and the record, with
    the original exception as ``__cause__``.
    """
    current = record
    for pos, step in enumerate(steps):  # fast path: one record in, at most one out
        out = _call(step, current, index)
        if step.kind == "filter":
            if not out:
                return []
        elif out is None:
            return []
        elif isinstance(out, dict):
            current = out
        else:
            return list(_fan_out(steps, pos, out, index, current))
    return [current]


def _call(step: Step, record: Record, index: int) -> Any:
    try:
        return step.fn(record)
    except RecordError as exc:
        if exc.step is None:
            exc.step, exc.index, exc.record = step.name, index, record
        raise
    except Exception as exc:
        raise RecordError(
            f"{type(exc).__name__}: {exc}", step=step.name, index=index, record=record
        ) from exc


def _fan_out(steps: tuple[Step, ...], pos: int, out: Any, index: int, parent: Record) -> Iterator[Record]:
    step = steps[pos]
    if isinstance(out, (str, bytes)) or not isinstance(out, Iterable):
        raise RecordError(
            f"a transform must return a dict, None or an iterable of dicts, got {type(out).__name__}",
            step=step.name,
            index=index,
            record=parent,
        )
    for child in _iter_children(out, step, index, parent):
        yield from _run(steps, pos + 1, child, index)


def _run(steps: tuple[Step, ...], start: int, record: Record, index: int) -> Iterator[Record]:
    current = record
    for pos in range(start, len(steps)):
        step = steps[pos]
        out = _call(step, current, index)
        if step.kind == "filter":
            if not out:
                return
        elif out is None:
            return
        elif isinstance(out, dict):
            current = out
        else:
            yield from _fan_out(steps, pos, out, index, current)
            return
    yield current


def _iter_children(out: Iterable[Any], step: Step, index: int, parent: Record) -> Iterator[Record]:
    try:
        for child in out:
            if not isinstance(child, dict):
                raise RecordError(
                    f"a fan-out transform must yield dicts, got {type(child).__name__}",
                    step=step.name,
                    index=index,
                    record=parent,
                )
            yield child
    except RecordError:
        raise
    except Exception as exc:  # a generator transform raising half-way
        raise RecordError(
            f"{type(exc).__name__}: {exc}", step=step.name, index=index, record=parent
        ) from exc
