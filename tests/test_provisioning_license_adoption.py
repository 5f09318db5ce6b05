"""Licensed seats from a parameter or a file, and adoption counted from streamed users."""

from __future__ import annotations

import pytest

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.analytics.license_adoption import (
    BUILDING_COLUMNS,
    ROLE_COLUMNS,
    adoption_by_building,
    adoption_by_role,
    adoption_tables,
    count_adoption,
    parse_licensed_seats,
)

ROLES = ["Student", "Teacher", "Parent", "School Admin"]


def test_seats_from_text_json_and_a_file(tmp_path) -> None:
    assert parse_licensed_seats("student=120, TEACHER = 9", role_titles=ROLES) == {"Student": 120, "Teacher": 9}
    assert parse_licensed_seats('{"School Admin": 2}', role_titles=ROLES) == {"School Admin": 2}
    path = tmp_path / "seats.csv"
    path.write_text("Role,Seats\nParent,300\nstudent,100\n", encoding="utf-8")
    assert parse_licensed_seats("Teacher=5", path=path, role_titles=ROLES) == {"Parent": 300, "Student": 100,
                                                                                 "Teacher": 5}
    assert parse_licensed_seats(None, role_titles=ROLES) == {}


@pytest.mark.parametrize(("value", "file_text", "message"), [
    ("Studnet=3", None, "licensed_seats 'Studnet': unknown role 'Studnet'; the roles are Parent, School Admin"),
    ("Student=many", None, "licensed_seats 'Student': seats must be a whole number of at least 0, got 'many'"),
    ("Student=-1", None, "got '-1'"),
    ("Student", None, "'Student' is not ROLE=SEATS"),
    ("Student=1, student=2", None, "role 'Student' is given twice"),
    (None, "role,seats\nTeacher,4\nJanitor,1\n", "seats file line 3: unknown role 'Janitor'"),
    (None, "role,count\nTeacher,4\n", "needs the columns role and seats, has role, count"),
    ("Teacher=1", "role,seats\nteacher,4\n", "licensed_seats 'Teacher': role 'Teacher' is given twice"),
])
def test_bad_seats_are_refused_naming_the_role_or_line(tmp_path, value, file_text, message) -> None:
    path = None
    if file_text is not None:
        path = tmp_path / "seats.csv"
        path.write_text(file_text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as err:
        parse_licensed_seats(value, path=path, role_titles=ROLES)
    assert message in str(err.value)


def test_adoption_by_role_and_building() -> None:
    users = ({"school_uid": f"u{n}", "role_id": 1 if n < 6 else 2, "building_id": 10 + n % 2} for n in range(8))
    counts = count_adoption(users, {"u0", "u1", "u2", "u6", "ghost"}, role_names={"1": "Student", "2": "Teacher"})
    assert counts.total == 8
    by_role = adoption_by_role(counts, {"Student": 4, "Parent": 10})
    assert by_role == [
        {"role": "Parent", "licensed": 10, "accounts": 0, "signed_in": 0, "adoption": None, "seats_used": 0.0,
         "over_license": 0},
        {"role": "Student", "licensed": 4, "accounts": 6, "signed_in": 3, "adoption": 0.5, "seats_used": 1.5,
         "over_license": 2},
        {"role": "Teacher", "licensed": None, "accounts": 2, "signed_in": 1, "adoption": 0.5, "seats_used": None,
         "over_license": None},
    ]
    rows = adoption_by_building(counts, building_names={"10": "East", "11": "West"})
    assert [(r["building"], r["role"], r["accounts"], r["signed_in"]) for r in rows] == [
        ("East", "Student", 3, 2), ("East", "Teacher", 1, 1), ("West", "Student", 3, 1), ("West", "Teacher", 1, 0)]


def test_adoption_tables_keep_an_unlicensed_role_empty_not_a_float() -> None:
    users = [{"school_uid": "a", "role_id": 7, "building_id": 1}, {"school_uid": "b", "role_id": 8, "building_id": 2}]
    counts = count_adoption(users, {"a"}, role_names={"7": "Student", "8": "Parent"})
    by_role, by_building = adoption_tables(counts, {"Student": 3}, building_names={"1": "Lakeside"})
    assert list(by_role.columns) == ROLE_COLUMNS and list(by_building.columns) == BUILDING_COLUMNS
    assert by_role.to_csv(index=False).splitlines() == [
        "role,licensed,accounts,signed_in,adoption,seats_used,over_license",
        "Parent,,1,0,0.0,,", "Student,3,1,1,1.0,0.333,0"]
    assert by_building[["building_id", "building", "role"]].values.tolist() == [["2", "", "Parent"],
                                                                                  ["1", "Lakeside", "Student"]]
    empty_role, empty_building = adoption_tables(count_adoption([], set(), role_names={}), {}, building_names={})
    assert list(empty_role.columns) == ROLE_COLUMNS and list(empty_building.columns) == BUILDING_COLUMNS
