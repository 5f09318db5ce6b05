"""Names a person reads, put beside the ids a plan applies: :class:`PlanNamer`.

A change keeps its ids (``building_id 100003``) for apply; ``names`` adds the user's
name and unique id, the building, role, section and grading period titles, so the
review can say "Carter Patel (S100059): building Lakeside Elementary School ->
Northgate Academy". Lists (roles, buildings, grading periods) are read once; users and
sections are read in batches of the plan's own keys, so memory stays flat.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from schoology_etl.plans.model import Change

log = logging.getLogger(__name__)

BATCH = 200
#: fields holding ids of a kind: kind -> fields
ID_FIELDS = {
    "roles": ("role_id",),
    "buildings": ("building_id", "additional_buildings", "building_ids", "school_id"),
    "grading_periods": ("grading_periods", "grading_period_id"),
}
USER_KEYS = ("school_uid", "student_school_uid", "parent_school_uid", "advisor_school_uid", "old_school_uid",
             "new_school_uid")


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def person(record: dict[str, Any], uid: str = "") -> str:
    """``"Ana Li (S1)"`` from a user record (or create payload)."""
    name = " ".join(str(record.get(k) or "").strip() for k in ("name_first", "name_last")).strip()
    uid = uid or str(record.get("school_uid") or "")
    return f"{name} ({uid})" if name and uid else name or uid


class PlanNamer:
    """Adds ``names`` to changes, reading what it needs from ``client`` (a SchoologyClient)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._lists: dict[str, dict[str, str]] = {}
        self._users: dict[str, str] = {}
        self._sections: dict[str, str] = {}

    # -- lists read once ---------------------------------------------------------------------
    def _list(self, kind: str) -> dict[str, str]:
        if kind not in self._lists:
            try:
                self._lists[kind] = self._read_list(kind)
            except Exception as exc:  # noqa: BLE001 - names are for reading; ids still apply
                log.warning("could not read %s for the plan's names: %s", kind, exc)
                self._lists[kind] = {}
        return self._lists[kind]

    def _read_list(self, kind: str) -> dict[str, str]:
        if kind == "roles":
            from schoology_etl.provisioning.lookups import all_roles

            return {str(r["id"]): str(r.get("title") or r["id"]) for r in all_roles(self.client)}
        if kind == "buildings":
            schools = list(self.client.iter_records("schools"))
            found = {str(s["id"]): str(s.get("title") or s["id"]) for s in schools}
            for school in schools:
                for b in self.client.iter_records("buildings", school_id=school["id"]):
                    found[str(b["id"])] = str(b.get("title") or b.get("building_code") or b["id"])
            return found
        if kind == "grading_periods":
            return {str(p["id"]): str(p.get("title") or p["id"]) for p in self.client.iter_records("gradingperiods")}
        return {}

    # -- batches of the plan's own keys ------------------------------------------------------
    def _prefetch(self, batch: list[Change]) -> None:
        uids = {str(c.key[k]) for c in batch for k in USER_KEYS if c.key.get(k)} - set(self._users)
        for c in batch:  # a create names itself
            if c.realm == "users" and c.after.get("school_uid"):
                self._users.setdefault(str(c.after["school_uid"]), person(c.after))
                uids.discard(str(c.after["school_uid"]))
        if uids:
            try:
                for user in self.client.iter_records("users", school_uids=",".join(sorted(uids))):
                    self._users[str(user.get("school_uid"))] = person(user)
            except Exception as exc:  # noqa: BLE001
                log.warning("could not read users for the plan's names: %s", exc)
        codes = {str(c.key["section_school_code"]) for c in batch if c.key.get("section_school_code")}
        codes -= set(self._sections)
        if codes:
            try:
                listed = self.client.iter_records("sections", section_school_codes=",".join(sorted(codes)),
                                                  include_past=1)
                for s in listed:
                    title = " ".join(str(s.get(k) or "") for k in ("course_title", "section_title")).strip()
                    self._sections[str(s.get("section_school_code"))] = title or str(s.get("section_school_code"))
            except Exception as exc:  # noqa: BLE001
                log.warning("could not read sections for the plan's names: %s", exc)

    def _user(self, uid: Any) -> str:
        return self._users.get(str(uid), str(uid))

    def object_name(self, change: Change) -> str:
        key = change.key
        if change.realm == "parent_associations":
            return f"{self._user(key.get('parent_school_uid'))}, parent of {self._user(key.get('student_school_uid'))}"
        if change.realm == "advisor_associations":
            advisor, student = self._user(key.get("advisor_school_uid")), self._user(key.get("student_school_uid"))
            return f"{advisor}, advisor of {student}"
        if "section_school_code" in key and "school_uid" in key:
            code = key["section_school_code"]
            return f"{self._user(key['school_uid'])} in {self._sections.get(str(code), code)} ({code})"
        if change.realm == "group_members":
            return f"{self._user(key.get('school_uid'))} in group {key.get('group_code')}"
        if "old_school_uid" in key:
            return self._user(key["old_school_uid"])
        if "school_uid" in key:
            record = change.after if change.op == "create" else change.before
            return self._users.get(str(key["school_uid"])) or person(record, str(key["school_uid"]))
        if "section_school_code" in key:
            code = key["section_school_code"]
            title = change.after.get("title") or change.before.get("title") or self._sections.get(str(code))
            return f"{title} ({code})" if title else str(code)
        title = change.after.get("title") or change.before.get("title")
        return f"{title} ({change.key_text})" if title else change.key_text

    def value_names(self, change: Change) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for kind, fields in ID_FIELDS.items():
            for field_name in fields:
                ids = _ids(change.before.get(field_name)) + _ids(change.after.get(field_name))
                if not ids:
                    continue
                names = self._list(kind)
                known = {i: names[i] for i in ids if i in names}
                if known:
                    out[field_name] = known
        return out

    def name(self, batch: list[Change]) -> list[Change]:
        """The changes of one batch with their names."""
        self._prefetch(batch)
        return [c.named({"object": self.object_name(c), "values": self.value_names(c)}) for c in batch]

    def name_all(self, changes: Iterable[Change]) -> Iterator[Change]:
        """Every change with its names, read in batches of :data:`BATCH`."""
        it = iter(changes)
        while batch := list(itertools.islice(it, BATCH)):
            yield from self.name(batch)
