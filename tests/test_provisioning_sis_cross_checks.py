"""SIS files checked together: people named by enrollments and parents files must be in the users file."""

from __future__ import annotations

from schoology_etl.provisioning.sis.sis_cross_checks import cross_file_problems
from schoology_etl.provisioning.sis.sis_specs import SPECS
from schoology_etl.provisioning.sis.sis_validation import validate_sis_rows


def test_students_and_parents_the_users_file_lacks(tmp_path):
    export, other = tmp_path / "export", tmp_path / "other"
    export.mkdir()
    other.mkdir()
    (export / "users.csv").write_text("school_uid,name_first\nS1,A\nP1,B\nT1,C\n")
    (export / "enrollments.csv").write_text("section_school_code,school_uid,role\nX-01,S1,student\nX-01,s9,student\nX-01,T7,teacher\n")
    (export / "parents.csv").write_text("student_school_uid,parent_school_uid\nS1,P1\nS8,P2\n")
    (other / "enrollments.csv").write_text("section_school_code,school_uid,role\nX-01,S9,student\n")  # no users file: not checked
    files = [(export / "users.csv", "users"), (export / "enrollments.csv", "enrollments"), (export / "parents.csv", "parents"),
             (other / "enrollments.csv", "enrollments")]
    assert [(p["file"], p["line"], p["column"], p["value"], p["problem"]) for p in cross_file_problems(files)] == [
        ("enrollments.csv", 3, "school_uid", "s9", "student s9 is not in the users file (users.csv)"),
        ("enrollments.csv", 4, "school_uid", "T7", "teacher T7 is not in the users file (users.csv)"),
        ("parents.csv", 3, "student_school_uid", "S8", "student S8 is not in the users file (users.csv)"),
        ("parents.csv", 3, "parent_school_uid", "P2", "parent P2 is not in the users file (users.csv)"),
    ]


def test_a_user_needs_an_email_or_a_username():
    header = ["school_uid", "name_first", "name_last", "role", "building_code", "primary_email", "username"]
    base = {"school_uid": "S1", "name_first": "A", "name_last": "B", "role": "Student", "building_code": "MHS"}
    rows = [dict(base, primary_email="a@x.org"), dict(base, school_uid="S2", username="ab"), dict(base, school_uid="S3")]
    assert [(p["line"], p["column"], p["problem"]) for p in validate_sis_rows(header, rows, SPECS["users"])] == [
        (4, "primary_email or username", "neither primary_email nor username: a user needs one to sign in")]
    no_columns = validate_sis_rows(header[:5], [base], SPECS["users"])
    assert [(p["line"], p["problem"]) for p in no_columns] == [(1, "one of the columns primary_email, username is required")]
