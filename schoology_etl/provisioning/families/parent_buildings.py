"""Give parents the buildings of their children (job ``update_parent_buildings``).

Parent links are read from a parent's ``child_uids`` (comma-separated uids; ``null``
for users without children). The documentation gives ``parent_uids`` as write-only, so a
student's ``parent_uids`` is used only when a listing does carry it.
:func:`with_child_uids` re-reads, one by one, the parents whose listing rows lack
``child_uids``. A user's buildings are its
``building_id`` (primary) plus ``additional_buildings`` (comma-separated ids).

Behaviours:

* ``add``: the parent keeps every building and gains its children's.
* ``replace``: the parent's buildings become exactly its children's.

``allowed_buildings`` (optional) limits the buildings the job touches: only those are
added or removed; buildings outside it are kept as they are. A parent never ends up
with no building: when ``replace`` would leave none, the current primary stays.
"""

from __future__ import annotations

import dataclasses
import logging
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import Change
from schoology_etl.provisioning.rows import join_ids, split_ids, text

log = logging.getLogger(__name__)

BEHAVIORS = ("add", "replace")
#: the fields the job's plan changes
PLAN_FIELDS = ("building_id", "additional_buildings")


def user_buildings(user: Mapping[str, Any]) -> list[str]:
    """The user's building ids: primary first, then additional ones, without repeats."""
    ids = [text(user.get("building_id")), *split_ids(user.get("additional_buildings"))]
    return list(dict.fromkeys(i for i in ids if i and i != "0"))


