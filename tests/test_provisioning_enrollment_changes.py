"""Enrollment plan changes, their write routes and undo; enrollment report rows (pure, no network)."""

from __future__ import annotations

import pytest

from schoology_etl.errors import RecordError
from schoology_etl.plans.model import LINK, UNLINK, Change
from schoology_etl.plans.targets import nested_section_item, route_for
from schoology_etl.plans.undo import inverse_change
from schoology_etl.provisioning.enrollments import enrollment_changes as ec
from schoology_etl.provisioning.enrollments import enrollment_reports as er

SECTIONS = [{"id": 10, "section_school_code": "MHS-ALG1-01", "course_code": "MHS-ALG1", "building_id": 2,
             "section_title": "Algebra 01", "grading_periods": [7], "active": 1},
            {"id": 11, "section_school_code": "MHS-ALG1-02", "course_code": "MHS-ALG1", "building_id": 2,
             "section_title": "Algebra 02", "grading_periods": [8], "active": 1}]
USERS = [{"uid": 100, "school_uid": "S1"}, {"uid": 101, "school_uid": "S2"}, {"uid": 102, "school_uid": "T1"}]
CURRENT = [{"id": "500", "section_id": "10", "uid": "101", "school_uid": "S2", "admin": 0, "status": "1"},
           {"id": "501", "section_id": "10", "uid": "102", "school_uid": "T1", "admin": 1, "status": "1"}]


def _rows(*lines):
    return [dict(zip(("section_school_code", "school_uid", "role", "action"), line, strict=True)) for line in lines]


def test_enrolls_drops_and_no_ops():
    rows = _rows(("MHS-ALG1-01", "S1", "student", "enroll"), ("MHS-ALG1-01", "S2", "student", "drop"),
                 ("MHS-ALG1-01", "T1", "teacher", ""), ("MHS-ALG1-02", "S1", "Student", "drop"),
                 ("MHS-ALG1-02", "T1", "teacher", "enroll"))
    changes, no_ops = ec.import_enrollment_changes(rows, sections=SECTIONS, users=USERS, current=CURRENT)
    assert [(c.seq, c.op, c.key["section_school_code"], c.key["school_uid"], c.before, c.after) for c in changes] == [
        (1, LINK, "MHS-ALG1-01", "S1", {}, {"admin": "0"}),
        (2, UNLINK, "MHS-ALG1-01", "S2", {"admin": "0", "status": "1"}, {}),
        (3, LINK, "MHS-ALG1-02", "T1", {}, {"admin": "1"}),
    ]
    assert all(c.realm == "section_enrollments" for c in changes)
    assert [(n["line"], n["reason"]) for n in no_ops] == [(4, "enroll: already enrolled"), (5, "drop: not enrolled")]
    assert rows[0] == {"section_school_code": "MHS-ALG1-01", "school_uid": "S1", "role": "student", "action": "enroll"}


def test_a_role_change_keeps_the_old_flag_as_before():
    changes, _ = ec.import_enrollment_changes(_rows(("MHS-ALG1-01", "S2", "teacher", "enroll")), sections=SECTIONS, users=USERS, current=CURRENT)
    assert [(c.op, c.id, c.before, c.after) for c in changes] == [(LINK, "500", {"linked": True, "admin": "0"}, {"linked": True, "admin": "1"})]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (("MHS-ALG1-03", "S1", "student", ""), ["line 2", "section_school_code", "'MHS-ALG1-03'", "did you mean"]),
        (("MHS-ALG1-01", "S9", "student", ""), ["line 2", "school_uid", "'S9'"]),
        (("MHS-ALG1-01", "S1", "principal", ""), ["line 2", "role", "principal"]),
        (("MHS-ALG1-01", "S1", "student", "move"), ["line 2", "action", "move"]),
        (("", "S1", "student", ""), ["line 2", "section_school_code", "empty"]),
    ],
)
def test_bad_rows_are_named(row, words):
    with pytest.raises(RecordError) as err:
        ec.import_enrollment_changes(_rows(row), sections=SECTIONS, users=USERS, current=CURRENT)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_repeated_row_is_refused():
    with pytest.raises(RecordError, match="line 3.*already on line 2"):
        ec.import_enrollment_changes(_rows(("MHS-ALG1-01", "S1", "student", ""), ("MHS-ALG1-01", "S1", "student", "drop")),
                                     sections=SECTIONS, users=USERS, current=CURRENT)


def test_inactive_and_missing_user_drops():
    enrollments = [{**e, "section_school_code": "MHS-ALG1-01"} for e in CURRENT]
    only_inactive = ec.inactive_user_drop_changes(enrollments, inactive_uids=[101])
    assert [(c.op, c.realm, c.id, c.key) for c in only_inactive] == [
        (UNLINK, "enrollments", "500", {"section_school_code": "MHS-ALG1-01", "school_uid": "S2"})]
    assert only_inactive[0].before == {"realm": "section", "section_id": "10", "uid": "101", "admin": "0", "status": "1"}
    both = ec.inactive_user_drop_changes(enrollments, inactive_uids=["101"], missing_school_uids=["T1"])
    assert [c.id for c in both] == ["500", "501"] and both[1].before["admin"] == "1"
    assert ec.inactive_user_drop_changes(enrollments) == []


