"""Has an object changed since planning? Verdicts per change, and batched re-reads.

A change is compared with the object as it is now on the fields it touches only:

* ``apply``: every touched field still holds its planned ``before`` (or, for a create,
  no object has the key yet);
* ``done``: the object already holds the planned ``after`` (a write that went through
  before an interruption, or an identical edit by someone else);
* ``drifted``: anything else; the change is skipped and each differing field reported.

Re-reads go through :class:`ClientReader`, which picks, per realm, the way that costs
the fewest requests: a filtered list (``GET /users?school_uids=a,b,...``, 50 keys per
request), multiget (50 paths per request), or a snapshot of the whole realm taken when
the apply starts and again whenever it is older than ``max_age`` seconds: for users whose
touched fields are all exportable that is one ``GET /csvexport/users`` request, else a
listing at 200 per page.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.diff import READ_ONLY_FIELDS, normalize_value, same_value
from schoology_etl.plans.model import CREATE, DEACTIVATE, DELETE, LINK, REACTIVATE, UNLINK, UPDATE, Change

log = logging.getLogger(__name__)

APPLY, DONE, DRIFTED = "apply", "done", "drifted"
STRATEGIES = ("auto", "filter", "multiget", "snapshot", "csvexport")
#: Operations whose target cannot be re-read cheaply; they are applied without a check.
UNCHECKED_OPS = frozenset({REACTIVATE, DEACTIVATE, LINK, UNLINK})
MISSING = "<missing>"
PRESENT = "<exists>"


@dataclass(frozen=True)
class Drift:
    """One field of one object that no longer holds its planned value."""

    field: str
    planned: Any
    actual: Any


@dataclass
class Verdict:
    """What to do with one change after re-reading its object."""

    action: str
    drift: list[Drift] = field(default_factory=list)
    current_id: Any = None


def check_change(change: Change, current: Mapping[str, Any] | None) -> Verdict:
    """Compare ``change`` with the object as read now (``None``: no such object)."""
    if change.op in UNCHECKED_OPS:
        return Verdict(APPLY)
    if change.op == CREATE:
        if current is None:
            return Verdict(APPLY)
        diffs = [Drift(f, v, current.get(f)) for f, v in change.after.items()
                 if f in current and not same_value(current.get(f), v)]
        if diffs:
            return Verdict(DRIFTED, [Drift("<object>", MISSING, PRESENT), *diffs], current.get("id"))
        return Verdict(DONE, current_id=current.get("id"))
    if current is None:
        if change.op == DELETE:
            return Verdict(DONE)
        return Verdict(DRIFTED, [Drift("<object>", PRESENT, MISSING)])
    if change.op == DELETE:
        diffs = [
            Drift(f, v, current.get(f))
            for f, v in change.before.items()
            if f in current and f not in READ_ONLY_FIELDS and not same_value(current.get(f), v)
        ]
        return Verdict(DRIFTED, diffs) if diffs else Verdict(APPLY)
    assert change.op == UPDATE
    fields = change.fields()
    if all(same_value(current.get(f), change.before.get(f)) for f in fields):
        return Verdict(APPLY)
    if all(same_value(current.get(f), change.after.get(f)) for f in fields):
        return Verdict(DONE)
    return Verdict(DRIFTED, [Drift(f, change.before.get(f), current.get(f)) for f in fields
                             if not same_value(current.get(f), change.before.get(f))])


@dataclass(frozen=True)
class RealmReads:
    """How one realm can be re-read: its list path, key filter and multiget path."""

    list_path: str
    filter_param: str | None = None
    filter_key: str | None = None
    multiget_path: str | None = None
    listable: bool = True  # False: the list endpoint needs a filter (GET /sections needs codes)


#: The realms this library knows how to re-read.  Endpoints are data, not methods.
REALM_READS: dict[str, RealmReads] = {
    "users": RealmReads("users", "school_uids", "school_uid", "/users/{id}"),
    "sections": RealmReads("sections", "section_school_codes", "section_school_code", "/sections/{id}", listable=False),
    "courses": RealmReads("courses", None, None, "/courses/{id}"),
    "groups": RealmReads("groups", None, None, "/groups/{id}"),
}
#: ``/csvexport/users`` columns and the API field each one holds.
CSV_EXPORT_FIELDS: dict[str, str] = {
    "uid": "id", "school_uid": "school_uid", "building_nid": "building_id", "mail": "primary_email", "name": "username",
    "birthday": "birthday_date",
    **{f: f for f in ("name_title", "name_first", "name_first_preferred", "name_middle", "name_last", "position",
                      "grad_year", "gender", "bio", "subjects_taught", "grades_taught", "phone", "address", "website",
                      "interests", "activities")},
}
_CSV_BY_FIELD = {v: k for k, v in CSV_EXPORT_FIELDS.items()}
#: User fields the documented reads (``GET /users``, ``GET /users/{id}``) do not return: an
#: update touching one is checked against ``/csvexport/users``, which has it.
EXPORT_ONLY_USER_FIELDS = frozenset({"birthday_date"})
FILTER_BATCH = 50
MULTIGET_BATCH = 50
PAGE_SIZE = 200


def lookup_key(change: Change, reads: RealmReads | None) -> tuple[str, Any] | None:
    """``("key", value)`` or ``("id", value)``: how this change's object is found."""
    if reads and reads.filter_key and reads.filter_key in change.key:
        return ("key", str(change.key[reads.filter_key]))
    if change.id is not None:
        return ("id", str(change.id))
    if len(change.key) == 1:
        return ("key", str(next(iter(change.key.values()))))
    return None


