"""A plan file opened for review and apply: :class:`Plan`."""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import DELETE, Change, PlanHeader, PlanIntegrityError
from schoology_etl.plans.render import table

CSV_COLUMNS = ("seq", "op", "realm", "key", "id", "field", "before", "after")


def _csv_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return "" if value is None else value


class Plan:
    """A closed plan file: header, changes streamed one at a time, summary, CSV, apply.

    Opening reads only the header line; iterating reads one change at a time, so a plan
    of any size fits in memory. ``digest`` identifies the exact bytes that were reviewed.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ConfigurationError(f"no plan file at {self.path}")
        with open(self.path, encoding="utf-8") as fh:
            first = fh.readline()
        try:
            data = json.loads(first)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{self.path}, line 1: not JSON ({exc.msg})") from exc
        self.header: PlanHeader = PlanHeader.from_dict(data, where=str(self.path))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Plan:
        return cls(path)

    @classmethod
    def write(cls, path: str | os.PathLike[str], changes: Iterable[Change], **header: Any) -> Plan:
        """Stream ``changes`` into a new plan file and return it, closed and ready for review.

        ``header`` takes :class:`PlanWriter`'s options (``base_url``, ``job``, ``run_id``,
        ``sample_size``, ``extra``, ``current_counts``).

        Example:
            >>> plan = Plan.write(path, plan_changes(desired, current, realm="users"))  # doctest: +SKIP
        """
        from schoology_etl.plans.writer import PlanWriter

        with PlanWriter(path, **header) as writer:
            writer.write_many(changes)
        return cls(path)

    def __iter__(self) -> Iterator[Change]:
        with open(self.path, encoding="utf-8") as fh:
            fh.readline()
            for line_no, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigurationError(f"{self.path}, line {line_no}: not JSON ({exc.msg})") from exc
                yield Change.from_dict(data, where=f"{self.path}, line {line_no}")

    def __len__(self) -> int:
        return self.header.total

    @property
    def digest(self) -> str:
        """SHA-256 of the whole file: what a reviewer approves and apply checks."""
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    def verify(self, expected_digest: str | None = None) -> str:
        """Check the file is intact (and is the reviewed one); return its digest.

        Raises:
            PlanIntegrityError: the changes do not match the header's checksum, or the
                digest differs from ``expected_digest``.
        """
        whole, body = hashlib.sha256(), hashlib.sha256()
        with open(self.path, "rb") as fh:
            first = fh.readline()
            whole.update(first)
            for line in fh:
                whole.update(line)
                body.update(line)
        if body.hexdigest() != self.header.changes_sha256:
            raise PlanIntegrityError(f"plan {self.path} was modified after it was written "
                                     "(its changes no longer match the header checksum)")
        digest = whole.hexdigest()
        if expected_digest is not None and digest != expected_digest:
            raise PlanIntegrityError(f"plan {self.path} is not the reviewed plan "
                                     f"(digest {digest[:12]}..., reviewed {expected_digest[:12]}...)")
        return digest

    def summary(self) -> dict[str, Any]:
        """Counts by realm and operation, the total, and the base URL."""
        return {"total": self.header.total, "counts": self.header.counts, "base_url": self.header.base_url,
                "created": self.header.created}

    def sample(self) -> list[Change]:
        """The bounded random sample of changes kept in the header, in plan order."""
        return [Change.from_dict(d, where=str(self.path)) for d in self.header.sample]

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        """One row per changed field (per change for a delete), for CSV or a DataFrame."""
        for c in self:
            base = {"seq": c.seq, "op": c.op, "realm": c.realm, "key": c.key_text, "id": c.id}
            if c.op == DELETE or not c.fields():
                yield {**base, "field": "", "before": _csv_value(c.before or None),
                       "after": _csv_value(c.after or None)}
                continue
            for f in c.fields():
                yield {**base, "field": f, "before": _csv_value(c.before.get(f)), "after": _csv_value(c.after.get(f))}

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Export the plan as CSV (one row per changed field); returns the path."""
        out = Path(path)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(self.iter_rows())
        return out

    def apply(self, client: Any, **options: Any) -> Any:
        """Apply this plan through ``client``; see :func:`schoology_etl.plans.apply_plan`."""
        from schoology_etl.plans.apply import apply_plan

        return apply_plan(self, client, **options)

    def review_summary(self) -> list[Any]:
        """One :class:`~schoology_etl.plans.review.OperationSummary` per operation (reads every change once)."""
        from schoology_etl.plans.review import summarize

        return summarize(self)

    def __repr__(self) -> str:
        """The plan's summary, one line per operation (what a job's log shows)."""
        lines = [f"Plan {self.path.name}: {self.header.total} changes"
                 + (f" for {self.header.base_url}" if self.header.base_url else "")]
        lines += [f"  * {s.line()}" for s in self.review_summary()]
        return "\n".join(lines)

    def _cannot_undo_html(self) -> str:
        cannot = self.header.extra.get("cannot_undo") or []
        if not cannot:
            return ""
        rows = [(c.get("seq"), c.get("op"), c.get("realm"), c.get("key"), c.get("reason")) for c in cannot[:50]]
        return table(["seq", "op", "realm", "key", "reason"], rows, caption=f"Cannot be undone ({len(cannot)})")

    def _repr_html_(self) -> str:
        """The summary and the first changes by name (the whole review: the runner's plan view or
        :mod:`schoology_etl.plans.review`)."""
        import itertools

        from schoology_etl.plans.review import COLUMNS, review_rows

        title = f"Plan {self.path.name}: {self.header.total} changes"
        if self.header.base_url:
            title += f" for {self.header.base_url}"
        lines = "".join(f"<li>{html.escape(s.line())}</li>" for s in self.review_summary())
        first = [[r[c] for c in COLUMNS] for r in itertools.islice(review_rows(self), 20)]
        return (
            f"<div class='schoology-etl-plan'><p><b>{html.escape(title)}</b></p><ul>{lines}</ul>"
            + table(list(COLUMNS), first, caption=f"First {len(first)} changed fields")
            + self._cannot_undo_html()
            + "</div>"
        )
