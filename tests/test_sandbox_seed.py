"""The seeded district's documented facts (docs/sandbox.md), checked without a server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from schoology_sandbox import seed_district

TODAY = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def district():
    return seed_district(3, 300, today=TODAY)


def _role(state, title):
    return state.role_by_title(title)["id"]


def test_same_seed_same_dump_other_seed_other_dump():
    a = json.dumps(seed_district(9, 120, today=TODAY).to_dict(), sort_keys=True)
    assert a == json.dumps(seed_district(9, 120, today=TODAY).to_dict(), sort_keys=True)
    assert a != json.dumps(seed_district(10, 120, today=TODAY).to_dict(), sort_keys=True)


def test_buildings_roles_and_counts(district):
    assert sorted(b["building_code"] for b in district.buildings.values()) == ["CRMS", "LES", "MHS", "NGA"]
    assert {r["title"] for r in district.roles.values()} == {
        "Student",
        "Teacher",
        "Parent",
        "School Admin",
        "System Admin",
    }
    students = [u for u in district.users.values() if u["role_id"] == _role(district, "Student")]
    assert len(students) == 300 + 3  # plus the near-duplicates
    assert len(district.inactive_users) == 5 + 2  # plus the known inactive duplicates
    assert len({u["school_uid"] for u in district.users.values()}) == len(district.users)


def test_parents_are_linked_and_some_live_in_other_buildings(district):
    parent_role = _role(district, "Parent")
    parents = [u for u in district.users.values() if u["role_id"] == parent_role]
    assert parents and all(district.children_of(p["uid"]) for p in parents)
    everyone = {**district.users, **district.inactive_users}  # one parent's only child left last year
    left_behind = [p["name_first"] for p in parents if not set(district.children_of(p["uid"])) & set(district.users)]
    assert left_behind == ["Linnea"]
    away = [
        p
        for p in parents
        if p["building_id"] not in {everyone[c]["building_id"] for c in district.children_of(p["uid"])}
    ]
    spread = [p for p in parents if len({everyone[c]["building_id"] for c in district.children_of(p["uid"])}) > 1]
    assert away and spread
    assert all(p["additional_buildings"] == "" for p in parents)


def test_near_duplicates(district):
    student_role = _role(district, "Student")
    groups = {}
    for user in district.users.values():
        if user["role_id"] == student_role:
            key = (user["name_first"], user["name_middle"], user["name_last"], user["birthday_date"])
            groups.setdefault(key, []).append(user)
    pairs = [g for g in groups.values() if len(g) == 2 and any(u["synced"] == 0 for u in g)]
    assert len(pairs) == 3
    emails = [(a["primary_email"], b["primary_email"]) for a, b in pairs]
    assert sum(1 for a, b in emails if a != b and a.lower() == b.lower()) == 2
    assert (
        sum(
            1
            for a, b in emails
            if a.lower() != b.lower() and a.split("@")[0].replace(".", "") == b.split("@")[0].replace(".", "")
        )
        == 1
    )


def test_grading_periods_past_current_future_with_overlap_and_gap(district):
    spans = [
        (dt.date.fromisoformat(g["start"]), dt.date.fromisoformat(g["end"])) for g in district.grading_periods.values()
    ]
    assert any(end < TODAY for _, end in spans)
    assert any(start <= TODAY <= end for start, end in spans)
    assert any(start > TODAY for start, _ in spans)
    terms = sorted(
        (g for g in district.grading_periods.values() if g["title"].startswith("Term")), key=lambda g: g["start"]
    )
    assert terms[1]["start"] < terms[0]["end"]  # overlap
    assert terms[2]["start"] > terms[1]["end"]  # gap


def test_sections_without_teacher_and_past_only_sections(district):
    past = {gid for gid, g in district.grading_periods.items() if dt.date.fromisoformat(g["end"]) < TODAY}
    teacherless = [
        s
        for s in district.sections.values()
        if not any(e["admin"] for e in district.enrollments_in("section", s["id"]))
    ]
    past_only = [s for s in district.sections.values() if set(s["grading_periods"]) <= past]
    assert teacherless
    assert len(past_only) == len(district.courses)
    assert {s["active"] for s in past_only} == {0}  # a section is past (inactive) once all its periods ended


def test_groups_have_members_and_an_owner(district):
    assert len(district.groups) == 6
    for gid in district.groups:
        rows = district.enrollments_in("group", gid)
        assert any(r["admin"] == 1 for r in rows) and any(r["admin"] == 0 for r in rows)


def test_small_districts_still_seed():
    tiny = seed_district(1, 1, today=TODAY)
    assert len(tiny.buildings) == 4 and tiny.users
