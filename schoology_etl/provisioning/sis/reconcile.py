"""Diff desired records against current ones by key (job ``reconcile_sis_with_schoology``).

Keys and values are compared as stripped text, so ``2027`` equals ``"2027"`` and
``None`` equals ``""``; fields named in ``casefold_fields`` (emails by default) also
ignore case. Only the fields being compared count, and a field missing from a desired
record is not a change.

>>> d = diff_records([{"school_uid": "s1", "name_last": "Lee"}, {"school_uid": "s3"}],
...                  [{"school_uid": "s1", "name_last": "Li"}, {"school_uid": "s2"}], key="school_uid")
>>> [(c["op"], c["key"]) for c in d]
[('update', 's1'), ('add', 's3'), ('remove', 's2')]
>>> d[0]["changes"]
{'name_last': {'before': 'Li', 'after': 'Lee'}}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import text
from schoology_etl.provisioning.sis.stream_diff import CHUNK_SIZE, ExternalSorter, merge_diff


def _key_of(record: Mapping[str, Any], key: str | Sequence[str]) -> str:
    fields = [key] if isinstance(key, str) else list(key)
    return "|".join(text(record.get(f)) for f in fields)


def values_equal(before: Any, after: Any, *, casefold: bool = False) -> bool:
    """Whether two field values mean the same (stripped text; optionally ignoring case)."""
    a, b = text(before), text(after)
    return a.casefold() == b.casefold() if casefold else a == b


def diff_records(
    desired: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    key: str | Sequence[str],
    fields: Sequence[str] | None = None,
    casefold_fields: Sequence[str] = ("primary_email",),
    removes: bool = True,
) -> list[dict[str, Any]]:
    """The changes that turn ``current`` into ``desired`` (all of :func:`iter_diff_records`, as a list).

    Returns:
        Updates first (in desired order), then adds, then removes (in current order):

        * ``{"op": "update", "key", "changes": {field: {"before", "after"}}, "before", "after"}``
          where ``after`` is the current record with the desired fields applied;
        * ``{"op": "add", "key", "after"}``;
        * ``{"op": "remove", "key", "before"}`` (only when ``removes`` is true).
    """
    return list(iter_diff_records(desired, current, key=key, fields=fields, casefold_fields=casefold_fields,
                                  removes=removes))


def iter_diff_records(
    desired: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    key: str | Sequence[str],
    fields: Sequence[str] | None = None,
    casefold_fields: Sequence[str] = ("primary_email",),
    removes: bool = True,
    chunk_size: int = CHUNK_SIZE,
    tmpdir: str | None = None,
    sides: tuple[str, str] = ("desired", "current"),
) -> Iterator[dict[str, Any]]:
    """:func:`diff_records` in bounded memory: the same changes in the same order, yielded.

    Each side goes through an :class:`.stream_diff.ExternalSorter` (at most ``chunk_size``
    records in memory, the rest in sorted temporary files, JSON-serialisable values) and the
    two meet in a sorted walk; the changes are put back in :func:`diff_records`' order through
    a third sorter. Both sides are read before the first change is yielded, so an error in
    either (a record without a key, a repeated key) comes before any change.

    Raises:
        RecordError: a record without a value for ``key``, or two records of one side with the same key
            (the messages name the side by ``sides``, the index is the record's within its side).
    """
    key_fields = [key] if isinstance(key, str) else list(key)
    folded = set(casefold_fields)
    with ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as want, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as have, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as out:
        for side, records, sorter in ((sides[0], desired, want), (sides[1], current, have)):
            for i, record in enumerate(records):
                k = _key_of(record, key)
                if not k.strip("|"):
                    raise RecordError(f"{side} record {i} has no value for key {key!r}", step="reconcile", index=i)
                sorter.add(k, [i, dict(record)])
        for row in merge_diff(_unrepeated(want, sides[0]), _unrepeated(have, sides[1])):
            k, wanted, had = row.key, row.left, row.right
            if had is None:
                out.add(f"1{wanted[0]:012d}", {"op": "add", "key": k, "after": wanted[1]})
            elif wanted is None:
                if removes:
                    out.add(f"2{had[0]:012d}", {"op": "remove", "key": k, "before": had[1]})
            else:
                (order, record), before = wanted, had[1]
                names = fields if fields is not None else [f for f in record if f not in key_fields]
                changes = {
                    f: {"before": before.get(f), "after": record[f]}
                    for f in names
                    if f in record and not values_equal(before.get(f), record[f], casefold=f in folded)
                }
                if changes:
                    after = dict(before) | {f: c["after"] for f, c in changes.items()}
                    out.add(f"0{order:012d}",
                            {"op": "update", "key": k, "changes": changes, "before": before, "after": after})
        for _order, change in out:
            yield change


def _unrepeated(pairs: Iterable[tuple[str, Any]], side: str) -> Iterator[tuple[str, Any]]:
    """A sorted side's pairs, raising at a key's second record (in the side's own order)."""
    last: str | None = None
    for k, (i, record) in pairs:
        if k == last:
            raise RecordError(f"{side} records repeat the key {k!r}", step="reconcile", index=i, record=record)
        last = k
        yield k, (i, record)


def field_changes(diff: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A diff flattened to one row per changed field: ``op, key, field, before, after``.

    Adds and removes give one row each with ``field`` set to ``None``.
    """
    rows = []
    for change in diff:
        if change["op"] == "update":
            rows += [
                {"op": "update", "key": change["key"], "field": f, "before": c["before"], "after": c["after"]}
                for f, c in change["changes"].items()
            ]
        else:
            rows.append({"op": change["op"], "key": change["key"], "field": None, "before": None, "after": None})
    return rows


#: the columns of :func:`field_changes` rows
CHANGE_COLUMNS = ("op", "key", "field", "before", "after")


@dataclass
class WrittenChanges:
    """What :func:`write_field_changes` wrote: ``counts`` by op, ``rows`` written, the first rows (``head``)."""

    counts: dict[str, int] = field(default_factory=lambda: {"add": 0, "update": 0, "remove": 0})
    rows: int = 0
    head: list[dict[str, Any]] = field(default_factory=list)


def write_field_changes(diff: Iterable[Mapping[str, Any]], path: Any, *, head: int = 60) -> WrittenChanges:
    """Stream a diff to a CSV file of :func:`field_changes` rows (:data:`CHANGE_COLUMNS`), keeping
    only the counts and the first ``head`` rows. The file appears whole or not at all: an error
    while the diff streams leaves ``path`` as it was."""
    from schoology_etl.io.csv import write_csv

    written = WrittenChanges()
    with write_csv(path, fieldnames=CHANGE_COLUMNS) as sink:
        for change in diff:
            written.counts[change["op"]] += 1
            for row in field_changes([change]):
                sink.write(row)
                written.rows += 1
                if len(written.head) < head:
                    written.head.append(row)
    return written


def counts_chart(counts: Mapping[str, int], *, title: str, ylabel: str) -> Any:
    """A matplotlib figure of :func:`diff_counts`: adds green, updates orange, removes red."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar(list(counts), list(counts.values()), color=["tab:green", "tab:orange", "tab:red"][: len(counts)])
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def diff_counts(diff: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """``{"add": n, "update": n, "remove": n}``."""
    counts = {"add": 0, "update": 0, "remove": 0}
    for change in diff:
        counts[change["op"]] += 1
    return counts