def children_by_parent(users: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``parent uid -> [child uid, ...]`` from parents' ``child_uids`` (and students' ``parent_uids`` when present)."""
    links: dict[str, list[str]] = {}
    for user in users:
        uid = text(user.get("uid") or user.get("id"))
        for parent in split_ids(user.get("parent_uids")):
            links.setdefault(parent, []).append(uid)
        for child in split_ids(user.get("child_uids")):
            links.setdefault(uid, []).append(child)
    return {parent: list(dict.fromkeys(kids)) for parent, kids in links.items()}


def with_child_uids(users: Iterable[Mapping[str, Any]], client: Any) -> list[dict[str, Any]]:
    """``users`` (copies) where every parent carries ``child_uids``.

    Parents (users in a role titled "Parent") whose row has no ``child_uids`` key are read
    again with ``GET /users/{id}`` (50 per multiget). The log says which reading was met.
    """
    copies = [dict(u) for u in users]
    roles = client.iter_records("roles")
    parent_roles = {text(r.get("id")) for r in roles if text(r.get("title")).casefold() == "parent"}
    lacking = [u for u in copies if text(u.get("role_id")) in parent_roles and "child_uids" not in u]
    if any("parent_uids" in u for u in copies):
        log.info("the user listing carries parent_uids (not documented as readable): used as well as child_uids")
    if not lacking:
        log.info("parent links read from the listing's child_uids")
        return copies
    log.info("%d parents have no child_uids in the listing: reading them one by one", len(lacking))
    paths = [f"/users/{text(u.get('uid') or u.get('id'))}" for u in lacking]
    for start in range(0, len(paths), 50):
        for user, body in zip(lacking[start : start + 50], client.multiget(paths[start : start + 50]), strict=True):
            if isinstance(body, Mapping):
                user["child_uids"] = body.get("child_uids")
    return copies


def _desired(current: list[str], wanted: list[str], behavior: str, allowed: set[str] | None) -> list[str]:
    def touchable(b: str) -> bool:
        return allowed is None or b in allowed

    wanted = [b for b in wanted if touchable(b)]
    if behavior == "add":
        result = current + [b for b in wanted if b not in current]
    else:
        kept = [b for b in current if not touchable(b) or b in wanted]
        result = kept + [b for b in wanted if b not in kept]
    return result or current[:1]


class FamilyIndex:
    """What the parent-buildings job needs of a district, read in one pass and kept compact.

    Per user, in arrays of machine integers: its uid (the number itself when the uid is
    a plain decimal, else a code from a small table of the others), the codes of its
    ``building_id`` and ``additional_buildings`` texts (each distinct text kept once), and
    its ``school_uid`` as bytes in one shared buffer; parent links as two arrays of uid
    codes (parent, child). No per-user Python object is kept, so a district costs a few
    tens of bytes per user (under 5 MB for 200,000 users). Built from a stream of users
    (:func:`read_families`); looked up by uid through a sorted copy of the uid array,
    made on the first look-up.

    A uid listed twice keeps its first place and its last record (as a dict would).
    """

    __slots__ = ("users", "_uid", "_primary", "_extra", "_sid_blob", "_sid_end", "_other_id", "_odd", "_odd_text",
                 "_texts", "_text_code", "_link_parent", "_link_child", "_sorted", "_groups")

    def __init__(self) -> None:
        self.users = 0
        self._uid = array("q")  # per row: uid code
        self._primary = array("i")  # per row: code of the building_id text
        self._extra = array("i")  # per row: code of the additional_buildings text
        self._sid_blob = bytearray()  # every school_uid, UTF-8, one after the other
        self._sid_end = array("q")  # per row: where its school_uid ends in _sid_blob
        self._other_id: dict[int, str] = {}  # row -> id, for the rare record whose id is not its uid
        self._odd: dict[str, int] = {}  # uid text that is not a plain decimal -> negative code
        self._odd_text: list[str] = []
        self._texts: list[str] = []  # building texts by code
        self._text_code: dict[str, int] = {}
        self._link_parent = array("q")  # parent links: uid codes, in reading order
        self._link_child = array("q")
        self._sorted: tuple[Any, Any, Any] | None = None  # see _index, made on first look-up
        self._groups: tuple[Any, Any, Any, Any] | None = None  # see _children, made on first use

    # ------------------------------------------------------------------ codes
    def _code(self, uid: str) -> int:
        code = self._known(uid)
        if code is None:
            self._odd_text.append(uid)
            code = self._odd[uid] = -len(self._odd_text)
        return code

    def _known(self, uid: Any) -> int | None:
        """The code of a uid for a look-up (None for a uid text never read; nothing is added)."""
        uid = text(uid)
        if uid.isdecimal() and uid.isascii() and (uid == "0" or uid[0] != "0") and len(uid) < 19:
            return int(uid)
        return self._odd.get(uid)

    def _uid_text(self, code: int) -> str:
        return str(code) if code >= 0 else self._odd_text[-code - 1]

    def _text_id(self, value: str) -> int:
        code = self._text_code.get(value)
        if code is None:
            code = self._text_code[value] = len(self._texts)
            self._texts.append(value)
        return code

    # ------------------------------------------------------------------ reading
    def add(self, user: Mapping[str, Any]) -> None:
        """Take what is needed of one user record."""
        uid = text(user.get("uid") or user.get("id"))
        uid_id = text(user.get("id"))
        code = self._code(uid)
        row = self.users
        self.users += 1
        self._uid.append(code)
        self._primary.append(self._text_id(text(user.get("building_id"))))
        self._extra.append(self._text_id(text(user.get("additional_buildings"))))
        self._sid_blob += text(user.get("school_uid")).encode()
        self._sid_end.append(len(self._sid_blob))
        if uid_id not in ("", uid):
            self._other_id[row] = uid_id
        for parent in split_ids(user.get("parent_uids")):
            self._link_parent.append(self._code(parent))
            self._link_child.append(code)
        for child in split_ids(user.get("child_uids")):
            self._link_parent.append(code)
            self._link_child.append(self._code(child))
        self._sorted = None
        self._groups = None

    # ------------------------------------------------------------------ look-ups
    def _index(self) -> tuple[Any, Any, Any]:
        """(sorted uid codes, the row of each one's last record, the rows holding a uid's first record)."""
        if self._sorted is None:
            codes = np.frombuffer(self._uid, dtype=np.int64) if self.users else np.zeros(0, dtype=np.int64)
            order = np.argsort(codes, kind="stable")
            ordered = codes[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, int)
            ends = np.r_[starts[1:], len(ordered)].astype(np.int64)
            self._sorted = (ordered[starts], order[ends - 1], np.sort(order[starts]))
        return self._sorted

    def _row(self, code: int) -> int | None:
        """The row holding the (last) record of a uid code, or None."""
        uniq, last, _ = self._index()
        at = int(uniq.searchsorted(code))
        if at >= len(uniq) or int(uniq[at]) != code:
            return None
        return int(last[at])

    def _children(self) -> tuple[Any, Any, Any, Any]:
        """The links grouped by parent: (parent codes sorted, group starts, group ends, child codes).

        Each (parent, child) pair once; a parent's children in reading order.
        """
        if self._groups is None:
            parents = np.frombuffer(self._link_parent, dtype=np.int64) if self._link_parent else np.zeros(0, np.int64)
            children = np.frombuffer(self._link_child, dtype=np.int64) if self._link_child else np.zeros(0, np.int64)
            pairs = np.lexsort((children, parents))  # stable: equal pairs stay in reading order
            p, c = parents[pairs], children[pairs]
            first = np.r_[True, (p[1:] != p[:-1]) | (c[1:] != c[:-1])] if len(p) else np.zeros(0, bool)
            kept = np.sort(pairs[first])  # first mention of each pair, in reading order
            by_parent = kept[np.argsort(parents[kept], kind="stable")]
            p, c = parents[by_parent], children[by_parent]
            starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]]) if len(p) else np.zeros(0, np.int64)
            ends = np.r_[starts[1:], len(p)].astype(np.int64)
            self._groups = (p[starts], starts, ends, c)
        return self._groups

    def _kids(self, code: int) -> Any:
        uniq, starts, ends, children = self._children()
        at = int(uniq.searchsorted(code))
        if at >= len(uniq) or int(uniq[at]) != code:
            return None
        return children[starts[at] : ends[at]]

    @property
    def links(self) -> Mapping[str, list[str]]:
        """``parent uid -> [child uid, ...]`` (each child once), a read-only view on the kept links."""
        return _Links(self)

    def _buildings_at(self, row: int) -> list[str]:
        return user_buildings({"building_id": self._texts[self._primary[row]],
                               "additional_buildings": self._texts[self._extra[row]]})

    def buildings(self, uid: str) -> list[str]:
        """The user's building ids (primary first), or ``[]`` for a user not in the district."""
        code = self._known(uid)
        row = None if code is None else self._row(code)
        return [] if row is None else self._buildings_at(row)

    def _record(self, row: int) -> dict[str, Any]:
        code = self._uid[row]
        uid = self._uid_text(code)
        start = self._sid_end[row - 1] if row else 0
        school_uid = self._sid_blob[start : self._sid_end[row]].decode()
        return {"id": self._other_id.get(row, uid), "uid": uid, "school_uid": school_uid or None,
                "building_id": self._texts[self._primary[row]], "additional_buildings": self._texts[self._extra[row]]}

    def user(self, uid: str) -> dict[str, Any] | None:
        """The kept fields of one user as a record (``id``, ``uid``, ``school_uid``, buildings)."""
        code = self._known(uid)
        row = None if code is None else self._row(code)
        return None if row is None else self._record(row)

    def parents(self) -> Iterator[dict[str, Any]]:
        """The kept fields of every linked parent in the district (for the plan's ``before``), in reading order."""
        _, _, first_rows = self._index()
        codes = np.frombuffer(self._uid, dtype=np.int64) if self.users else np.zeros(0, dtype=np.int64)
        rows = first_rows[np.isin(codes[first_rows], self._children()[0])]
        for row in rows.tolist():
            yield self._record(self._row(self._uid[row]))  # type: ignore[arg-type]

    def wanted(self, parent_uid: str) -> list[str]:
        """The buildings of a parent's children, each once, in the order of the children."""
        wanted: list[str] = []
        code = self._known(parent_uid)
        kids = None if code is None else self._kids(code)
        for child in () if kids is None else kids.tolist():
            row = self._row(child)
            if row is not None:
                wanted += [b for b in self._buildings_at(row) if b not in wanted]
        return wanted

    def __len__(self) -> int:
        return self.users


