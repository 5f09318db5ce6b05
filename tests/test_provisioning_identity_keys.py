"""Identity keys and the duplicate rules: documented e-mail normalisation, inactive accounts, streaming."""

from __future__ import annotations

import pytest

from schoology_etl.provisioning.users import duplicates
from schoology_etl.provisioning.users.identity_keys import full_name_key, normalize_email, school_uid_key


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("ann.lee@gmail.com", "AnnLee@gmail.com", True),
        ("ann.lee+school@googlemail.com", "annlee@gmail.com", True),  # googlemail is gmail
        ("ann+x@outlook.com", "ann@outlook.com", True),
        ("ann+x@hotmail.com", "ann@hotmail.com", True),
        ("ann+x@fastmail.com", "ann@fastmail.com", True),
        ("ann+x@proton.me", "ann@proton.me", True),
        ("a.nn@outlook.com", "ann@outlook.com", False),  # dots count outside Gmail
        ("ann.lee@maplewood.example.org", "annlee@maplewood.example.org", False),
        ("ann+x@school.org", "ann@school.org", False),  # tags count where the provider does not document them
        (" ANN@School.ORG\t", "ann@school.org", True),
        ("\uff21nn@school.org", "ann@school.org", True),  # NFKC: a full-width A
        ("STRASSE@school.org", "straße@school.org", True),  # casefold, not lower
    ],
)
def test_email_normalisation_is_only_what_providers_document(a: str, b: str, same: bool) -> None:
    assert (normalize_email(a) == normalize_email(b)) is same


def test_name_and_school_uid_keys() -> None:
    assert (
        full_name_key({"name_first": " Ann ", "name_last": "LEE"}) == full_name_key({"name": "ann   lee"}) == "ann lee"
    )
    assert school_uid_key("S0100012") == school_uid_key(" s100012") != school_uid_key("S1000120")
    assert school_uid_key("000") == "0"


def test_a_dotted_address_outside_gmail_is_not_a_duplicate() -> None:
    users = [
        {"uid": 1, "school_uid": "S1", "primary_email": "ann.lee@x.org"},
        {"uid": 2, "school_uid": "S2", "primary_email": "annlee@x.org"},
        {"uid": 3, "school_uid": "S3", "primary_email": "bo.li@gmail.com"},
        {"uid": 4, "school_uid": "S4", "primary_email": "BoLi+sis@gmail.com"},
    ]
    assert [(g["rule"], g["uids"]) for g in duplicates.find_duplicate_users(users)] == [("email", ["3", "4"])]


ACTIVE = [
    {"uid": 1, "school_uid": "S100012", "name_first": "Ann", "name_last": "Lee", "birthday_date": "2010-01-02"},
    {"uid": 2, "school_uid": "S2", "name_first": "Bo", "name_last": "Li", "birthday_date": "2011-03-04"},
    {"uid": 5, "school_uid": "S5", "name_first": "Bo", "name_last": "Li", "birthday_date": "2012-03-04"},
]
INACTIVE = [
    {"uid": 3, "school_uid": "S9", "name": "ANN  lee", "synced": 1},
    {"uid": 4, "school_uid": "s0100012", "name": "A. Lee", "synced": 1},
]


def test_inactive_duplicates_are_found_by_name_and_by_sis_id() -> None:
    scan = duplicates.scan_duplicates(ACTIVE, INACTIVE)
    assert [(g["rule"], g["uids"]) for g in scan.groups] == [
        ("inactive_name", ["3", "1"]),
        ("inactive_school_uid", ["4", "1"]),
    ]
    assert scan.scanned == {"active": 3, "inactive": 2}
    # two active accounts with one name and different birthdays are not a group without an inactive one
    assert not [g for g in scan.groups if "2" in g["uids"]]
    rows = scan.rows()
    assert [(r["group"], r["uid"], r["active"], r["name"]) for r in rows] == [
        (1, "3", 0, "ANN  lee"),
        (1, "1", 1, "Ann Lee"),
        (2, "4", 0, "A. Lee"),
        (2, "1", 1, "Ann Lee"),
    ]
    assert rows[0]["why"] == duplicates.RULES["inactive_name"] and "inactive account" in rows[0]["why"]
    assert list(rows[0]) == list(duplicates.DUPLICATE_COLUMNS)
    assert duplicates.find_duplicate_users(ACTIVE) == []  # active only: nothing


def test_one_pass_iterators_are_read_once_and_still_give_the_fields() -> None:
    scan = duplicates.scan_duplicates(iter(ACTIVE), iter(INACTIVE))
    assert [r["school_uid"] for r in scan.rows()] == ["S9", "S100012", "s0100012", "S100012"]


def test_a_digest_collision_never_makes_a_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duplicates, "digest", lambda rule, key: hash(rule))  # every key of a rule collides
    users = [
        {"uid": 1, "primary_email": "a@x.org"},
        {"uid": 2, "primary_email": "b@x.org"},
        {"uid": 3, "primary_email": "A@x.org"},
    ]
    assert [(g["rule"], g["key"], g["uids"]) for g in duplicates.find_duplicate_users(users)] == [
        ("email", "a@x.org", ["1", "3"])
    ]
