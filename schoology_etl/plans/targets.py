"""Where a plan is applied: the API through a client, or records held in memory.

A target re-reads the objects of a chunk of changes (``read``) and writes one chunk of
same-realm, same-operation changes (``write``), returning one :class:`ItemResult` per
change, in order. :class:`ClientTarget` goes through ``client.bulk`` (chunks of 50, the
client's shared rate limiter); :class:`MemoryTarget` applies a plan to plain dicts, to
preview it on a snapshot or to test plan logic without a network.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.endpoints import get_endpoint
from schoology_etl.errors import BadRequestError, ConfigurationError, NotFoundError, PermissionDeniedError
from schoology_etl.plans.drift import REALM_READS, ClientReader, lookup_key
from schoology_etl.plans.model import CREATE, DEACTIVATE, DELETE, LINK, REACTIVATE, UNLINK, UPDATE, Change


@dataclass
class ItemResult:
    """The API's answer for one change: ok, code, the id it got, the message, the raw row."""

    ok: bool
    response_code: int | None = None
    id: Any = None
    message: str | None = None
    row: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_bulk(cls, result: Any) -> ItemResult:
        """From a :class:`schoology_etl.bulk.BulkResult` (or anything shaped like one)."""
        return cls(bool(result.ok), result.response_code, result.id, result.message, dict(result.row or {}))

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "response_code": self.response_code, "id": self.id, "message": self.message,
                "row": self.row}


#: ``resolve(client, changes)``: per change, fields known only at apply time to add to its item
#: (a new group's id), or a message: that change fails without being sent.
Resolver = Callable[[Any, Sequence[Change]], list["dict[str, Any] | str"]]