class _Links(Mapping[str, list[str]]):
    """The parent links of a :class:`FamilyIndex` as a mapping (uid texts made on reading), parents in order of
    first mention."""

    def __init__(self, index: FamilyIndex) -> None:
        self._index = index

    def __getitem__(self, parent: str) -> list[str]:
        code = self._index._known(parent)
        kids = None if code is None else self._index._kids(code)
        if kids is None:
            raise KeyError(parent)
        return [self._index._uid_text(c) for c in kids.tolist()]

    def __iter__(self) -> Iterator[str]:
        index = self._index
        uniq, starts, _, _ = index._children()
        mentions = np.frombuffer(index._link_parent, dtype=np.int64) if index._link_parent else np.zeros(0, np.int64)
        first = np.full(len(uniq), len(mentions), dtype=np.int64)
        np.minimum.at(first, uniq.searchsorted(mentions), np.arange(len(mentions)))
        return (index._uid_text(int(c)) for c in uniq[np.argsort(first, kind="stable")].tolist())

    def __len__(self) -> int:
        return len(self._index._children()[0])


def read_families(users: Iterable[Mapping[str, Any]]) -> FamilyIndex:
    """A :class:`FamilyIndex` of a stream of API user records (read once)."""
    index = FamilyIndex()
    for user in users:
        index.add(user)
    return index


