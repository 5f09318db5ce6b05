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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import text


def _key_of(record: Mapping[str, Any], key: str | Sequence[str]) -> str:
    fields = [key] if isinstance(key, str) else list(key)
    return "|".join(text(record.get(f)) for f in fields)


def _index(records: Iterable[Mapping[str, Any]], key: str | Sequence[str], side: str) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for i, record in enumerate(records):
        k = _key_of(record, key)
        if not k.strip("|"):
            raise RecordError(f"{side} record {i} has no value for key {key!r}", step="reconcile", index=i)
        if k in found:
            raise RecordError(f"{side} records repeat the key {k!r}", step="reconcile", index=i, record=dict(record))
        found[k] = record
    return found


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
    """The changes that turn ``current`` into ``desired``.

    Returns:
        Updates first (in desired order), then adds, then removes (in current order):

        * ``{"op": "update", "key", "changes": {field: {"before", "after"}}, "before", "after"}``
          where ``after`` is the current record with the desired fields applied;
        * ``{"op": "add", "key", "after"}``;
        * ``{"op": "remove", "key", "before"}`` (only when ``removes`` is true).
    """
    want = _index(desired, key, "desired")
    have = _index(current, key, "current")
    updates, adds = [], []
    for k, record in want.items():
        if k not in have:
            adds.append({"op": "add", "key": k, "after": dict(record)})
            continue
        before = have[k]
        key_fields = [key] if isinstance(key, str) else key
        names = fields if fields is not None else [f for f in record if f not in key_fields]
        changes = {
            f: {"before": before.get(f), "after": record[f]}
            for f in names
            if f in record and not values_equal(before.get(f), record[f], casefold=f in casefold_fields)
        }
        if changes:
            after = dict(before) | {f: c["after"] for f, c in changes.items()}
            updates.append({"op": "update", "key": k, "changes": changes, "before": dict(before), "after": after})
    gone = [{"op": "remove", "key": k, "before": dict(r)} for k, r in have.items() if k not in want] if removes else []
    return updates + adds + gone


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