class ClientReader:
    """Re-read the objects of a chunk of changes through a client, in as few requests as it can.

    Args:
        client: a ``SchoologyClient`` (``iter_records``, ``multiget``).
        strategy: ``auto``, ``filter``, ``multiget``, ``snapshot`` or ``csvexport``.
        max_age: seconds a snapshot stays valid before it is read again.
        clock: injectable monotonic clock.
    """

    def __init__(self, client: Any, *, strategy: str = "auto", max_age: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown drift strategy {strategy!r}")
        self.client = client
        self.strategy = strategy
        self.max_age = max_age
        self.clock = clock
        self.chosen: dict[str, str] = {}
        self._planned: dict[str, int] = {}
        self._current_counts: dict[str, int] = {}
        self._fields: dict[str, list[str]] = {}
        self._snapshots: dict[str, tuple[float, dict[tuple[str, str], dict[str, Any]]]] = {}
        self._snapshot_lock = threading.Lock()

    def prepare(self, counts: Mapping[str, int], current_counts: Mapping[str, int],
                fields: Mapping[str, Sequence[str]] | None = None) -> None:
        """Tell the reader the changes per realm to come, each realm's size, and the fields updates touch."""
        self._planned = dict(counts)
        self._current_counts = dict(current_counts)
        self._fields = {realm: list(names) for realm, names in (fields or {}).items()}

    def _exportable(self, realm: str) -> bool:
        return realm == "users" and realm in self._fields and all(f in _CSV_BY_FIELD for f in self._fields[realm])

    def choose(self, realm: str) -> str:
        """The strategy for ``realm``: the one with the fewest expected requests."""
        if realm in self.chosen:
            return self.chosen[realm]
        reads = REALM_READS.get(realm)
        choice = self.strategy
        if choice == "auto":
            n = self._planned.get(realm, 0)
            per_chunk = math.ceil(n / FILTER_BATCH)
            size = self._current_counts.get(realm)
            snapshot = math.ceil(size / PAGE_SIZE) if size else None
            choice = "filter" if reads and reads.filter_param else "multiget"
            if snapshot is not None and snapshot < per_chunk:
                choice = "snapshot"
            if self._exportable(realm) and per_chunk > 1:
                choice = "csvexport"
        if choice == "filter" and not (reads and reads.filter_param):
            choice = "multiget"
        if choice == "csvexport" and realm != "users":
            choice = "snapshot"
        if choice == "multiget" and not (reads and reads.multiget_path):
            choice = "snapshot"
        if choice == "snapshot" and reads is not None and not reads.listable:
            choice = "filter" if reads.filter_param else "multiget"
        self.chosen[realm] = choice
        log.info("drift reads for %s: %s", realm, choice)
        return choice

    def read(self, changes: Sequence[Change]) -> dict[int, dict[str, Any] | None]:
        """The current object for each change (by ``seq``); ``None`` when absent."""
        out: dict[int, dict[str, Any] | None] = {}
        by_realm: dict[str, list[Change]] = {}
        for c in changes:
            if c.op in UNCHECKED_OPS:
                out[c.seq] = None
            else:
                by_realm.setdefault(c.realm, []).append(c)
        for realm, group in by_realm.items():
            reads = REALM_READS.get(realm)
            strategy = self.choose(realm)
            if strategy in ("snapshot", "csvexport"):
                found = self._snapshot(realm, reads, csv=strategy == "csvexport")
            elif strategy == "filter" and reads is not None:
                found = self._filtered(realm, reads, group)
            else:
                found = self._multiget(reads, group)
            if realm == "users" and strategy != "csvexport":
                self._fill_export_only(group, found)
            for c in group:
                lk = lookup_key(c, reads)
                out[c.seq] = found.get(lk) if lk else None
                if out[c.seq] is None and c.id is not None:
                    out[c.seq] = found.get(("id", str(c.id)))
        return out

    def lookup(self, realm: str, keys: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        """Current objects by key for :class:`PlanSink` (``lookup=reader.lookup``): 50 keys per request."""
        reads = REALM_READS.get(realm)
        if reads is None or not reads.filter_param or not reads.filter_key:
            raise ConfigurationError(f"realm {realm!r} cannot be looked up by key; pass current= records instead")
        values = sorted({str(k[reads.filter_key]) for k in keys})
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        for i in range(0, len(values), FILTER_BATCH):
            params = {reads.filter_param: ",".join(values[i : i + FILTER_BATCH]), "limit": PAGE_SIZE}
            for rec in self.client.iter_records(reads.list_path, **params):
                found[(str(rec[reads.filter_key]),)] = dict(rec)
        return found

    def _index(self, records: Iterable[Mapping[str, Any]],
               reads: RealmReads | None) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for rec in records:
            rec = dict(rec)
            if rec.get("id") is not None:
                found[("id", str(rec["id"]))] = rec
            if reads and reads.filter_key and rec.get(reads.filter_key) not in (None, ""):
                found[("key", str(rec[reads.filter_key]))] = rec
        return found

    def _snapshot(self, realm: str, reads: RealmReads | None, *,
                  csv: bool = False) -> dict[tuple[str, str], dict[str, Any]]:
        with self._snapshot_lock:
            now = self.clock()
            taken = self._snapshots.get(realm)
            if taken is None or now - taken[0] > self.max_age:
                if csv:
                    records: Iterable[Mapping[str, Any]] = self._csv_export(realm)
                else:
                    records = self.client.iter_records(reads.list_path if reads else realm, limit=PAGE_SIZE)
                taken = (now, self._index(records, reads))
                self._snapshots[realm] = taken
            return taken[1]

    def _fill_export_only(self, group: Sequence[Change], found: dict[tuple[str, str], dict[str, Any]]) -> None:
        """Add the export-only fields updates of ``group`` touch to the records read (one csvexport request)."""
        touched = sorted({f for c in group if c.op == UPDATE for f in c.fields()} & EXPORT_ONLY_USER_FIELDS)
        if not touched or not found:
            return
        columns = ["uid", *(_CSV_BY_FIELD[f] for f in touched)]
        export = {str(r.get("uid")): r for r in self.client.iter_records("csvexport_users", fields=",".join(columns))}
        for rec in found.values():
            row = export.get(str(rec.get("id") or rec.get("uid")))
            if row is not None:
                for f in touched:
                    rec.setdefault(f, row.get(_CSV_BY_FIELD[f]))

    def _csv_export(self, realm: str) -> Iterable[dict[str, Any]]:
        touched = (_CSV_BY_FIELD[f] for f in self._fields.get(realm, []))
        wanted = ["uid", "school_uid", *(c for c in touched if c not in ("uid", "school_uid"))]
        for row in self.client.iter_records("csvexport_users", fields=",".join(wanted)):
            yield {CSV_EXPORT_FIELDS[k]: v for k, v in row.items() if k in CSV_EXPORT_FIELDS}

    def _filtered(self, realm: str, reads: RealmReads,
                  group: Sequence[Change]) -> dict[tuple[str, str], dict[str, Any]]:
        keys = sorted({lk[1] for c in group if (lk := lookup_key(c, reads)) and lk[0] == "key"})
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for i in range(0, len(keys), FILTER_BATCH):
            part = keys[i : i + FILTER_BATCH]
            params: dict[str, Any] = {str(reads.filter_param): ",".join(part), "limit": PAGE_SIZE}
            found.update(self._index(self.client.iter_records(reads.list_path, **params), reads))
        by_id = [c for c in group if c.id is not None and (lk := lookup_key(c, reads)) and lk[0] == "id"]
        if by_id:
            found.update(self._multiget(reads, by_id))
        return found

    def _multiget(self, reads: RealmReads | None, group: Sequence[Change]) -> dict[tuple[str, str], dict[str, Any]]:
        ids = sorted({str(c.id) for c in group if c.id is not None})
        if not ids or not reads or not reads.multiget_path:
            return {}
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for i in range(0, len(ids), MULTIGET_BATCH):
            part = ids[i : i + MULTIGET_BATCH]
            bodies = self.client.multiget([reads.multiget_path.format(id=x) for x in part])
            found.update(self._index((b for b in bodies if b), reads))
        return found


def describe_drift(drift: Iterable[Drift]) -> list[dict[str, Any]]:
    """Drift as plain dicts for the journal and reports."""
    return [{"field": d.field, "planned": d.planned, "actual": d.actual} for d in drift]


__all__ = ["APPLY", "DONE", "DRIFTED", "ClientReader", "Drift", "Verdict", "check_change", "describe_drift",
           "normalize_value"]