def parent_building_updates(
    users: Iterable[Mapping[str, Any]] | FamilyIndex,
    *,
    behavior: str = "add",
    allowed_buildings: Iterable[Any] | None = None,
) -> list[dict[str, Any]]:
    """Every update of :func:`iter_parent_building_updates`, as a list."""
    return list(iter_parent_building_updates(users, behavior=behavior, allowed_buildings=allowed_buildings))


def parent_building_changes(
    index: FamilyIndex,
    *,
    behavior: str = "add",
    allowed_buildings: Iterable[Any] | None = None,
) -> Iterator[Change]:
    """The plan's changes, one per parent whose buildings change, made as they are needed
    (so :func:`schoology_etl.write_plan` streams them to disk: none is held in memory).

    ``before`` and ``after`` hold ``building_id`` and ``additional_buildings``; the
    change is keyed by ``school_uid`` (``uid`` for a parent without one).
    """
    from schoology_etl.provisioning.users.user_changes import update_changes

    seq = 0
    for update in iter_parent_building_updates(index, behavior=behavior, allowed_buildings=allowed_buildings):
        parent = index.user(update["uid"])  # always found: the updates are made from the index's own parents
        current = [parent] if parent is not None else []  # (were it not, update_changes would refuse the update)
        for change in update_changes([update], current, fields=PLAN_FIELDS, shown=["building_id"]):
            seq += 1
            yield dataclasses.replace(change, seq=seq)


def iter_parent_building_updates(
    users: Iterable[Mapping[str, Any]] | FamilyIndex,
    *,
    behavior: str = "add",
    allowed_buildings: Iterable[Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Update records for every parent whose buildings must change.

    Args:
        users: a :class:`FamilyIndex`, or API user records (``uid``, ``building_id``,
            ``additional_buildings``, ``parent_uids`` / ``child_uids``), read once.
        behavior: ``"add"`` or ``"replace"``.
        allowed_buildings: building ids the job may add or remove; ``None`` or empty
            means every building.

    Yields:
        One record per changed parent, in input order: ``id``, ``uid``, ``school_uid``,
        ``building_id`` (kept when still one of its buildings) and ``additional_buildings``.
    """
    if behavior not in BEHAVIORS:
        raise ConfigurationError(f"behavior must be one of {BEHAVIORS}, not {behavior!r}")
    allowed = {text(b) for b in allowed_buildings} if allowed_buildings else None
    index = users if isinstance(users, FamilyIndex) else read_families(users)
    for parent in index.parents():
        uid = parent["uid"]
        wanted = index.wanted(uid)
        current = user_buildings(parent)
        desired = _desired(current, wanted, behavior, allowed)
        if set(desired) == set(current):
            continue
        primary = current[0] if current and current[0] in desired else desired[0]
        yield {
            "id": uid,
            "uid": uid,
            "school_uid": parent["school_uid"],
            "building_id": primary,
            "additional_buildings": join_ids(b for b in desired if b != primary),
        }
