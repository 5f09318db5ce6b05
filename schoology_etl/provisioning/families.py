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
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

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
    """What the parent-buildings job needs of a district, read in one pass and kept small.

    Per user only its uid, id (when it differs), ``school_uid`` and buildings, as a
    tuple of (interned) strings; parent links as ``parent uid -> [child uid]``. Built
    from a stream of users (:func:`read_families`), so the district is never held as
    whole records: about a quarter of a kilobyte per user.
    """

    __slots__ = ("users", "_people", "_links")

    def __init__(self) -> None:
        self.users = 0
        # uid -> (id or "", school_uid, building_id, additional_buildings)
        self._people: dict[str, tuple[str, str, str, str]] = {}
        self._links: dict[str, list[str]] = {}

    def add(self, user: Mapping[str, Any]) -> None:
        """Take what is needed of one user record."""
        uid = text(user.get("uid") or user.get("id"))
        uid_id = text(user.get("id"))
        self.users += 1
        self._people[uid] = (
            "" if uid_id in ("", uid) else uid_id,
            text(user.get("school_uid")),
            sys.intern(text(user.get("building_id"))),
            sys.intern(text(user.get("additional_buildings"))),
        )
        for parent in split_ids(user.get("parent_uids")):
            self._links.setdefault(sys.intern(parent), []).append(uid)
        for child in split_ids(user.get("child_uids")):
            self._links.setdefault(sys.intern(uid), []).append(child)

    @property
    def links(self) -> dict[str, list[str]]:
        """``parent uid -> [child uid, ...]`` (each child once)."""
        return {parent: list(dict.fromkeys(kids)) for parent, kids in self._links.items()}

    def buildings(self, uid: str) -> list[str]:
        """The user's building ids (primary first), or ``[]`` for a user not in the district."""
        person = self._people.get(uid)
        return [] if person is None else user_buildings({"building_id": person[2], "additional_buildings": person[3]})

    def user(self, uid: str) -> dict[str, Any] | None:
        """The kept fields of one user as a record (``id``, ``uid``, ``school_uid``, buildings)."""
        person = self._people.get(uid)
        if person is None:
            return None
        return {"id": person[0] or uid, "uid": uid, "school_uid": person[1] or None,
                "building_id": person[2], "additional_buildings": person[3]}

    def parents(self) -> Iterator[dict[str, Any]]:
        """The kept fields of every linked parent in the district (for the plan's ``before``)."""
        for uid in self._people:
            if uid in self._links:
                yield self.user(uid)  # type: ignore[misc]

    def __len__(self) -> int:
        return self.users


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
    from schoology_etl.provisioning.user_changes import update_changes

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
    links = index.links
    for parent in index.parents():
        uid = parent["uid"]
        wanted: list[str] = []
        for child in links[uid]:
            wanted += [b for b in index.buildings(child) if b not in wanted]
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
