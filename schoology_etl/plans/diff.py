"""Build changes from desired records versus current records: diff by key, field by field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.plans.model import CREATE, DELETE, UPDATE, Change

#: Fields the API computes; never planned as changes.
READ_ONLY_FIELDS = frozenset({"id", "uid", "links", "name_display", "picture_url", "tz_offset", "send_message"})


def normalize_value(value: Any) -> Any:
    """Compare API values the way the API means them: ``None`` == ``""``, ``1`` == ``"1"``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float, str)):
        text = str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        return text
    if isinstance(value, (list, tuple)):
        return [normalize_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: normalize_value(v) for k, v in value.items()}
    return value


def same_value(a: Any, b: Any) -> bool:
    """True when two field values mean the same to the API."""
    return normalize_value(a) == normalize_value(b)


def key_of(record: Mapping[str, Any], key: Sequence[str], *, index: int, step: str) -> tuple[Any, ...]:
    """The record's key values as a tuple of text; a missing key names the record."""
    try:
        values = tuple(record[k] for k in key)
    except KeyError as exc:
        raise RecordError(f"record has no key field {exc.args[0]!r}", step=step, index=index,
                          record=dict(record)) from None
    if any(v is None or v == "" for v in values):
        raise RecordError(f"record has an empty key ({', '.join(key)})", step=step, index=index, record=dict(record))
    return tuple(str(v) for v in values)


def plan_changes(
    desired: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    realm: str,
    key: str | Sequence[str] = "school_uid",
    fields: Sequence[str] | None = None,
    delete_missing: bool = False,
    id_field: str = "id",
) -> Iterator[Change]:
    """Yield the changes that turn ``current`` into ``desired``.

    ``current`` is read once into a map by key; ``desired`` is streamed. A desired
    record whose key is unknown becomes a create; a known one an update holding only
    the fields that differ (limited to ``fields`` when given). With
    ``delete_missing``, current records absent from ``desired`` become deletes holding
    the whole object as ``before``. Neither input is modified.

    Args:
        desired: records as they should be.
        current: records as they are (e.g. ``client.iter_records("users")``).
        realm: the endpoint the records live in.
        key: the field (or fields) that identify a record in both inputs.
        fields: compare only these fields (default: every field of the desired record).
        delete_missing: plan deletes for current records that are not desired.
        id_field: the field of a current record holding its Schoology id.

    Raises:
        RecordError: a record lacks its key, or a desired key appears twice.

    >>> cur = [{"school_uid": "a", "id": 1, "position": "x"}]
    >>> [(c.op, c.before, c.after) for c in plan_changes([{"school_uid": "a", "position": "y"}], cur, realm="users")]
    [('update', {'position': 'x'}, {'position': 'y'})]
    """
    key_fields = (key,) if isinstance(key, str) else tuple(key)
    by_key: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for i, record in enumerate(current):
        by_key[key_of(record, key_fields, index=i, step="plan_changes(current)")] = record
    seen: set[tuple[Any, ...]] = set()
    seq = 0
    for i, record in enumerate(desired):
        k = key_of(record, key_fields, index=i, step="plan_changes(desired)")
        if k in seen:
            raise RecordError(f"key {dict(zip(key_fields, k, strict=True))} appears twice in the desired records",
                              step="plan_changes", index=i, record=dict(record))
        seen.add(k)
        change = diff_record(record, by_key.get(k), realm=realm, key=dict(zip(key_fields, k, strict=True)),
                             fields=fields, id_field=id_field, seq=seq + 1)
        if change is not None:
            seq += 1
            yield change
    if delete_missing:
        for k, now in by_key.items():
            if k not in seen:
                seq += 1
                yield Change(seq, DELETE, realm, dict(zip(key_fields, k, strict=True)), now.get(id_field),
                             dict(now), {})


def diff_record(
    record: Mapping[str, Any],
    now: Mapping[str, Any] | None,
    *,
    realm: str,
    key: dict[str, Any],
    fields: Sequence[str] | None = None,
    id_field: str = "id",
    seq: int = 0,
) -> Change | None:
    """The change that turns ``now`` (``None``: absent) into ``record``, or ``None``."""
    if now is None:
        after = {f: record[f] for f in record if f not in READ_ONLY_FIELDS}
        return Change(seq, CREATE, realm, dict(key), None, {}, after)
    names = fields if fields is not None else list(record)
    before = {
        f: now.get(f)
        for f in names
        if f in record and f not in key and f not in READ_ONLY_FIELDS and not same_value(now.get(f), record[f])
    }
    if not before:
        return None
    return Change(seq, UPDATE, realm, dict(key), now.get(id_field), before, {f: record[f] for f in before})
