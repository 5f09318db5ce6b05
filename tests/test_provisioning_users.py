"""SIS rows -> user payloads, role changes, deactivation, reactivation, building moves."""

from __future__ import annotations

import copy

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.lookups import building_lookup, role_lookup
from schoology_etl.provisioning.users.lifecycle import missing_users, reactivation_items
from schoology_etl.provisioning.users.moves import building_move_updates, select_users
from schoology_etl.provisioning.users.user_mapping import email_conflict_params, role_change_updates, user_payload, user_payloads

ROLES = role_lookup([{"id": 1, "title": "Student"}, {"id": 2, "title": "Teacher"}, {"id": 3, "title": "Parent"}])
BUILDINGS = building_lookup([{"id": 10, "building_code": "LES"}, {"id": 20, "building_code": "MHS"}])
ROW = {
    "school_uid": " S1 ", "name_first": "Ann", "name_last": "Lee", "role": "student", "building_code": "les",
    "primary_email": "ann@x.org", "grad_year": "2030", "birthday_date": "", "additional_building_codes": "MHS;LES",
}
USERS = [
    {"uid": 100, "school_uid": "S1", "role_id": 1, "building_id": 10, "additional_buildings": "", "grad_year": "2030"},
    {"uid": 101, "school_uid": "S2", "role_id": 1, "building_id": 20, "additional_buildings": "10", "grad_year": "2031"},
    {"uid": 102, "school_uid": "T1", "role_id": 2, "building_id": 20, "additional_buildings": ""},
    {"uid": 103, "school_uid": "", "role_id": 2, "building_id": 20},
]


def test_payload_resolves_role_and_buildings_and_drops_blanks() -> None:
    assert user_payload(ROW, roles=ROLES, buildings=BUILDINGS) == {
        "school_uid": "S1", "role_id": "1", "building_id": "10", "name_first": "Ann", "name_last": "Lee",
        "primary_email": "ann@x.org", "grad_year": "2030", "additional_buildings": "20",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"role": "Studnet"}, "line 9: column 'role': unknown role title 'Studnet'; did you mean 'Student'?"),
        ({"building_code": "XX"}, "line 9: column 'building_code': unknown building code 'XX'"),
        ({"name_last": " "}, "line 9: column 'name_last' is empty"),
        ({"primary_email": ""}, "line 9: school_uid 'S1' has neither primary_email nor username"),
    ],
)
def test_bad_rows_name_line_column_and_value(change: dict, expected: str) -> None:
    with pytest.raises(RecordError) as info:
        user_payloads([ROW] * 7 + [dict(ROW, **change)], roles=ROLES, buildings=BUILDINGS)
    assert str(info.value).startswith(expected)
    assert info.value.index == 7


def test_username_alone_is_enough() -> None:
    assert user_payload(dict(ROW, primary_email="", username="alee"), roles=ROLES, buildings=BUILDINGS)["username"] == "alee"


def test_email_conflict_policies() -> None:
    assert email_conflict_params("fail") == {}
    assert email_conflict_params("ignore") == {"ignore_email_conflicts": 1}
    assert email_conflict_params("merge") == {"email_conflict_resolution": 2}
    with pytest.raises(ConfigurationError, match="email conflict policy"):
        email_conflict_params("overwrite")


def test_role_changes_skip_users_already_in_the_role_and_refuse_unknown_uids() -> None:
    rows = [{"school_uid": "S1", "role": "Student"}, {"school_uid": "T1", "role": "parent"}]
    assert role_change_updates(rows, USERS, roles=ROLES) == [{"id": "102", "uid": "102", "school_uid": "T1", "role_id": "3"}]
    with pytest.raises(RecordError, match="line 2: column 'school_uid': no user with school_uid 'Z9'"):
        role_change_updates([{"school_uid": "Z9", "role": "Student"}], USERS, roles=ROLES)


def test_missing_users_keeps_users_without_school_uid_and_respects_roles() -> None:
    gone = missing_users(USERS, [{"school_uid": "S1"}, {"school_uid": "S2"}], max_share=0.5)
    assert [u["school_uid"] for u in gone] == ["T1"]
    assert missing_users(USERS, [{"school_uid": "T1"}], role_ids=[2], max_share=0) == []


def test_missing_users_refuses_above_the_share() -> None:
    with pytest.raises(ConfigurationError, match=r"2 of 3 users \(67%\).*above the allowed share 50%"):
        missing_users(USERS, [{"school_uid": "S1"}], max_share=0.5)


def test_find_missing_users_reads_a_stream_once_and_keeps_only_the_users_to_deactivate() -> None:
    from schoology_etl.errors import SourceFormatError
    from schoology_etl.provisioning.users.lifecycle import find_missing_users, read_listed
    from schoology_etl.provisioning.users.user_changes import deactivation_changes

    listed = read_listed(iter([{"school_uid": " S1 "}, {"school_uid": ""}, {"school_uid": "S9"}]), "users.csv")
    assert (listed.rows, listed.school_uids) == (3, {"S1", "S9"})
    with pytest.raises(SourceFormatError, match="no data rows"):
        read_listed(iter([]), "users.csv")

    stream = (dict(u, name_first=f"N{n}") for n, u in enumerate(USERS))  # a generator: read exactly once
    found = find_missing_users(stream, listed.school_uids, max_share=1.0, exclude_uids=["102"])
    assert (found.users, found.candidates) == (4, 2)  # 103 has no school_uid; 102 is the account itself
    assert found.gone == [dict(USERS[1], name_first="N1")]  # the whole record, not a projection
    assert found.rows() == [{"id": "101", "uid": "101", "school_uid": "S2", "name_first": "N1", "name_last": None,
                             "role_id": 1}]
    (change,) = deactivation_changes(found.gone)
    assert (change.key, change.id, change.before) == ({"school_uid": "S2"}, "101", found.gone[0])
    with pytest.raises(ConfigurationError, match=r"1 of 2 users \(50%\)"):
        find_missing_users(iter(USERS), {"S1"}, max_share=0.4, exclude_uids=["102"])


def test_reactivation_items() -> None:
    inactive = [{"uid": 7, "school_uid": "S7", "name": "Ada Lovelace"}]
    assert reactivation_items(inactive, [{"school_uid": "S7", "reenroll": "0"}]) == [
        {"uid": "7", "school_uid": "S7", "name": "Ada Lovelace", "option_reenroll": 0}
    ]
    assert reactivation_items(inactive, [{"school_uid": "S7"}])[0]["option_reenroll"] == 1
    with pytest.raises(RecordError, match="'S1' is not an inactive user"):
        reactivation_items(inactive, [{"school_uid": "S1"}])


def test_select_and_move_users() -> None:
    before = copy.deepcopy(USERS)
    students = select_users(USERS, role_ids=["1"], grad_years=[2031])
    assert [u["uid"] for u in students] == [101]
    assert [u["uid"] for u in select_users(USERS, building_ids=["10"])] == [100, 101]
    assert building_move_updates(students, building_id=10, mode="primary", keep_previous=True) == [
        {"id": "101", "uid": "101", "school_uid": "S2", "building_id": "10", "additional_buildings": "20"}
    ]
    assert building_move_updates(USERS[:1], building_id=10, mode="additional") == []
    assert building_move_updates(USERS[1:2], building_id=10, mode="remove")[0]["additional_buildings"] == ""
    assert USERS == before
    with pytest.raises(ConfigurationError, match="mode"):
        building_move_updates(USERS, building_id=10, mode="swap")
