"""Enrollment import items, drops of inactive users, export rows, group membership sync."""

from __future__ import annotations

import pytest

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.plans.model import LINK, UNLINK, Change
from schoology_etl.provisioning.enrollments.enrollment_items import enrollment_export_rows, enrollment_import_items, inactive_user_drops
from schoology_etl.provisioning.groups.group_members import (
    group_member_changes,
    member_change_counts,
    member_differences,
    select_member_rows,
)


def test_import_items() -> None:
    rows = [
        {"section_school_code": "A-01", "school_uid": "S1", "role": "Student"},
        {"section_school_code": "A-01", "school_uid": "T1", "role": "teacher", "action": "DROP"},
    ]
    assert enrollment_import_items(rows) == [
        {"section_school_code": "A-01", "school_uid": "S1", "admin": "0"},
        {"section_school_code": "A-01", "school_uid": "T1", "admin": "1", "delete": "1"},
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"section_school_code": "A", "school_uid": "S1", "role": "aide"}, "line 2: column 'role': 'aide' is not one of teacher, student"),
        ({"section_school_code": "A", "school_uid": "S1", "role": "student", "action": "x"}, "line 2: column 'action'"),
        ({"section_school_code": "", "school_uid": "S1", "role": "student"}, "line 2: column 'section_school_code' is empty"),
    ],
)
def test_bad_import_rows(row: dict, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        enrollment_import_items([row])


def test_drops_and_export() -> None:
    enrollments = [
        {"id": 1, "section_id": 10, "uid": 7, "school_uid": "S7", "admin": 0, "status": 1},
        {"id": 2, "section_id": 11, "uid": 8, "school_uid": "T8", "admin": 1, "status": 1},
    ]
    assert inactive_user_drops(enrollments, [{"uid": 7}]) == [{"id": "1", "section_id": 10, "uid": "7", "school_uid": "S7"}]
    assert enrollment_export_rows(enrollments, [{"id": 10, "section_school_code": "A"}]) == [
        {"section_school_code": "A", "school_uid": "S7", "role": "student", "status": "1"},
        {"section_school_code": None, "school_uid": "T8", "role": "teacher", "status": "1"},
    ]


GROUPS = [{"id": 1, "group_code": "CHESS"}, {"id": 2, "group_code": "BAND"}]
USERS = [{"uid": n, "school_uid": f"S{n}"} for n in range(1, 6)]
CURRENT = [
    {"group_id": 1, "id": 101, "uid": 1, "school_uid": "S1", "admin": 1},
    {"group_id": 1, "id": 102, "uid": 2, "school_uid": "S2", "admin": 0},
    {"group_id": 1, "id": 103, "uid": 3, "school_uid": "S3", "admin": 0},
    {"group_id": 2, "id": 201, "uid": 4, "school_uid": "S4", "admin": 0},
]


def test_group_sync_touches_only_groups_in_the_file() -> None:
    rows = [
        {"group_code": "chess", "school_uid": "S1", "admin": "1"},
        {"group_code": "CHESS", "school_uid": "S2", "admin": "1"},
        {"group_code": "CHESS", "school_uid": "S5"},
    ]
    assert member_differences(rows, CURRENT, groups=GROUPS, users=USERS) == [
        {"op": "add", "group_id": "1", "group_code": "CHESS", "uid": "5", "school_uid": "S5", "admin": "0", "status": "1"},
        {"op": "update", "group_id": "1", "group_code": "CHESS", "uid": "2", "school_uid": "S2", "id": "102", "admin": "1"},
        {"op": "remove", "group_id": "1", "group_code": "CHESS", "id": "103", "uid": "3", "school_uid": "S3"},
    ]


def test_group_sync_unknown_values() -> None:
    with pytest.raises(RecordError, match="line 2: column 'group_code': unknown group_code 'DRAMA'"):
        member_differences([{"group_code": "DRAMA", "school_uid": "S1"}], CURRENT, groups=GROUPS, users=USERS)
    with pytest.raises(RecordError, match="line 2: column 'school_uid': unknown school_uid 'S9'"):
        member_differences([{"group_code": "BAND", "school_uid": "S9"}], CURRENT, groups=GROUPS, users=USERS)


def test_group_sync_gives_plan_changes_and_counts_in_words() -> None:
    rows = [
        {"group_code": "chess", "school_uid": "S1", "admin": "1"},
        {"group_code": "CHESS", "school_uid": "S2", "admin": "1"},
        {"group_code": "CHESS", "school_uid": "S5"},
    ]
    changes = group_member_changes(rows, CURRENT, groups=GROUPS, users=USERS)
    assert all(isinstance(c, Change) for c in changes)
    assert [(c.op, c.key["school_uid"]) for c in changes] == [(LINK, "S5"), (LINK, "S2"), (UNLINK, "S3")]
    assert member_change_counts(changes) == [
        {"group_code": "CHESS", "change": "add", "members": 1},
        {"group_code": "CHESS", "change": "admin flag", "members": 1},
        {"group_code": "CHESS", "change": "remove", "members": 1},
    ]


def test_group_rows_are_chosen_by_code_and_an_unknown_code_names_the_file_codes() -> None:
    rows = [{"group_code": "CHESS", "school_uid": "S1"}, {"group_code": "Band", "school_uid": "S2"}]
    chosen, wanted = select_member_rows(rows, "band", path="members.csv")
    assert (chosen, wanted) == ([rows[1]], ["band"])
    assert select_member_rows(rows, "", path="members.csv")[1] == ["Band", "CHESS"]
    with pytest.raises(ConfigurationError, match=r"group_codes: DRAMA not in members.csv \(it holds Band, CHESS\)"):
        select_member_rows(rows, "DRAMA", path="members.csv")
    with pytest.raises(SourceFormatError, match="no member rows"):
        select_member_rows([], "", path="members.csv")
