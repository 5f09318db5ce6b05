"""Duplicate detection and school_uid remapping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.users.duplicates import RULES, find_duplicate_users
from schoology_etl.provisioning.users.identity_keys import normalize_email
from schoology_etl.provisioning.users.uids import school_uid_remap_updates


def test_duplicates_by_name_and_birthday_and_by_email() -> None:
    users = [
        {"uid": 1, "school_uid": "S1", "name_first": "Ann", "name_last": "Lee", "birthday_date": "2010-01-02", "primary_email": "ann.lee@x.org"},
        {"uid": 2, "school_uid": "S2", "name_first": "ann ", "name_last": "LEE", "birthday_date": "2010-01-02", "primary_email": "a@x.org"},
        {"uid": 3, "school_uid": "S3", "name_first": "Ann", "name_last": "Lee", "birthday_date": "2011-01-02", "primary_email": "AnnLee@X.org"},
        {"uid": 4, "school_uid": "S4", "name_first": "Bo", "name_last": "Li", "birthday_date": "", "primary_email": ""},
        {"uid": 5, "school_uid": "S5", "name_first": "Bo", "name_last": "Li", "birthday_date": "", "primary_email": "ann.lee@y.org"},
    ]
    users[2]["primary_email"] = "ANN.lee@x.org"  # case only: the same mailbox (AnnLee@X.org would be another one)
    assert find_duplicate_users(users) == [
        {"rule": "email", "why": RULES["email"], "key": "ann.lee@x.org", "uids": ["1", "3"],
         "school_uids": ["S1", "S3"]},
        {"rule": "name_birthday", "why": RULES["name_birthday"], "key": "ann|lee|2010-01-02", "uids": ["1", "2"],
         "school_uids": ["S1", "S2"]},
    ]


@settings(max_examples=50)
@given(st.from_regex(r"[a-z]{1,5}(\.[a-z]{1,5}){0,2}@[a-z]{1,5}\.org", fullmatch=True))
def test_normalize_email_ignores_case_and_keeps_dots_outside_gmail(email: str) -> None:
    local, domain = email.split("@")
    assert normalize_email(email.upper()) == email
    assert normalize_email(local + "@gmail.com") == normalize_email(local.replace(".", "").upper() + "@GMAIL.com")


USERS = [{"uid": n, "school_uid": f"S{n}", "name_first": "F", "name_last": f"L{n}"} for n in range(1, 6)]


def test_remap_updates() -> None:
    mapping = [{"old_school_uid": "S1", "new_school_uid": "N1"}, {"old_school_uid": "S2", "new_school_uid": "S2"}]
    assert school_uid_remap_updates(USERS, mapping) == [{"id": "1", "uid": "1", "school_uid": "N1", "old_school_uid": "S1"}]


def test_remap_refuses_every_collision_at_once() -> None:
    mapping = [
        {"old_school_uid": "S1", "new_school_uid": "S2"},
        {"old_school_uid": "S3", "new_school_uid": "N"},
        {"old_school_uid": "S4", "new_school_uid": "N"},
        {"old_school_uid": "S3", "new_school_uid": "M"},
        {"old_school_uid": "S9", "new_school_uid": "Q"},
    ]
    with pytest.raises(RecordError) as info:
        school_uid_remap_updates(USERS, mapping)
    message = str(info.value)
    assert "4 problem(s)" in message
    assert "line 2: new_school_uid 'S2' is held by user 2 (F L2)" in message
    assert "line 4: new_school_uid 'N' already used on line 3" in message
    assert "line 5: old_school_uid 'S3' already mapped on line 3" in message
    assert "line 6: old_school_uid 'S9' belongs to no user" in message


def test_remap_can_skip_unknown_old_values_and_requires_both_columns() -> None:
    assert school_uid_remap_updates(USERS, [{"old_school_uid": "S9", "new_school_uid": "Q"}], missing="skip") == []
    with pytest.raises(RecordError, match="line 2: column 'new_school_uid' is empty"):
        school_uid_remap_updates(USERS, [{"old_school_uid": "S1"}])