@dataclass(frozen=True)
class WriteRoute:
    """How one (realm, operation) is written: endpoint, method, item shape, query flags.

    ``single``: the API documents no bulk form (``POST /groups``, ``DELETE /groups/{id}``):
    one request per change, the endpoint's ``{id}`` filled from the change's id. ``resolve``:
    see :data:`Resolver`.
    """

    endpoint: str
    method: str
    item: Callable[[Change], dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    result: Callable[[Any], ItemResult] = ItemResult.from_bulk
    single: bool = False
    resolve: Resolver | None = None


_KEEP = {"option_keep_enrollments": 1, "email_notification": 0}

#: A change's ``after`` may carry query flags for its write under this name (e.g. a user
#: create's email-conflict policy: ``{"_query": {"ignore_email_conflicts": 1}}``). They are
#: sent as the request's query string, never inside the item.
QUERY_FLAGS = "_query"


def item_fields(after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``after`` that go into a write's item (everything but :data:`QUERY_FLAGS`)."""
    return {k: v for k, v in after.items() if k != QUERY_FLAGS}


def query_flags(change: Change) -> dict[str, Any]:
    """The query flags a change asks for (see :data:`QUERY_FLAGS`); ``{}`` when none."""
    flags = change.after.get(QUERY_FLAGS)
    return dict(flags) if isinstance(flags, Mapping) else {}


def _reactivate(change: Change) -> dict[str, Any]:
    item = {"uid": change.id}
    if "option_reenroll" in change.after:
        item["option_reenroll"] = change.after["option_reenroll"]
    return item


def _assoc(change: Change, *, delete: bool, other: str = "parent") -> dict[str, Any]:
    column = f"{other}_school_uid"
    item = {"student_school_uid": change.key.get("student_school_uid"), column: change.key.get(column)}
    return {**item, "delete": "1"} if delete else item


def _import_enrollment(change: Change, *, delete: bool) -> dict[str, Any]:
    """An ``enrollments/import/course`` item: the section and user by their external keys."""
    item = {"section_school_code": change.key.get("section_school_code"), "school_uid": change.key.get("school_uid")}
    if delete:
        return {**item, "delete": "1"}
    return {**item, "admin": (change.after.get("admin") or "0")}


#: The fields of an ``enrollments`` LINK's ``after`` that make the ``POST /enrollments`` item.
ENROLLMENT_FIELDS = ("realm", "section_id", "group_id", "uid", "admin", "status")


def _enrollment(change: Change) -> dict[str, Any]:
    return {f: change.after[f] for f in ENROLLMENT_FIELDS if change.after.get(f) not in (None, "")}


#: Course fields a section create carries so its course can be matched (or made) by ``course_code``.
COURSE_FIELDS = {"course_code": "course_code", "course_title": "title", "building_id": "building_id",
                 "department": "department"}


def nested_section_result(result: Any) -> ItemResult:
    """A section posted nested in its course succeeds or fails by its own row, not the course's."""
    outer = ItemResult.from_bulk(result)
    rows = ((outer.row.get("sections") or {}).get("section")) or []
    if not outer.ok or not rows:
        if not outer.ok:
            return outer
        return ItemResult(False, outer.response_code, None,
                          "the course was written but the API returned no row for its section", outer.row)
    row = rows[0]
    code = int(row.get("response_code") or 0)
    ok = 200 <= code < 300
    message = None if ok else str(row.get("error") or row.get("message") or f"section refused with code {code}")
    return ItemResult(ok, code, row.get("id"), message, dict(row))


def nested_section_item(after: Mapping[str, Any]) -> dict[str, Any]:
    """A ``POST /courses`` item holding one section: course fields from ``after``, the rest nested."""
    fields = item_fields(after)
    course = {name: fields[f] for f, name in COURSE_FIELDS.items() if fields.get(f) not in (None, "")}
    section = {f: v for f, v in fields.items() if f not in COURSE_FIELDS}
    if "section_title" in section:
        section["title"] = section.pop("section_title")
    return {**course, "sections": {"section": [section]}}


def _group_member(change: Change) -> dict[str, Any]:
    """A ``POST /enrollments`` item for a member of a group known by its code (the id is resolved)."""
    return {"realm": "group", "uid": change.after.get("uid"), "admin": change.after.get("admin", 0),
            "status": change.after.get("status", 1)}


def group_ids_by_code(client: Any, changes: Sequence[Change]) -> list[dict[str, Any] | str]:
    """The ``group_id`` of each change's ``group_code``, read when applying (the group may be new)."""
    ids = {str(g.get("group_code") or ""): g.get("id") for g in client.iter_records("groups")}
    out: list[dict[str, Any] | str] = []
    for c in changes:
        code = str(c.key.get("group_code") or "")
        gid = ids.get(code) if code else None
        out.append({"group_id": gid} if gid not in (None, "") else f"no group with group_code {code!r}")
    return out


#: Special cases; everything else uses the realm as endpoint with POST / PUT / DELETE.
ROUTES: dict[tuple[str, str], WriteRoute] = {
    ("users", DELETE): WriteRoute("users", "DELETE", lambda c: {"id": c.id}, _KEEP),
    ("users", DEACTIVATE): WriteRoute("users", "DELETE", lambda c: {"id": c.id}, _KEEP),
    ("users", REACTIVATE): WriteRoute("users_reactivate", "PUT", _reactivate),
    ("parent_associations", LINK): WriteRoute("parent_associations", "POST", lambda c: _assoc(c, delete=False)),
    ("parent_associations", UNLINK): WriteRoute("parent_associations", "POST", lambda c: _assoc(c, delete=True)),
    ("advisor_associations", LINK): WriteRoute("advisor_associations", "POST",
                                               lambda c: _assoc(c, delete=False, other="advisor")),
    ("advisor_associations", UNLINK): WriteRoute("advisor_associations", "POST",
                                                 lambda c: _assoc(c, delete=True, other="advisor")),
    # section enrollments by section_school_code + school_uid (key); after: {admin}
    ("section_enrollments", LINK): WriteRoute("enrollments_import", "POST",
                                              lambda c: _import_enrollment(c, delete=False)),
    ("section_enrollments", UNLINK): WriteRoute("enrollments_import", "POST",
                                                lambda c: _import_enrollment(c, delete=True)),
    # enrollments by id in any realm: link creates from after (ENROLLMENT_FIELDS), unlink deletes by id
    ("enrollments", LINK): WriteRoute("enrollments", "POST", _enrollment),
    ("enrollments", UNLINK): WriteRoute("enrollments", "DELETE", lambda c: {"id": c.id}),
    # a section of an existing (or just created) course: POST /courses with the section nested
    ("sections", CREATE): WriteRoute("courses", "POST", lambda c: nested_section_item(c.after), {"update_existing": 1},
                                     nested_section_result),
    # groups are created and deleted one at a time (no bulk form is documented)
    ("groups", CREATE): WriteRoute("groups", "POST", lambda c: item_fields(c.after), single=True),
    ("groups", DELETE): WriteRoute("group", "DELETE", lambda c: {}, single=True),
    # members of a group named by group_code (key group_code + school_uid; after uid, admin, status)
    ("group_members", LINK): WriteRoute("enrollments", "POST", _group_member, resolve=group_ids_by_code),
    ("group_members", UNLINK): WriteRoute("enrollments", "DELETE", lambda c: {"id": c.id}),
}


def route_for(realm: str, op: str) -> WriteRoute:
    """The write route for a realm and operation; a clear error when there is none."""
    if (realm, op) in ROUTES:
        return ROUTES[(realm, op)]
    if op == CREATE:
        return WriteRoute(realm, "POST", lambda c: item_fields(c.after))
    if op == UPDATE:
        return WriteRoute(realm, "PUT", lambda c: {"id": c.id, **item_fields(c.after)})
    if op == DELETE:
        return WriteRoute(realm, "DELETE", lambda c: {"id": c.id})
    raise ConfigurationError(f"no way to {op} objects of realm {realm!r}")


class ClientTarget:
    """Apply through a ``SchoologyClient``: drift reads via :class:`ClientReader`, writes via ``client.bulk``."""

    def __init__(self, client: Any, *, drift: str = "auto", snapshot_max_age: float = 30.0) -> None:
        self.client = client
        self.reader = ClientReader(client, strategy=drift, max_age=snapshot_max_age)

    @property
    def concurrency(self) -> int:
        """Chunks to keep in flight: the client's own concurrency cap."""
        return int(getattr(self.client, "max_concurrency", 1) or 1)

    @property
    def base_url(self) -> str | None:
        creds = getattr(self.client, "credentials", None)
        return getattr(creds, "base_url", None)

    def prepare(self, counts: Mapping[str, int], current_counts: Mapping[str, int],
                fields: Mapping[str, Sequence[str]] | None = None) -> None:
        self.reader.prepare(counts, current_counts, fields)

    def read(self, changes: Sequence[Change]) -> dict[int, dict[str, Any] | None]:
        return self.reader.read(changes)

    def write(self, realm: str, op: str, changes: Sequence[Change]) -> list[ItemResult]:
        route = route_for(realm, op)
        if route.single:
            return [self._write_one(route, c) for c in changes]
        results: list[ItemResult | None] = [None] * len(changes)
        extra: list[dict[str, Any] | str] = (route.resolve(self.client, changes) if route.resolve
                                             else [{}] * len(changes))
        by_flags: dict[tuple[tuple[str, Any], ...], list[int]] = {}
        for i, c in enumerate(changes):
            found = extra[i]
            if isinstance(found, str):
                results[i] = ItemResult(False, 404, None, found)
                continue
            by_flags.setdefault(tuple(sorted(query_flags(c).items())), []).append(i)
        for flags, positions in by_flags.items():
            items = [{**route.item(changes[i]), **extra[i]} for i in positions]  # type: ignore[dict-item]
            written = self.client.bulk(route.endpoint, items, method=route.method,
                                       params={**route.params, **dict(flags)})
            for i, r in zip(positions, written, strict=True):
                results[i] = route.result(r)
        return [r for r in results if r is not None]

    def _write_one(self, route: WriteRoute, change: Change) -> ItemResult:
        """One request for one change (a route with no bulk form); a refused one is a failed item."""
        endpoint = get_endpoint(route.endpoint)
        path, query = endpoint.render({**dict(route.params), **({"id": change.id} if "id" in endpoint.fields else {})})
        body = {**route.item(change)} if route.method in ("POST", "PUT") else None
        try:
            response = self.client.request(route.method, path, {**query, **query_flags(change)} or None, body)
        except (BadRequestError, NotFoundError, PermissionDeniedError) as exc:
            return ItemResult(False, exc.status, None, str(exc))
        data = response.data if isinstance(response.data, Mapping) else {}
        return ItemResult(True, response.status, data.get("id", change.id), None, dict(data))

    def counters(self) -> dict[str, float]:
        stats = self.client.stats
        return {"requests": stats.requests, "retries": stats.retries, "throttled_seconds": stats.throttled_seconds}

    def rate(self) -> tuple[int, float] | None:
        limiter = getattr(self.client, "limiter", None)
        return (limiter.rate, limiter.window) if limiter is not None else None


class MemoryTarget:
    """Apply to records held in memory: ``{realm: [record, ...]}`` (the input is copied).

    Objects are found by id or by their key fields; creates get the next integer id;
    deleted users move to ``inactive`` (as in Schoology) and can be reactivated.
    ``fail(change)`` may return a message to make that item fail, to rehearse errors.
    """

    def __init__(self, records: Mapping[str, Sequence[Mapping[str, Any]]], *,
                 fail: Callable[[Change], str | None] | None = None) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {
            realm: [copy.deepcopy(dict(r)) for r in rows] for realm, rows in records.items()
        }
        self.inactive: dict[str, list[dict[str, Any]]] = {}
        self.fail = fail
        self.requests = 0
        ids = (int(r["id"]) for rows in self.records.values() for r in rows if str(r.get("id", "")).isdigit())
        self._next_id = 1 + max(ids, default=0)

    base_url = None
    concurrency = 1

    def prepare(self, counts: Mapping[str, int], current_counts: Mapping[str, int],
                fields: Mapping[str, Sequence[str]] | None = None) -> None:
        """Nothing to prepare in memory."""

    def _find(self, realm: str, change: Change, rows: list[dict[str, Any]]) -> int | None:
        for i, r in enumerate(rows):
            if change.id is not None and str(r.get("id")) == str(change.id):
                return i
            if change.key and all(str(r.get(k)) == str(v) for k, v in change.key.items()):
                return i
        return None

    def read(self, changes: Sequence[Change]) -> dict[int, dict[str, Any] | None]:
        self.requests += max(1, -(-len(changes) // 50))
        out: dict[int, dict[str, Any] | None] = {}
        for c in changes:
            rows = self.records.get(c.realm, [])
            i = self._find(c.realm, c, rows)
            out[c.seq] = copy.deepcopy(rows[i]) if i is not None else None
        return out

    def write(self, realm: str, op: str, changes: Sequence[Change]) -> list[ItemResult]:
        self.requests += 1
        results = []
        rows = self.records.setdefault(realm, [])
        for c in changes:
            message = self.fail(c) if self.fail else None
            if message:
                results.append(ItemResult(False, 400, None, message))
                continue
            i = self._find(realm, c, rows)
            if op == CREATE:
                new = {**copy.deepcopy(item_fields(c.after)), **c.key, "id": self._next_id}
                self._next_id += 1
                rows.append(new)
                results.append(ItemResult(True, 200, new["id"]))
            elif op == UPDATE and i is not None:
                rows[i] = {**rows[i], **copy.deepcopy(item_fields(c.after))}
                results.append(ItemResult(True, 200, rows[i].get("id")))
            elif op in (DELETE, DEACTIVATE) and i is not None:
                self.inactive.setdefault(realm, []).append(rows.pop(i))
                results.append(ItemResult(True, 200, c.id))
            elif op == REACTIVATE:
                gone = self.inactive.get(realm, [])
                j = self._find(realm, c, gone)
                if j is None:
                    results.append(ItemResult(False, 404, None, "no such inactive object"))
                else:
                    rows.append(gone.pop(j))
                    results.append(ItemResult(True, 200, c.id))
            else:
                results.append(ItemResult(False, 404, None, f"no object {c.key_text or c.id} to {op}"))
        return results

    def counters(self) -> dict[str, float]:
        return {"requests": self.requests, "retries": 0, "throttled_seconds": 0.0}

    def rate(self) -> tuple[int, float] | None:
        return None


def as_target(client_or_target: Any, **options: Any) -> Any:
    """A target for ``apply_plan``: targets pass through, clients are wrapped."""
    if hasattr(client_or_target, "read") and hasattr(client_or_target, "write"):
        return client_or_target
    if hasattr(client_or_target, "bulk"):
        return ClientTarget(client_or_target, **options)
    raise ConfigurationError(f"cannot apply a plan to {type(client_or_target).__name__}: "
                             "expected a SchoologyClient or a target")


__all__ = ["ENROLLMENT_FIELDS", "QUERY_FLAGS", "ClientTarget", "ItemResult", "MemoryTarget", "REALM_READS", "as_target",
           "group_ids_by_code", "item_fields", "lookup_key", "query_flags", "route_for"]
