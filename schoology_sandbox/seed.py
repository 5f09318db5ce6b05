"""A deterministic demo district: the same ``seed`` (and day) always builds the same state.

The seeded facts jobs are tested against are listed in ``docs/sandbox.md``. The
generator draws from one :class:`random.Random`; it builds 100,000 students in a few
seconds, so it does no per-user searching.
"""

from __future__ import annotations

import datetime as dt
import gc
import random

from schoology_sandbox.names import BUILDINGS
from schoology_sandbox.seed_courses import seed_courses, seed_groups
from schoology_sandbox.seed_duplicates import seed_known_duplicates
from schoology_sandbox.seed_people import (
    DOMAIN,
    add_person,
    seed_admins,
    seed_families,
    seed_inactive_and_external,
    seed_near_duplicates,
)
from schoology_sandbox.state import DistrictState


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
        return SeedContext(seed, max(1, users), today or dt.date.today()).build()
    finally:
        if collecting:
            gc.enable()


class SeedContext:
    """What the seeding steps share: the random source, the state, and lookups built on the way."""

    def __init__(self, seed: int, students: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.students = students
        self.today = today
        self.state = DistrictState()
        self.state.today = today
        self.role: dict[str, int] = {}
        self.building_ids: list[int] = []
        self.students_by_building: dict[int, list[int]] = {}
        self.teachers_by_building: dict[int, list[int]] = {}
        self.parent_uids: list[int] = []
        self.system_admin = 0  # uid of the district's System Admin (the API key's user), once seeded
        self.near_duplicates: list[tuple[int, int]] = []  # (original uid, look-alike uid)
        self.gp: dict[str, int] = {}  # grading period ids by role: past_year, term1, term2, full_year, term3
        self.school_year_end = 0
        self.serial = 0  # running number in school_uid, username and email

    def build(self) -> DistrictState:
        self._school_and_buildings()
        self._roles()
        self._grading_periods()
        seed_families(self)
        seed_near_duplicates(self)
        seed_courses(self)
        seed_admins(self)
        seed_groups(self)
        seed_inactive_and_external(self)
        self._building_calendars()  # last (with the new hire), so every other id stays as it was before them
        self._new_hire()
        self._year_end()  # after everything else, so no other id changes
        seed_known_duplicates(self)  # after everything else: no other id or draw moves
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

    def _new_hire(self) -> None:
        """A teacher hired at Cedar Ridge who teaches no section yet (a teacher without sections)."""
        add_person(self, "Teacher", self.building_ids[1], "Morgan", "Ashdown", "F", name_title="Ms.", name_title_show=1,
                   position="Teacher")

    def _year_end(self) -> None:
        """What the end-of-year cleanup finds besides the graduating class: a parent whose only child
        left with last year's class (inactive), and, in the middle school and Maplewood High, one
        current section of the first course (``<course_code>-99``) with a teacher and no students."""
        st = self.state
        left = next(u for u in st.inactive_users.values() if u.get("grad_year"))
        parent = add_person(self, "Parent", left["building_id"], "Linnea", left["name_last"], "F", name_title="Mrs.")
        st.link_parent(left["uid"], parent["uid"])
        for bid in self.building_ids[1:3]:
            course = min((c for c in st.courses.values() if c["building_id"] == bid), key=lambda c: c["id"])
            model = min((s for s in st.sections.values() if s["course_id"] == course["id"] and s["active"]),
                        key=lambda s: s["id"])
            section = st.add_section({
                **{k: v for k, v in model.items() if k != "id"},
                "section_title": f"{course['title']} 99", "section_code": "99",
                "section_school_code": f"{course['course_code']}-99", "location": "Room 99",
                "grading_periods": list(model["grading_periods"]),
            })
            st.add_enrollment("section", section["id"], self.teachers_by_building[bid][0], 1, 1)

    def _building_calendars(self) -> None:
        """Middle-school trimesters and high-school semesters beside the district terms.

        Cedar Ridge (middle) runs on three trimesters, Maplewood High on two semesters; the
        other buildings keep the district terms (their term sections also run on Term 3).
        Past sections move with them: to Trimester 1, and to last year at the high school.
        Each calendar alone tiles this year; read as one calendar they overlap everywhere.
        """
        t, year, day = self.today, self.school_year_end - 1, dt.timedelta(days=1)
        spans = {
            "semester1": (f"Semester 1 {year}-{year + 1}", t - 100 * day, t + 10 * day),
            "semester2": (f"Semester 2 {year}-{year + 1}", t + 11 * day, t + 140 * day),
            "trimester1": (f"Trimester 1 {year}-{year + 1}", t - 100 * day, t - 21 * day),
            "trimester2": (f"Trimester 2 {year}-{year + 1}", t - 20 * day, t + 40 * day),
            "trimester3": (f"Trimester 3 {year}-{year + 1}", t + 41 * day, t + 140 * day),
        }
        for key, (title, start, end) in spans.items():
            gid = self.state.ids.allocate()
            self.state.grading_periods[gid] = {"id": gid, "title": title, "start": start.isoformat(),
                                               "end": end.isoformat(), "active": 1}
            self.gp[key] = gid
        gp = self.gp
        middle, high = self.building_ids[1], self.building_ids[2]
        moves = {
            middle: {(gp["full_year"],): [gp["trimester1"], gp["trimester2"], gp["trimester3"]],
                     (gp["term2"],): [gp["trimester2"]],
                     (gp["term1"],): [gp["trimester1"]]},
            high: {(gp["full_year"],): [gp["semester1"], gp["semester2"]], (gp["term2"],): [gp["semester1"]],
                   (gp["term1"],): [gp["past_year"]]},
        }
        for section in self.state.sections.values():
            own = moves.get(section["building_id"], {(gp["term2"],): [gp["term2"], gp["term3"]]})
            section["grading_periods"] = list(own.get(tuple(section["grading_periods"]), section["grading_periods"]))

    # ------------------------------------------------------------------ people

    # ------------------------------------------------------------------ courses
