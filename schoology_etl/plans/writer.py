"""Write a plan as a stream: :class:`PlanWriter` (changes to a file) and :class:`PlanSink`.

Changes go to a temporary body file as they come, hashed on the way; the summary (counts
by realm and operation) and a bounded random sample are kept in memory. ``close()``
writes the header, copies the body after it, fsyncs, renames the file into place and
makes it read-only. Memory stays flat whatever the number of changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.io.base import Record, Sink, WriteResult
from schoology_etl.plans.diff import diff_record, key_of
from schoology_etl.plans.model import UPDATE, Change, PlanHeader, strip_credentials

if TYPE_CHECKING:
    from schoology_etl.plans.plan import Plan

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = 20

#: ``lookup(realm, keys) -> {key tuple: current record}`` for the keys of one batch.
CurrentLookup = Callable[[str, list[dict[str, Any]]], Mapping[tuple[Any, ...], Mapping[str, Any]]]


class PlanWriter:
    """Stream changes into a plan file; ``close()`` returns the finished :class:`Plan`.

    Args:
        path: where the plan goes; refused if it exists (a closed plan is immutable).
        base_url: the API the plan is for (credentials and query string are dropped).
        job, run_id: optional provenance stored in the header.
        sample_size: how many changes the header keeps as a sample.
        extra: more header data (e.g. ``{"undo_of": ...}``).
        current_counts: objects per realm when planning (sizes the drift reads).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        base_url: str | None = None,
        job: str | None = None,
        run_id: Any = None,
        sample_size: int = DEFAULT_SAMPLE,
        extra: Mapping[str, Any] | None = None,
        current_counts: Mapping[str, int] | None = None,
        seed: int = 0,
    ) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise ConfigurationError(f"plan file {self.path} already exists; a plan is never overwritten")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._body_path = self.path.with_name(self.path.name + ".body.part")
        self._body = open(self._body_path, "w", encoding="utf-8", newline="\n")
        self._hash = hashlib.sha256()
        self._random = random.Random(seed)
        self._sample: list[Change] = []
        self.sample_size = sample_size
        self._fields: dict[str, set[str]] = {}
        self.header = PlanHeader(
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            base_url=strip_credentials(base_url),
            job=job,
            run_id=run_id,
            extra=dict(extra or {}),
            current_counts=dict(current_counts or {}),
        )
        self.closed = False

    def __enter__(self) -> PlanWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def total(self) -> int:
        return self.header.total

    def write(self, change: Change) -> Change:
        """Append one change (renumbered to the next ``seq``); returns it as written."""
        if self.closed:
            raise ConfigurationError(f"plan {self.path} is closed")
        n = self.header.total + 1
        change = change.renumbered(n)
        line = change.to_json() + "\n"
        self._body.write(line)
        self._hash.update(line.encode("utf-8"))
        self.header.total = n
        by_op = self.header.counts.setdefault(change.realm, {})
        by_op[change.op] = by_op.get(change.op, 0) + 1
        if change.realm not in self.header.realms:
            self.header.realms.append(change.realm)
        if change.op == UPDATE:
            self._fields.setdefault(change.realm, set()).update(change.before, change.after)
        if len(self._sample) < self.sample_size:
            self._sample.append(change)
        else:
            j = self._random.randrange(n)
            if j < self.sample_size:
                self._sample[j] = change
        return change

    def write_many(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.write(change)

    def note_current(self, realm: str, count: int) -> None:
        """Record how many objects the realm held when planning (sizes the drift reads)."""
        self.header.current_counts[realm] = self.header.current_counts.get(realm, 0) + count

    def close(self) -> Plan:
        """Finish the file: header first, then the changes; fsync, rename, read-only."""
        from schoology_etl.plans.plan import Plan

        if self.closed:
            return Plan(self.path)
        self._body.flush()
        os.fsync(self._body.fileno())
        self._body.close()
        self.header.fields = {realm: sorted(names) for realm, names in self._fields.items()}
        self.header.sample = [c.to_dict() for c in sorted(self._sample, key=lambda c: c.seq)]
        self.header.changes_sha256 = self._hash.hexdigest()
        tmp = self.path.with_name(self.path.name + ".part")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out, open(self._body_path, encoding="utf-8") as body:
                out.write(self.header.to_json() + "\n")
                shutil.copyfileobj(body, out, 1 << 16)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, self.path)
        finally:
            self._body_path.unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)
            self.closed = True
        log.info("plan %s written: %d changes", self.path, self.header.total)
        return Plan(self.path)

    def abort(self) -> None:
        """Drop everything written so far; no file is left behind."""
        if not self._body.closed:
            self._body.close()
        self._body_path.unlink(missing_ok=True)
        self.closed = True


