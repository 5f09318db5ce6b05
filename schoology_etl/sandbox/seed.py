"""A deterministic demo district: the same ``seed`` (and day) always builds the same state.

The seeded facts jobs are tested against are listed in ``docs/sandbox.md``. The
generator draws from one :class:`random.Random`; it builds 100,000 students in a few
seconds, so it does no per-user searching.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import random
from typing import Any

from schoology_etl.sandbox.names import (
    BUILDINGS,
    COURSES_BY_LEVEL,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    GROUPS,
    LAST_NAMES,
    MIDDLE_NAMES,
)
from schoology_etl.sandbox.state import DistrictState

DOMAIN = "maplewood.example.org"
STUDENT_DOMAIN = "students.maplewood.example.org"
_BUILDING_SHARE = (0.35, 0.25, 0.30, 0.10)  # LES, CRMS, MHS, NGA
_ENROLLMENTS_PER_STUDENT = 4
_SECTION_SIZE = 25
_UID_PREFIX = {"Student": "S", "Teacher": "T", "Parent": "P", "School Admin": "A", "System Admin": "A"}


def seed_district(seed: int = 1, users: int = 300, *, today: dt.date | None = None) -> DistrictState:
    """Build the demo district.

    Args:
        seed: any int; the same seed gives the same district.
        users: number of regular students (parents, teachers, admins, near-duplicates and
            inactive users come on top, about 1.1 parents per student).
        today: the day grading periods are placed around (default: today).

    Returns:
        A fresh :class:`DistrictState`.
    """
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts: collection passes would only slow the build
    try:
        return _Seeder(seed, max(1, users), today or dt.date.today()).build()
    finally:
        if collecting:
            gc.enable()


class _Seeder:
    def __init__(self, seed: int, students: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.students = students
        self.today = today
        self.state = DistrictState()
        self.role: dict[str, int] = {}
        self.building_ids: list[int] = []
        self.students_by_building: dict[int, list[int]] = {}
        self.teachers_by_building: dict[int, list[int]] = {}
        self.serial = 0

    def build(self) -> DistrictState:
        self._school_and_buildings()
        self._roles()
        self._grading_periods()
        self._families()
        self._near_duplicates()
        self._courses_sections_teachers()
        self._admins()
        self._groups()
        self._inactive_and_external()
        self.state.version = 0
        return self.state

    # ------------------------------------------------------------------ structure
    def _school_and_buildings(self) -> None:
        st = self.state
        sid = st.ids.allocate()
        st.school = {
            "id": sid,
            "title": "Maplewood Unified School District",
            "address1": "100 Civic Center Dr",
            "address2": "",
            "city": "Maplewood",
            "state": "OR",
            "postal_code": "97000",
            "country": "USA",
            "website": f"https://www.{DOMAIN}",
            "phone": "555-0100",
            "fax": "",
            "picture_url": "",
            "building_code": "MUSD",
        }
        st.verified_domain = DOMAIN
        for n, (title, code, lo, hi, city) in enumerate(BUILDINGS):
            bid = st.ids.allocate()
            st.buildings[bid] = {
                "id": bid,
                "title": title,
                "building_code": code,
                "school_id": sid,
                "address1": f"{200 + n} Main St",
                "address2": "",
                "city": city,
                "state": "OR",
                "postal_code": f"9700{n + 1}",
                "country": "USA",
                "website": "",
                "phone": f"555-01{n + 1:02d}",
                "fax": "",
                "picture_url": "",
                "grade_low": lo,
                "grade_high": hi,
            }
            self.building_ids.append(bid)
            self.students_by_building[bid] = []
            self.teachers_by_building[bid] = []

    def _roles(self) -> None:
        st = self.state
        for title, faculty, role_type in (
            ("Student", 0, 1),
            ("Teacher", 1, 1),
            ("Parent", 0, 1),
            ("School Admin", 1, 1),
            ("System Admin", 1, 2),
        ):
            rid = st.ids.allocate()
            st.roles[rid] = {"id": rid, "title": title, "faculty": faculty, "role_type": role_type}
            self.role[title] = rid
        rid = st.ids.allocate()
        st.building_roles[rid] = {
            "id": rid,
            "title": "Teacher (Northgate)",
            "building_id": self.building_ids[3],
            "faculty": 1,
            "role_type": 1,
        }

    def _grading_periods(self) -> None:
        t = self.today
        year = t.year if t.month >= 8 else t.year - 1
        day = dt.timedelta(days=1)
        periods = (
            # title, start, end: two past, two current, one future; Term 1/Term 2 overlap
            # by 5 days and Term 2/Term 3 leave a 4-day gap.
            (f"{year - 1}-{year} Full Year", t - 465 * day, t - 180 * day),
            (f"Term 1 {year}-{year + 1}", t - 100 * day, t - 40 * day),
            (f"Term 2 {year}-{year + 1}", t - 45 * day, t + 45 * day),
            (f"{year}-{year + 1} Full Year", t - 100 * day, t + 140 * day),
            (f"Term 3 {year}-{year + 1}", t + 50 * day, t + 140 * day),
        )
        self.gp: dict[str, int] = {}
        keys = ("past_year", "term1", "term2", "full_year", "term3")
        for key, (title, start, end) in zip(keys, periods, strict=True):
            gid = self.state.ids.allocate()
            self.state.grading_periods[gid] = {
                "id": gid,
                "title": title,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "active": 1,
            }
            self.gp[key] = gid
        self.school_year_end = year + 1

    # ------------------------------------------------------------------ people
    def _person(self, role: str, building_id: int, first: str, last: str, gender: str, **extra: Any) -> dict[str, Any]:
        self.serial += 1
        prefix = _UID_PREFIX[role]
        school_uid = f"{prefix}{100000 + self.serial}"
        rng = self.rng
        middle = MIDDLE_NAMES[int(rng.random() * len(MIDDLE_NAMES))]
        domain = STUDENT_DOMAIN if role == "Student" else DOMAIN
        local = f"{first}.{last}".lower().replace("'", "")
        user = {
            "uid": self.state.ids.allocate(),
            "school_id": self.state.school["id"],
            "building_id": building_id,
            "school_uid": school_uid,
            "name_title": "",
            "name_title_show": 0,
            "name_first": first,
            "name_first_preferred": "",
            "use_preferred_first_name": "1",
            "name_middle": middle,
            "name_middle_show": 0,
            "name_last": last,
            "name_display": f"{first} {last}",
            "username": f"{local}{self.serial}",
            "primary_email": f"{local}{self.serial}@{domain}",
            "position": "",
            "gender": gender,
            "grad_year": "",
            "birthday_date": "",
            "role_id": self.role[role],
            "additional_buildings": "",
            "synced": 1,
            "tz_name": "America/Los_Angeles",
            "picture_url": "",
            "send_message": 0,
        }
        user.update(extra)
        self.state.add_user(user)
        return user

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.5:
            return FIRST_NAMES_F[int(rng.random() * len(FIRST_NAMES_F))], "F"
        return FIRST_NAMES_M[int(rng.random() * len(FIRST_NAMES_M))], "M"

    def _student(self, last: str) -> dict[str, Any]:
        rng = self.rng
        r = rng.random()
        idx = 0
        acc = _BUILDING_SHARE[0]
        while r > acc and idx < 3:
            idx += 1
            acc += _BUILDING_SHARE[idx]
        bid = self.building_ids[idx]
        b = self.state.buildings[bid]
        grade = b["grade_low"] + int(rng.random() * (b["grade_high"] - b["grade_low"] + 1))
        grad_year = self.school_year_end + (12 - grade)
        birthday = f"{grad_year - 18}-{1 + int(rng.random() * 12):02d}-{1 + int(rng.random() * 28):02d}"
        first, gender = self._name()
        user = self._person("Student", bid, first, last, gender, grad_year=str(grad_year), birthday_date=birthday)
        self.students_by_building[bid].append(user["uid"])
        return user

    def _families(self) -> None:
        rng = self.rng
        made = 0
        self.parent_uids: list[int] = []
        while made < self.students:
            size = min(self.students - made, 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3))
            last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
            children = [self._student(last) for _ in range(size)]
            made += size
            child_buildings = [c["building_id"] for c in children]
            for _ in range(1 if rng.random() < 0.5 else 2):
                home = child_buildings[0]
                if rng.random() < 0.08:  # a parent whose own building holds none of their children
                    others = [b for b in self.building_ids if b not in child_buildings]
                    home = others[rng.randrange(len(others))] if others else home
                first, gender = self._name()
                parent = self._person(
                    "Parent", home, first, last, gender, name_title="Mrs." if gender == "F" else "Mr."
                )
                self.parent_uids.append(parent["uid"])
                for child in children:
                    self.state.link_parent(child["uid"], parent["uid"])

    def _near_duplicates(self) -> None:
        """Three extra students who look like an existing one (same name and birthday)."""
        st = self.state
        self.near_duplicates: list[tuple[int, int]] = []
        pool = [u for u in list(st.users.values())[:60] if u["role_id"] == self.role["Student"]]
        for n, original in enumerate(pool[:3]):
            local, domain = original["primary_email"].split("@")
            if n == 0:
                email = local.capitalize() + "@" + domain.upper()  # differs only by case
            elif n == 1:
                email = local.replace(".", "") + "@" + domain  # differs only by dots
            else:
                email = local.upper() + "@" + domain  # case again, other building below
            bid = (
                original["building_id"]
                if n < 2
                else self.building_ids[(self.building_ids.index(original["building_id"]) + 1) % 4]
            )
            dup = self._person(
                "Student",
                bid,
                original["name_first"],
                original["name_last"],
                original["gender"],
                grad_year=original["grad_year"],
                birthday_date=original["birthday_date"],
                synced=0,
            )
            st.update_user(dup["uid"], {"primary_email": email, "name_middle": original["name_middle"]})
            self.students_by_building[bid].append(dup["uid"])
            self.near_duplicates.append((original["uid"], dup["uid"]))

    # ------------------------------------------------------------------ courses
    def _courses_sections_teachers(self) -> None:
        st = self.state
        rng = self.rng
        for bid in self.building_ids:
            b = st.buildings[bid]
            level = "elementary" if b["grade_high"] <= 5 else ("middle" if b["grade_high"] <= 8 else "high")
            catalog = COURSES_BY_LEVEL[level]
            students = self.students_by_building[bid]
            per_course = max(2, math.ceil(len(students) * _ENROLLMENTS_PER_STUDENT / (_SECTION_SIZE * len(catalog))))
            n_teachers = max(2, math.ceil(per_course * len(catalog) / 4))
            teachers = []
            for _ in range(n_teachers):
                first, gender = self._name()
                last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
                teachers.append(
                    self._person(
                        "Teacher",
                        bid,
                        first,
                        last,
                        gender,
                        name_title="Ms." if gender == "F" else "Mr.",
                        name_title_show=1,
                        position="Teacher",
                    )["uid"]
                )
            self.teachers_by_building[bid] = teachers
            current_by_course: list[list[int]] = []
            serial = 0
            for title, stem, department, subject in catalog:
                code = f"{b['building_code']}-{stem}"
                course = st.add_course(
                    {
                        "building_id": bid,
                        "title": title,
                        "course_code": code,
                        "department": department,
                        "description": "",
                        "credits": "1",
                        "synced": 1,
                        "subject_area": subject,
                        "grade_level_range_start": b["grade_low"] + 2,
                        "grade_level_range_end": b["grade_high"] + 2,
                        "district_course_name": title,
                    }
                )
                current = []
                for k in range(per_course + 1):
                    past = k == per_course  # the last section of every course is from past periods only
                    gp = (
                        [self.gp["past_year"] if serial % 2 else self.gp["term1"]]
                        if past
                        else ([self.gp["full_year"]] if k % 3 else [self.gp["term2"]])
                    )
                    section = st.add_section(
                        {
                            "course_id": course["id"],
                            "school_id": st.school["id"],
                            "building_id": bid,
                            "section_title": f"{title} {'P' if past else ''}{k + 1:02d}",
                            "section_code": f"{'P' if past else ''}{k + 1:02d}",
                            "section_school_code": f"{code}-{'P' if past else ''}{k + 1:02d}",
                            "grading_periods": gp,
                            "description": "",
                            "location": f"Room {100 + serial}",
                            "meeting_days": ["1", "3", "5"] if k % 2 else ["2", "4"],
                            "start_time": "",
                            "end_time": "",
                            # one past section in two stays active: an inconsistency for jobs to find
                            "active": 0 if past and serial % 2 else 1,
                            "synced": 1,
                        }
                    )
                    serial += 1
                    if serial % 7 != 0:  # every 7th section of a building has no teacher
                        st.add_enrollment("section", section["id"], teachers[serial % len(teachers)], 1, 1)
                    if past:
                        for uid in students[k :: max(1, len(students) // 10)][:10]:
                            st.add_enrollment("section", section["id"], uid, 0, 1)
                    else:
                        current.append(section["id"])
                current_by_course.append(current)
            n_courses = len(catalog)
            take = min(_ENROLLMENTS_PER_STUDENT, n_courses)
            for uid in students:
                first = int(rng.random() * n_courses)
                for j in range(take):
                    options = current_by_course[(first + j) % n_courses]
                    st.add_enrollment("section", options[int(rng.random() * len(options))], uid, 0, 1)

    def _admins(self) -> None:
        for bid in self.building_ids:
            first, gender = self._name()
            last = LAST_NAMES[int(self.rng.random() * len(LAST_NAMES))]
            self._person("School Admin", bid, first, last, gender, name_title="Dr.", position="Principal")
        self._person("System Admin", self.building_ids[0], "Dana", "Whitfield", "F", position="District IT")
        # one admin works in two buildings
        admin = next(u for u in self.state.users.values() if u["role_id"] == self.role["School Admin"])
        self.state.update_user(admin["uid"], {"additional_buildings": str(self.building_ids[1])})
        # two advisor links
        for bid in self.building_ids[2:]:
            if self.students_by_building[bid] and self.teachers_by_building[bid]:
                self.state.advisor_links.add((self.students_by_building[bid][0], self.teachers_by_building[bid][0]))

    def _groups(self) -> None:
        st = self.state
        rng = self.rng
        homes = (self.building_ids[2], self.building_ids[1], self.building_ids[3], self.building_ids[2], None, None)
        for (title, code, category), bid in zip(GROUPS, homes, strict=True):
            gid = st.ids.allocate()
            st.groups[gid] = {
                "id": gid,
                "title": title,
                "description": f"{title} of Maplewood",
                "building_id": bid or 0,
                "school_id": st.school["id"],
                "privacy_level": "school" if bid is None else "building",
                "category": category,
                "group_code": code,
                "website": "",
                "picture_url": "",
                "access_code": "",
            }
            if code == "GRP-PTA":
                members = self.parent_uids[:30]
                owner = self.teachers_by_building[self.building_ids[0]][0]
            elif code == "GRP-FACULTY":
                members = [t for b in self.building_ids for t in self.teachers_by_building[b][:5]]
                owner = next(u["uid"] for u in st.users.values() if u["role_id"] == self.role["System Admin"])
            else:
                pool = self.students_by_building[bid]
                members = rng.sample(pool, min(20, len(pool)))
                owner = self.teachers_by_building[bid][0]
            st.add_enrollment("group", gid, owner, 1, 1)
            for uid in members:
                st.add_enrollment("group", gid, uid, 0, 1)

    def _inactive_and_external(self) -> None:
        st = self.state
        for n in range(5):
            role = "Teacher" if n == 4 else "Student"
            first, gender = self._name()
            last = LAST_NAMES[int(self.rng.random() * len(LAST_NAMES))]
            user = self._person(
                role,
                self.building_ids[n % 4],
                first,
                last,
                gender,
                grad_year=str(self.school_year_end - 1) if role == "Student" else "",
            )
            st.deactivate_user(user["uid"], keep_enrollments=True)
        st.external_emails = {
            "jordan.reyes@gmail.example.com": "other-school",
            "casey.morgan@outlook.example.com": "other-school",
            f"riley.quinn@{DOMAIN}": "verified-domain",
        }