def test_group_member_plan_links_and_unlinks():
    found = [{"op": "add", "group_id": "9", "group_code": "GRP-A", "uid": "100", "school_uid": "S1", "admin": "0", "status": "1"},
             {"op": "update", "group_id": "9", "group_code": "GRP-A", "id": "70", "uid": "101", "school_uid": "S2", "admin": "1"},
             {"op": "remove", "group_id": "9", "group_code": "GRP-A", "id": "71", "uid": "102", "school_uid": "T1"}]
    members = [{"id": "71", "uid": "102", "admin": 1, "status": "1", "group_id": "9"}]
    members.append({"id": "70", "uid": "101", "admin": 0, "status": "1", "group_id": "9"})
    link, flag, unlink = ec.group_member_plan(found, members)
    assert (flag.op, flag.id, flag.before["admin"], flag.after["admin"], flag.after["_query"]) == (LINK, "70", "0", "1", {"update_existing": 1})
    assert flag.before["linked"] is True and route_for("enrollments", LINK).item(flag) == {
        "realm": "group", "group_id": "9", "uid": "101", "admin": "1", "status": "1"}
    assert (link.op, link.key, link.after) == (LINK, {"group_code": "GRP-A", "school_uid": "S1"},
                                               {"realm": "group", "group_id": "9", "uid": "100", "admin": "0", "status": "1"})
    assert (unlink.op, unlink.id, unlink.before) == (UNLINK, "71", {"realm": "group", "group_id": "9", "uid": "102", "admin": "1", "status": "1"})


def test_write_routes_for_the_enrollment_realms():
    key = {"section_school_code": "MHS-ALG1-01", "school_uid": "S1"}
    enroll = route_for("section_enrollments", LINK)
    assert (enroll.endpoint, enroll.method) == ("enrollments_import", "POST")
    assert enroll.item(Change(1, LINK, "section_enrollments", key, None, {}, {"admin": "1"})) == {**key, "admin": "1"}
    unlink = Change(1, UNLINK, "section_enrollments", key, "5", {"admin": "0"}, {})
    assert route_for("section_enrollments", UNLINK).item(unlink) == {**key, "delete": "1"}
    after = {"realm": "group", "group_id": "9", "uid": "100", "admin": "0", "status": "1"}
    assert route_for("enrollments", LINK).item(Change(1, LINK, "enrollments", {}, None, {}, after)) == after
    drop = route_for("enrollments", UNLINK)
    assert (drop.endpoint, drop.method, drop.item(Change(1, UNLINK, "enrollments", {}, "71", after, {}))) == ("enrollments", "DELETE", {"id": "71"})


def test_a_section_create_is_written_nested_in_its_course():
    route = route_for("sections", "create")
    assert (route.endpoint, route.method, dict(route.params)) == ("courses", "POST", {"update_existing": 1})
    item = nested_section_item({"course_code": "C", "course_title": "Course", "building_id": "2", "section_school_code": "C-01",
                                "section_code": "01", "section_title": "Course 01", "grading_periods": ["7"]})
    assert item == {"course_code": "C", "title": "Course", "building_id": "2",
                    "sections": {"section": [{"section_school_code": "C-01", "section_code": "01", "title": "Course 01", "grading_periods": ["7"]}]}}


def test_undo_of_a_link_by_id_unlinks_the_id_the_api_gave():
    entry = {"op": LINK, "realm": "enrollments", "key": {"group_code": "G"}, "id": None, "before": {}, "after": {"uid": "1"},
             "response": {"ok": True, "id": 812}}
    inverse = inverse_change(entry)
    assert (inverse.op, inverse.id, inverse.before) == (UNLINK, 812, {"uid": "1"})
    keyed = inverse_change({**entry, "realm": "section_enrollments", "response": {"ok": True}})
    assert (keyed.op, keyed.id, keyed.key) == (UNLINK, None, {"group_code": "G"})
    relink = inverse_change({**entry, "id": "5", "before": {"linked": True, "admin": "0"}, "after": {"linked": True, "admin": "1"}})
    assert (relink.op, relink.id, relink.after) == (LINK, "5", {"linked": True, "admin": "0"})
    parent = inverse_change({**entry, "realm": "parent_associations", "before": {"linked": False}, "after": {"linked": True}})
    assert (parent.op, parent.after) == (UNLINK, {"linked": False})


def test_report_rows():
    names = {"2": "Maplewood High School"}
    picked = er.select_sections(SECTIONS, building_ids=["2"], grading_period_ids=["8"])
    assert [s["id"] for s in picked] == [11] and er.select_sections(SECTIONS) == SECTIONS
    rows = er.enrollment_rows(CURRENT, SECTIONS, building_names=names)
    assert [(r["section_school_code"], r["school_uid"], r["role"], r["building"]) for r in rows] == [
        ("MHS-ALG1-01", "S2", "student", "Maplewood High School"), ("MHS-ALG1-01", "T1", "teacher", "Maplewood High School")]
    sections = [*SECTIONS, {**SECTIONS[1], "id": 12, "section_school_code": "MHS-ALG1-P01", "active": 0}]
    no_teacher = er.no_teacher_rows(sections, CURRENT, building_names=names, period_titles={"8": "Term 2"})
    assert no_teacher == [{"building": "Maplewood High School", "section_school_code": "MHS-ALG1-02", "section_title": "Algebra 02",
                           "course_code": "MHS-ALG1", "grading_periods": "Term 2", "students": 0}]
    # enrollments of sections outside the report (another building's) change nothing: a teacher there is no teacher here
    elsewhere = [{"section_id": "99", "uid": "T9", "admin": 1, "status": 1},
                 {"section_id": "99", "uid": "S9", "admin": 0}]
    every = [*CURRENT, *elsewhere]
    assert er.no_teacher_rows(sections, every, building_names=names, period_titles={"8": "Term 2"}) == no_teacher
