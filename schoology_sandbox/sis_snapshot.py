"""The demo district's full SIS snapshot (``snapshot/``), with known differences in every domain and direction.

Part of :mod:`schoology_sandbox.sis_files`. Unlike the change files beside it (enrollments
and parent links to add or remove), a snapshot lists everything the SIS holds:

* ``users.csv``: the same rows as the main ``users.csv`` (its new and missing users);
* ``courses_sections.csv``: every section the API lists as not past, less one, plus a
  new course of two sections, one section title changed;
* ``enrollments.csv`` (no ``action`` column): every enrollment of those sections by a
  user of the snapshot, less two, plus four (two existing students, two new ones into the
  new sections), one student listed as a teacher;
* ``parents.csv`` (no ``action`` column): every link between users of the snapshot,
  less two, plus two (one for a new student);
* ``parents.csv`` is dated two days before ``today`` (a stale export); the others are fresh.

What the SIS lacks follows from what it dropped: the enrollments of the dropped section
and of users missing from the snapshot (inactive users still enrolled among them), and
the links of those users. The manifest lists every difference, explicit and following,
by key (``sis_only``, ``schoology_only``, ``differs``), plus the ``stale`` files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import random
from pathlib import Path
from typing import Any

from schoology_sandbox.render import section_is_past
from schoology_sandbox.state import DistrictState

Rows = list[dict[str, Any]]
FOLDER = "snapshot"
STALE_FILE = "parents.csv"
STALE_DAYS = 2
#: the differences whose number is fixed, whatever the seed (the rest follow from what the SIS dropped)
SNAPSHOT_COUNTS: dict[str, dict[str, int]] = {
    "users": {"sis_only": 5, "schoology_only": 4, "differs": 2},
    "courses_sections": {"sis_only": 2, "schoology_only": 1, "differs": 1},
    "enrollments": {"sis_only": 4, "differs": 1},
    "parents": {"sis_only": 2, "differs": 0},
}
COLUMNS = {
    "users": ("school_uid", "name_first", "name_last", "role", "building_code", "primary_email", "grad_year",
              "birthday_date", "additional_building_codes", "name_middle", "username"),
    "courses_sections": ("course_code", "course_title", "section_school_code", "section_title", "grading_periods",
                         "building_code", "department"),
    "enrollments": ("section_school_code", "school_uid", "role"),
    "parents": ("student_school_uid", "parent_school_uid"),
}


def _sections(state: DistrictState, rng: random.Random) -> tuple[Rows, dict[str, Any], set[int]]:
    codes = {b["id"]: b["building_code"] for b in state.buildings.values()}
    live = [s for s in state.sections.values() if s.get("section_school_code") and not section_is_past(state, s)]
    rows = []
    for s in live:
        course = state.courses[s["course_id"]]
        rows.append({"course_code": course["course_code"], "course_title": course["title"],
                     "section_school_code": s["section_school_code"], "section_title": s["section_title"],
                     "grading_periods": ";".join(state.grading_periods[int(g)]["title"] for g in s["grading_periods"]),
                     "building_code": codes[course["building_id"]], "department": course.get("department", "")})
    dropped, renamed = rng.sample(range(len(rows)), 2)
    gone = rows[dropped]
    rows[renamed] = dict(rows[renamed], section_title=rows[renamed]["section_title"] + " (AP)")
    year = next(p["title"] for p in state.grading_periods.values()
                if "Full Year" in p["title"] and p["start"] <= state.today.isoformat() <= p["end"])
    building = rows[0]["building_code"]
    new = [{"course_code": f"{building}-DRONES", "course_title": "Drones",
            "section_school_code": f"{building}-DRONES-{n:02d}", "section_title": f"Drones {n:02d}",
            "grading_periods": year, "building_code": building, "department": "Technology"} for n in (1, 2)]
    kept = [r for i, r in enumerate(rows) if i != dropped] + new
    diff = {"sis_only": [r["section_school_code"] for r in new], "schoology_only": [gone["section_school_code"]],
            "differs": [rows[renamed]["section_school_code"]]}
    keep_ids = {s["id"] for i, s in enumerate(live) if i != dropped}
    return kept, diff, keep_ids


def _enrollments(
    state: DistrictState, rng: random.Random, sections: set[int], people: set[str], new_students: list[str],
    new_sections: list[str],
) -> tuple[Rows, dict[str, Any]]:
    code_of = {u: str(x["school_uid"]) for u, x in [*state.users.items(), *state.inactive_users.items()]}
    rows, following = [], []
    for s in state.sections.values():
        if not s.get("section_school_code") or section_is_past(state, s):
            continue
        for e in state.enrollments_in("section", s["id"]):
            key = [s["section_school_code"], code_of.get(e["uid"], "")]
            if not key[1]:
                continue
            if s["id"] in sections and key[1] in people:
                role = "teacher" if e["admin"] else "student"
                rows.append({"section_school_code": key[0], "school_uid": key[1], "role": role})
            else:
                following.append(key)
    students = [r for r in rows if r["role"] == "student"]
    dropped = rng.sample(students, 2)
    rows = [r for r in rows if r not in dropped]
    students = [r for r in rows if r["role"] == "student"]
    promoted = students[rng.randrange(len(students))]
    promoted["role"] = "teacher"
    held = {(r["section_school_code"], r["school_uid"]) for r in [*rows, *dropped]}
    codes = sorted({r["section_school_code"] for r in rows})
    added: list[list[str]] = []
    while len(added) < 2:
        pick = students[rng.randrange(len(students))]
        code = codes[rng.randrange(len(codes))]
        if (code, pick["school_uid"]) not in held and [code, pick["school_uid"]] not in added and pick is not promoted:
            added.append([code, pick["school_uid"]])
    added += [[section, student] for section, student in zip(new_sections, new_students[:2], strict=True)]
    rows += [{"section_school_code": c, "school_uid": u, "role": "student"} for c, u in added]
    gone = [[d["section_school_code"], d["school_uid"]] for d in dropped]
    diff = {"sis_only": sorted(added), "schoology_only": sorted(gone + following),
            "differs": [[promoted["section_school_code"], promoted["school_uid"]]]}
    return rows, diff


def _parents(
    state: DistrictState, rng: random.Random, people: set[str], new_student: str
) -> tuple[Rows, dict[str, Any]]:
    code_of = {u: str(x["school_uid"]) for u, x in state.users.items()}
    links: list[list[str]] = []
    following: list[list[str]] = []
    for s, p in sorted(state.parent_links):
        if s not in code_of or p not in code_of:
            continue  # a link to an inactive user: the API's listing does not show it keyed
        pair = [code_of[s], code_of[p]]
        (links if pair[0] in people and pair[1] in people else following).append(pair)
    dropped = rng.sample(links, 2)
    links = [pair for pair in links if pair not in dropped]
    parents = sorted({p for _, p in links})
    students = sorted({s for s, _ in links})
    added: list[list[str]] = []
    while not added:
        pair = [students[rng.randrange(len(students))], parents[rng.randrange(len(parents))]]
        if pair not in links and pair not in dropped:
            added.append(pair)
    added.append([new_student, parents[rng.randrange(len(parents))]])
    rows = [{"student_school_uid": s, "parent_school_uid": p} for s, p in links + added]
    return rows, {"sis_only": sorted(added), "schoology_only": sorted(dropped + following), "differs": []}


def snapshot_rows(
    state: DistrictState, rng: random.Random, users_csv: Rows, users_diff: dict[str, Any]
) -> tuple[dict[str, Rows], dict[str, Any]]:
    """The four snapshot files' rows and their differences, by domain."""
    people = {r["school_uid"] for r in users_csv}
    sections, sections_diff, keep_ids = _sections(state, rng)
    new_students = users_diff["new_users"]
    enrollments, enrollments_diff = _enrollments(state, rng, keep_ids, people, new_students,
                                                 sections_diff["sis_only"])
    parents, parents_diff = _parents(state, rng, people, new_students[2])
    differs = sorted(uid for uid, fields in users_diff["updates"].items() if {"building_id", "role_id"} & set(fields))
    users = {"sis_only": sorted(users_diff["new_users"]), "schoology_only": sorted(users_diff["missing_users"]),
             "differs": differs}
    rows = {"users": users_csv, "courses_sections": sections, "enrollments": enrollments, "parents": parents}
    diff = {"users": users, "courses_sections": sections_diff, "enrollments": enrollments_diff, "parents": parents_diff}
    return rows, diff


def date_stale_file(folder: Path, today: dt.date) -> str:
    """Date :data:`STALE_FILE` to midnight UTC ``STALE_DAYS`` before ``today``; its modification time (ISO)."""
    when = dt.datetime.combine(today - dt.timedelta(days=STALE_DAYS), dt.time(), tzinfo=dt.UTC)
    stamp = calendar.timegm(when.utctimetuple())
    os.utime(folder / STALE_FILE, (stamp, stamp))
    return when.isoformat(timespec="seconds")
