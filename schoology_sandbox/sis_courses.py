"""Demo SIS course files: ``courses_sections.csv``, ``enrollments.csv``, ``group_members.csv``.

Part of :mod:`schoology_sandbox.sis_files`; each builder returns ``(rows, differences)``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from schoology_etl.provisioning.courses.grading_periods import current_periods
from schoology_sandbox.sis_rows import role_id
from schoology_sandbox.state import DistrictState

Rows = list[dict[str, Any]]


def current_sections(state: DistrictState, today: dt.date) -> list[dict[str, Any]]:
    """Sections attached to a grading period current on ``today``, in id order."""
    current = {int(p["id"]) for p in current_periods(state.grading_periods.values(), today)}
    return [s for s in state.sections.values() if current & {int(g) for g in s["grading_periods"]}]


def _period_titles(state: DistrictState, ids: list[Any]) -> str:
    return ";".join(state.grading_periods[int(i)]["title"] for i in ids)


def courses_sections_rows(state: DistrictState, today: dt.date, rng: random.Random) -> tuple[Rows, dict[str, Any]]:
    """This year's sections with one new course (two sections), one new section, one renamed
    section and one section moved to another grading period."""
    sections = current_sections(state, today)
    building_code = {b["id"]: b["building_code"] for b in state.buildings.values()}
    periods = {key: p for p in state.grading_periods.values() for key in [p["title"]]}
    full_year = next(t for t in periods if "Full Year" in t and current_periods([periods[t]], today))
    rows = []
    for s in sections:
        course = state.courses[s["course_id"]]
        rows.append(
            {
                "course_code": course["course_code"],
                "course_title": course["title"],
                "section_school_code": s["section_school_code"],
                "section_title": s["section_title"],
                "grading_periods": _period_titles(state, s["grading_periods"]),
                "building_code": building_code[course["building_id"]],
                "department": course.get("department", ""),
            }
        )
    movable = [r for r in rows if r["grading_periods"] != full_year]
    moved = movable[rng.randrange(len(movable))]
    others = [r for r in rows if r is not moved]
    renamed = others[rng.randrange(len(others))]
    updates = {
        renamed["section_school_code"]: {"section_title": {"before": renamed["section_title"],
                                                           "after": renamed["section_title"] + " (Honors)"}},
        moved["section_school_code"]: {"grading_periods": {"before": moved["grading_periods"], "after": full_year}},
    }
    renamed["section_title"] += " (Honors)"
    moved["grading_periods"] = full_year
    first = rows[0]
    extra_section = dict(first, section_school_code=f"{first['course_code']}-90",
                         section_title=f"{first['course_title']} 90")
    code = f"{first['building_code']}-ROBOTICS"
    new_course = [
        {
            "course_code": code,
            "course_title": "Robotics",
            "section_school_code": f"{code}-{n:02d}",
            "section_title": f"Robotics {n:02d}",
            "grading_periods": full_year,
            "building_code": first["building_code"],
            "department": "Technology",
        }
        for n in (1, 2)
    ]
    rows += [extra_section, *new_course]
    return rows, {
        "new_courses": [code],
        "new_sections": [extra_section["section_school_code"]] + [r["section_school_code"] for r in new_course],
        "updates": updates,
    }


def enrollments_rows(
    state: DistrictState, today: dt.date, rng: random.Random, *, exclude: set[str]
) -> tuple[Rows, dict[str, Any]]:
    """Five student enrollments to add, three to drop, one teacher for a section without one."""
    sections = current_sections(state, today)
    uid_code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    student_role = role_id(state, "Student")
    teacher_role = role_id(state, "Teacher")
    enrolled = {(e["realm_id"], e["uid"]) for e in state.enrollments.values() if e["realm"] == "section"}
    enroll: list[list[str]] = []
    drop: list[list[str]] = []
    students = [u for u in state.users.values() if u["role_id"] == student_role and str(u["school_uid"]) not in exclude]
    while len(enroll) < 5:
        student = students[rng.randrange(len(students))]
        options = [s for s in sections
                   if s["building_id"] == student["building_id"] and (s["id"], student["uid"]) not in enrolled]
        section = options[rng.randrange(len(options))]
        pair = [section["section_school_code"], uid_code[student["uid"]], "student"]
        if pair not in enroll:
            enroll.append(pair)
    existing = [
        e for s in sections for e in state.enrollments_in("section", s["id"])
        if not e["admin"] and uid_code.get(e["uid"]) and uid_code[e["uid"]] not in exclude
    ]
    for e in rng.sample(existing, 3):
        drop.append([state.sections[e["realm_id"]]["section_school_code"], uid_code[e["uid"]], "student"])
    untaught = next(s for s in sections if not any(e["admin"] for e in state.enrollments_in("section", s["id"])))
    teacher = next(u for u in state.users.values()
                   if u["role_id"] == teacher_role and u["building_id"] == untaught["building_id"])
    enroll.append([untaught["section_school_code"], uid_code[teacher["uid"]], "teacher"])
    rows = [{"section_school_code": c, "school_uid": u, "role": r, "action": "enroll"} for c, u, r in enroll]
    rows += [{"section_school_code": c, "school_uid": u, "role": r, "action": "drop"} for c, u, r in drop]
    return rows, {"enroll": enroll, "drop": drop}


def group_members_rows(state: DistrictState, rng: random.Random, *, exclude: set[str]) -> tuple[Rows, dict[str, Any]]:
    """Full member lists of two building groups: the first gains three students and loses two
    members, the second is unchanged."""
    uid_code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    student_role = role_id(state, "Student")

    def outsiders(group: dict[str, Any]) -> list[dict[str, Any]]:
        inside = {e["uid"] for e in state.enrollments_in("group", group["id"])}
        pool = [
            u for u in state.users.values()
            if u["role_id"] == student_role and u["uid"] not in inside and str(u["school_uid"]) not in exclude
        ]
        same = [u for u in pool if u["building_id"] == group["building_id"]]
        return same if len(same) >= 3 else pool  # small districts: any building

    # the group with the most students outside it changes; the next one stays as it is
    def plain_members(group: dict[str, Any]) -> int:
        return sum(not e["admin"] and e["uid"] in uid_code for e in state.enrollments_in("group", group["id"]))

    groups = sorted(
        (g for g in state.groups.values() if g["building_id"]),
        key=lambda g: (plain_members(g) < 2, -len(outsiders(g))),
    )[:2]
    rows: Rows = []
    diff: dict[str, Any] = {"groups": [g["group_code"] for g in groups], "add": [], "remove": []}
    for n, group in enumerate(groups):
        members = [e for e in state.enrollments_in("group", group["id"]) if e["uid"] in uid_code]
        keep = members
        if n == 0:
            plain = [e for e in members if not e["admin"]]
            gone = rng.sample(plain, 2)
            keep = [e for e in members if e not in gone]
            diff["remove"] = [[group["group_code"], uid_code[e["uid"]]] for e in gone]
            pool = outsiders(group)
            diff["add"] = [[group["group_code"], str(u["school_uid"])] for u in rng.sample(pool, 3)]
        rows += [{"group_code": group["group_code"], "school_uid": uid_code[e["uid"]], "admin": str(e["admin"])}
                 for e in keep]
        if n == 0:
            rows += [{"group_code": c, "school_uid": u, "admin": "0"} for c, u in diff["add"]]
    return rows, diff
