"""Seeding courses, sections (with teachers and student enrollments) and groups."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from schoology_sandbox.names import COURSES_BY_LEVEL, GROUPS, LAST_NAMES
from schoology_sandbox.seed_people import add_person, draw_name

if TYPE_CHECKING:
    from schoology_sandbox.seed import SeedContext

_ENROLLMENTS_PER_STUDENT = 4
_SECTION_SIZE = 25


def seed_courses(ctx: SeedContext) -> None:
    st = ctx.state
    rng = ctx.rng
    for bid in ctx.building_ids:
        b = st.buildings[bid]
        level = "elementary" if b["grade_high"] <= 5 else ("middle" if b["grade_high"] <= 8 else "high")
        catalog = COURSES_BY_LEVEL[level]
        students = ctx.students_by_building[bid]
        per_course = max(2, math.ceil(len(students) * _ENROLLMENTS_PER_STUDENT / (_SECTION_SIZE * len(catalog))))
        n_teachers = max(2, math.ceil(per_course * len(catalog) / 4))
        teachers = []
        for _ in range(n_teachers):
            first, gender = draw_name(ctx)
            last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
            teachers.append(
                add_person(
                    ctx,
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
        ctx.teachers_by_building[bid] = teachers
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
                    [ctx.gp["past_year"] if serial % 2 else ctx.gp["term1"]]
                    if past
                    else ([ctx.gp["full_year"]] if k % 3 else [ctx.gp["term2"]])
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
                        "active": 0 if past else 1,  # what the API shows: past sections (periods ended) are inactive
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
            start = int(rng.random() * n_courses)
            for j in range(take):
                options = current_by_course[(start + j) % n_courses]
                st.add_enrollment("section", options[int(rng.random() * len(options))], uid, 0, 1)


def _home(building_id: int | None, group_code: str) -> int:
    """The building a building group belongs to (only school-wide groups have none)."""
    if building_id is None:
        raise ValueError(f"group {group_code} has no building; only school-wide groups may lack one")
    return building_id


def seed_groups(ctx: SeedContext) -> None:
    st = ctx.state
    rng = ctx.rng
    homes = (ctx.building_ids[2], ctx.building_ids[1], ctx.building_ids[3], ctx.building_ids[2], None, None)
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
            members = ctx.parent_uids[:30]
            owner = ctx.teachers_by_building[ctx.building_ids[0]][0]
        elif code == "GRP-FACULTY":
            members = [t for b in ctx.building_ids for t in ctx.teachers_by_building[b][:5]]
            owner = ctx.system_admin
        else:
            pool = ctx.students_by_building[_home(bid, code)]
            members = rng.sample(pool, min(20, len(pool)))
            owner = ctx.teachers_by_building[_home(bid, code)][0]
        st.add_enrollment("group", gid, owner, 1, 1)
        for uid in members:
            st.add_enrollment("group", gid, uid, 0, 1)