class PlanSink(Sink):
    """A Schoology sink in plan mode: records in, a plan file out, nothing written to the API.

    Each batch of desired records is compared field by field with the objects as they
    are now, looked up by key through ``current`` (records read once into a map) or
    ``lookup`` (called per batch, e.g. ``ClientReader(client).lookup``: a filtered list of
    50 ``school_uids`` per request). A record
    that differs becomes an update, an unknown one a create. ``sink.plan`` is the closed
    :class:`Plan` after ``close()``.

    Args:
        path: the plan file to write.
        realm: the endpoint the records belong to (``users``...).
        key: the field identifying a record.
        current: the current records of the realm (iterable, read on the first flush).
        lookup: alternative to ``current``: ``lookup(realm, keys) -> {key tuple: record}``.
        fields: compare only these fields.
        batch_size: records per lookup.
        **header: ``base_url``, ``job``, ``run_id``, ``sample_size``, ``extra`` for the header.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        realm: str,
        key: str | Sequence[str] = "school_uid",
        current: Iterable[Mapping[str, Any]] | None = None,
        lookup: CurrentLookup | None = None,
        fields: Sequence[str] | None = None,
        id_field: str = "id",
        batch_size: int = 200,
        keep_results: bool = True,
        **header: Any,
    ) -> None:
        super().__init__()
        if (current is None) == (lookup is None):
            raise ConfigurationError("PlanSink needs exactly one of current= or lookup=")
        self.realm = realm
        self.key = (key,) if isinstance(key, str) else tuple(key)
        self.fields = fields
        self.id_field = id_field
        self.batch_size = batch_size
        self.keep_results = keep_results
        self._current_source = current
        self._current: dict[tuple[Any, ...], Mapping[str, Any]] | None = None
        self._lookup = lookup
        self._seen: set[tuple[Any, ...]] = set()
        self._writer = PlanWriter(path, **header)
        self.plan: Any = None

    def _load_current(self) -> dict[tuple[Any, ...], Mapping[str, Any]]:
        if self._current is None:
            self._current = {}
            for i, rec in enumerate(self._current_source or ()):
                self._current[key_of(rec, self.key, index=i, step="PlanSink(current)")] = rec
            self._writer.note_current(self.realm, len(self._current))
        return self._current

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        keys = [key_of(r, self.key, index=start + i, step="PlanSink") for i, r in enumerate(batch)]
        if self._lookup is not None:
            found = self._lookup(self.realm, [dict(zip(self.key, k, strict=True)) for k in keys])
        else:
            found = self._load_current()
        results = []
        for i, (record, k) in enumerate(zip(batch, keys, strict=True)):
            if k in self._seen:
                results.append(WriteResult(start + i, False, record,
                                           f"duplicate key {dict(zip(self.key, k, strict=True))}"))
                continue
            self._seen.add(k)
            change = diff_record(record, found.get(k), realm=self.realm, key=dict(zip(self.key, k, strict=True)),
                                 fields=self.fields, id_field=self.id_field)
            if change is None:
                results.append(WriteResult(start + i, True, record, "unchanged", {"op": None}))
            else:
                written = self._writer.write(change)
                results.append(WriteResult(start + i, True, record, None, {"op": written.op, "seq": written.seq}))
        return results

    def _finish(self) -> None:
        self.plan = self._writer.close()

    def abort(self) -> None:
        super().abort()
        self._writer.abort()
