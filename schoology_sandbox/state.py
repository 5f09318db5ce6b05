"""The sandbox's in-memory district: every object the fake API serves, and its indexes.

Shape (all ids are ints from one allocator, so an id of one realm never names an
object of another; records are plain dicts in the API's own field names)::

    DistrictState
      school            {id, title, address1, city, state, postal_code, country, website, phone, building_code}
      buildings         {id: {id, title, building_code, school_id, city, ...}}
      roles             {id: {id, title, faculty 0|1, role_type 1|2}}     # titles: Student, Teacher,
                                                                          # Parent, School Admin, System Admin
      building_roles    {id: {id, title, building_id, faculty, role_type}}
      users             {uid: user}        active users; user = {uid, school_id, building_id, school_uid,
                                           name_title, name_first, name_first_preferred, name_middle,
                                           name_last, name_display, username, primary_email, position,
                                           gender, grad_year, birthday_date, role_id,
                                           additional_buildings ("id,id"), synced, ...}
      inactive_users    {uid: user}        deactivated users (same shape)
      parent_links      {(student_uid, parent_uid)}
      advisor_links     {(student_uid, advisor_uid)}
      courses           {id: {id, building_id, title, course_code, department, description, credits,
                              grade_level_range_start, grade_level_range_end, subject_area, synced}}
      sections          {id: {id, course_id, school_id, building_id, section_title, section_code,
                              section_school_code, grading_periods [ids], description, location,
                              meeting_days, start_time, end_time, active 0|1, synced}}
      enrollments       {id: {id, realm "section"|"group", realm_id, uid, admin 0|1, status 1..5}}
      groups            {id: {id, title, description, building_id, school_id, privacy_level,
                              category, group_code}}
      grading_periods   {id: {id, title, start "YYYY-MM-DD", end "YYYY-MM-DD", active 0|1}}
      external_emails   {lowercased email: "other-school" | "verified-domain"}  accounts that live in
                                                                          another school (email conflicts)
      verified_domain   the district's verified email domain
      seeded_duplicates [{rule, keep, other}]  the seed's known pairs of accounts of one person (uids;
                                           ``keep`` the SIS's active account); not served by the API

Users (active and inactive) and enrollments are kept compactly (:mod:`schoology_sandbox.tables`):
reading one gives a fresh dict, so a change goes through the methods below, never by
changing a record read.

``to_dict()`` dumps all of it as JSON-ready data (dict keys become strings, link sets
become sorted lists of ``{student_uid, parent_uid}`` / ``{student_uid, advisor_uid}``).
Mutations go through the methods below so the indexes (by school_uid, email,
course_code, section_school_code, realm) stay true; ``version`` grows with every change.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from array import array
from collections.abc import Mapping
from typing import Any

from schoology_sandbox.tables import EnrollmentTable, PackedRecords


class IdAllocator:
    """Hands out increasing integer ids, shared by every realm."""

    def __init__(self, start: int = 100_000) -> None:
        self.next_id = start

    def allocate(self) -> int:
        """Return a new id."""
        value = self.next_id
        self.next_id += 1
        return value


class DistrictState:
    """The whole demo district, with indexes kept in step by the mutation methods."""

    def __init__(self, *, id_start: int = 100_000) -> None:
        self.ids = IdAllocator(id_start)
        self.version = 0
        self.today = dt.date.today()  # the day sections' grading periods are measured against
        self.school: dict[str, Any] = {}
        self.verified_domain = ""
        self.buildings: dict[int, dict[str, Any]] = {}
        self.roles: dict[int, dict[str, Any]] = {}
        self.building_roles: dict[int, dict[str, Any]] = {}
        self.users = PackedRecords()  # compact: a read is a copy, a change is stored again (update_user)
        self.inactive_users = PackedRecords()
        self.parent_links: set[tuple[int, int]] = set()
        self.advisor_links: set[tuple[int, int]] = set()
        self.courses: dict[int, dict[str, Any]] = {}
        self.sections: dict[int, dict[str, Any]] = {}
        self.enrollments = EnrollmentTable()  # compact, as users: changed through update_enrollment
        self.groups: dict[int, dict[str, Any]] = {}
        self.grading_periods: dict[int, dict[str, Any]] = {}
        self.external_emails: dict[str, str] = {}
        self.seeded_duplicates: list[dict[str, Any]] = []
        # indexes
        self._uid_by_school_uid: dict[str, int] = {}
        self._email_owner: dict[str, int] = {}  # lowercased email -> first user holding it
        self._email_more: dict[str, set[int]] = {}  # lowercased email -> further users (near-duplicates)
        self._course_by_code: dict[str, int] = {}
        self._section_by_school_code: dict[str, int] = {}
        # enrollment ids of a realm, oldest first (arrays: 8 bytes an enrollment); a user's are found by a
        # vectorised scan of the table's uid column (a millisecond), not kept: an index per user would cost 150 bytes
        self._enrollments_by_realm: dict[tuple[str, int], array[int]] = {}
        # parents of a student, children of a parent, as tuples (a few each; sets would cost 200 bytes a user)
        self._parents_of: dict[int, tuple[int, ...]] = {}
        self._children_of: dict[int, tuple[int, ...]] = {}
        self._query_cache: dict[Any, tuple[int, list[Any]]] = {}
        self._api_uid = 0

    # ----------------------------------------------------------------- bookkeeping
    def touch(self) -> None:
        """Record that something changed (invalidates cached listings)."""
        self.version += 1

    def cached(self, key: Any, build: Any) -> list[Any]:
        """A listing built by ``build()``, reused until the next change."""
        hit = self._query_cache.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        value = build()
        if len(self._query_cache) > 256:
            self._query_cache.clear()
        self._query_cache[key] = (self.version, value)
        return value

    # ----------------------------------------------------------------- users
    def add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """Store a new active user (``uid`` allocated when missing)."""
        if not user.get("uid"):
            user["uid"] = self.ids.allocate()
        self.users[user["uid"]] = user
        self._index_user(user)
        self.version += 1
        return user

    def _index_user(self, user: dict[str, Any]) -> None:
        uid = user["uid"]
        school_uid = user.get("school_uid")
        if school_uid:
            self._uid_by_school_uid[str(school_uid)] = uid
        email = user.get("primary_email")
        if email:
            key = str(email).lower()
            if self._email_owner.setdefault(key, uid) != uid:
                self._email_more.setdefault(key, set()).add(uid)

    def _unindex_user(self, user: dict[str, Any]) -> None:
        uid = user["uid"]
        if self._uid_by_school_uid.get(str(user.get("school_uid"))) == uid:
            del self._uid_by_school_uid[str(user["school_uid"])]
        email = user.get("primary_email")
        if email:
            key = str(email).lower()
            more = self._email_more.get(key)
            if self._email_owner.get(key) == uid:
                if more:
                    self._email_owner[key] = more.pop()
                else:
                    del self._email_owner[key]
            elif more:
                more.discard(uid)
            if more is not None and not more:
                del self._email_more[key]

    def update_user(self, uid: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` to the active user ``uid``."""
        user = self.users[uid]
        self._unindex_user(user)
        user.update(changes)
        self.users[uid] = user
        self._index_user(user)
        self.touch()
        return user

    def user_by_school_uid(self, school_uid: str) -> dict[str, Any] | None:
        """The active user with this SIS id, if any."""
        uid = self._uid_by_school_uid.get(str(school_uid))
        return self.users.get(uid) if uid is not None else None

    def uids_with_email(self, email: str) -> set[int]:
        """Active users whose primary email equals ``email`` ignoring case."""
        key = email.lower()
        found = set(self._email_more.get(key, ()))
        if key in self._email_owner:
            found.add(self._email_owner[key])
        return found

    def deactivate_user(self, uid: int, *, keep_enrollments: bool) -> None:
        """Move a user to the inactive list (the API's delete)."""
        user = self.users.pop(uid)
        self._unindex_user(user)
        user["inactive_timestamp"] = int(time.time())
        self.inactive_users[uid] = user
        if not keep_enrollments:
            for eid in self.enrollments.ids_of_user(uid):
                self.remove_enrollment(eid)
        self.touch()

    def reactivate_user(self, uid: int) -> dict[str, Any]:
        """Move an inactive user back to the active list."""
        user = self.inactive_users.pop(uid)
        user.pop("inactive_timestamp", None)
        self.users[uid] = user
        self._index_user(user)
        self.touch()
        return user

    # ----------------------------------------------------------------- links
    def link_parent(self, student_uid: int, parent_uid: int) -> None:
        """Link a parent to a child."""
        self.parent_links.add((student_uid, parent_uid))
        _add_to(self._parents_of, student_uid, parent_uid)
        _add_to(self._children_of, parent_uid, student_uid)
        self.touch()

    def unlink_parent(self, student_uid: int, parent_uid: int) -> None:
        """Remove a parent-child link (no error when absent)."""
        self.parent_links.discard((student_uid, parent_uid))
        _drop_from(self._parents_of, student_uid, parent_uid)
        _drop_from(self._children_of, parent_uid, student_uid)
        self.touch()

    def parents_of(self, student_uid: int) -> list[int]:
        """Parent uids of a student, sorted."""
        return sorted(self._parents_of.get(student_uid, ()))

    def children_of(self, parent_uid: int) -> list[int]:
        """Child uids of a parent, sorted."""
        return sorted(self._children_of.get(parent_uid, ()))

    # ----------------------------------------------------------------- courses and sections
    def add_course(self, course: dict[str, Any]) -> dict[str, Any]:
        """Store a new course."""
        course.setdefault("id", self.ids.allocate())
        self.courses[course["id"]] = course
        self._course_by_code[str(course["course_code"])] = course["id"]
        self.touch()
        return course

    def update_course(self, course_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` to a course."""
        course = self.courses[course_id]
        self._course_by_code.pop(str(course["course_code"]), None)
        course.update(changes)
        self._course_by_code[str(course["course_code"])] = course_id
        self.touch()
        return course

    def course_by_code(self, code: str) -> dict[str, Any] | None:
        """The course with this ``course_code``, if any."""
        cid = self._course_by_code.get(str(code))
        return self.courses.get(cid) if cid is not None else None

    def remove_course(self, course_id: int) -> None:
        """Delete a course and its sections."""
        course = self.courses.pop(course_id)
        self._course_by_code.pop(str(course["course_code"]), None)
        for sid in [s["id"] for s in self.sections.values() if s["course_id"] == course_id]:
            self.remove_section(sid)
        self.touch()

    def add_section(self, section: dict[str, Any]) -> dict[str, Any]:
        """Store a new section."""
        section.setdefault("id", self.ids.allocate())
        self.sections[section["id"]] = section
        if section.get("section_school_code"):
            self._section_by_school_code[str(section["section_school_code"])] = section["id"]
        self.touch()
        return section

    def update_section(self, section_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` to a section."""
        section = self.sections[section_id]
        if section.get("section_school_code"):
            self._section_by_school_code.pop(str(section["section_school_code"]), None)
        section.update(changes)
        if section.get("section_school_code"):
            self._section_by_school_code[str(section["section_school_code"])] = section_id
        self.touch()
        return section

    def section_by_school_code(self, code: str) -> dict[str, Any] | None:
        """The section with this ``section_school_code``, if any."""
        sid = self._section_by_school_code.get(str(code))
        return self.sections.get(sid) if sid is not None else None

    def remove_section(self, section_id: int) -> None:
        """Delete a section and its enrollments."""
        section = self.sections.pop(section_id)
        if section.get("section_school_code"):
            self._section_by_school_code.pop(str(section["section_school_code"]), None)
        for eid in list(self._enrollments_by_realm.get(("section", section_id), ())):
            self.remove_enrollment(eid)
        self.touch()

    # ----------------------------------------------------------------- enrollments
    def add_enrollment(self, realm: str, realm_id: int, uid: int, admin: int, status: int = 1) -> dict[str, Any]:
        """Enroll ``uid`` in a section or group."""
        eid = self.ids.allocate()
        self.enrollments.add(eid, realm, realm_id, uid, admin, status)
        row = {"id": eid, "realm": realm, "realm_id": realm_id, "uid": uid, "admin": admin, "status": status}
        self._enrollments_by_realm.setdefault((realm, realm_id), array("q")).append(eid)
        self.version += 1
        return row

    def update_enrollment(self, eid: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an enrollment's ``admin`` or ``status`` (its realm and user stay)."""
        row = self.enrollments[eid]
        if set(changes) - {"admin", "status"}:
            raise ValueError(f"enrollment {eid}: only admin and status change, not {sorted(set(changes))}")
        row.update(changes)
        self.enrollments[eid] = row
        self.touch()
        return row

    def remove_enrollment(self, eid: int) -> None:
        """Drop one enrollment."""
        row = self.enrollments.pop(eid)
        _remove_id(self._enrollments_by_realm, (row["realm"], row["realm_id"]), eid)
        self.touch()

    def enrollments_in(self, realm: str, realm_id: int) -> list[dict[str, Any]]:
        """Enrollment rows of one section or group, oldest first."""
        return [self.enrollments[e] for e in self._enrollments_by_realm.get((realm, realm_id), ())]

    def enrollments_of(self, uid: int) -> list[dict[str, Any]]:
        """Enrollment rows of one user, oldest first."""
        return [self.enrollments[e] for e in self.enrollments.ids_of_user(uid)]

    def find_enrollment(self, realm: str, realm_id: int, uid: int) -> dict[str, Any] | None:
        """The enrollment of ``uid`` in a realm, if any."""
        for row in self.enrollments_in(realm, realm_id):
            if row["uid"] == uid:
                return row
        return None

    # ----------------------------------------------------------------- lookups
    def role_by_title(self, title: str) -> dict[str, Any] | None:
        """The district role with this title (case-insensitive)."""
        for role in self.roles.values():
            if role["title"].lower() == title.lower():
                return role
        return None

    def api_user_uid(self) -> int:
        """The user the sandbox's API key belongs to (the first System Admin)."""
        role = self.role_by_title("System Admin")
        known = self.users.get(self._api_uid)
        if known is not None and role is not None and known["role_id"] == role["id"]:
            return self._api_uid
        for user in self.users.values():
            if role is not None and user["role_id"] == role["id"]:
                self._api_uid = user["uid"]
                return self._api_uid
        return next(iter(self.users), 0)

    # ----------------------------------------------------------------- dump
    def to_dict(self, *, deep_copy: bool = True) -> dict[str, Any]:
        """Everything, as JSON-ready plain data.

        Args:
            deep_copy: copy every record (safe to change); False shares the live records,
                for serialising at once.
        """

        def by_id(table: Mapping[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
            return {str(k): v for k, v in table.items()}

        data = {
            "version": self.version,
            "next_id": self.ids.next_id,
            "school": self.school,
            "verified_domain": self.verified_domain,
            "buildings": by_id(self.buildings),
            "roles": by_id(self.roles),
            "building_roles": by_id(self.building_roles),
            "users": by_id(self.users),
            "inactive_users": by_id(self.inactive_users),
            "parent_links": [{"student_uid": s, "parent_uid": p} for s, p in sorted(self.parent_links)],
            "advisor_links": [{"student_uid": s, "advisor_uid": a} for s, a in sorted(self.advisor_links)],
            "courses": by_id(self.courses),
            "sections": by_id(self.sections),
            "enrollments": by_id(self.enrollments),
            "groups": by_id(self.groups),
            "grading_periods": by_id(self.grading_periods),
            "external_emails": dict(sorted(self.external_emails.items())),
            "seeded_duplicates": list(self.seeded_duplicates),
        }
        return copy.deepcopy(data) if deep_copy else data


def _add_to(index: dict[int, tuple[int, ...]], key: int, value: int) -> None:
    held = index.get(key, ())
    if value not in held:
        index[key] = (*held, value)


def _drop_from(index: dict[int, tuple[int, ...]], key: int, value: int) -> None:
    held = index.get(key, ())
    if value in held:
        rest = tuple(v for v in held if v != value)
        if rest:
            index[key] = rest
        else:
            del index[key]


def _remove_id(index: dict[Any, array[int]], key: Any, eid: int) -> None:
    ids = index.get(key)
    if ids is not None and eid in ids:
        ids.remove(eid)
        if not ids:
            del index[key]
