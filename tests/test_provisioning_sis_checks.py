"""SIS file kinds, summaries and usability checks."""

from __future__ import annotations

import hashlib

import pytest

from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.lookups import role_lookup
from schoology_etl.provisioning.sis.sis_checks import (
    check_sis_file,
    file_summary,
    guess_kind,
    kind_of,
    require_usable,
    sis_paths,
)


@pytest.mark.parametrize("name, kind", [
    ("users.csv", "users"), ("users_invalid.csv", "users"), ("courses_sections_invalid.csv", "courses_sections"),
    ("uid_remap_collisions.csv", "uid_remap"), ("ENROLLMENTS-2026.csv", "enrollments"), ("roster.csv", None),
    ("usersx.csv", None),
])
def test_guess_kind_from_the_file_name(name, kind):
    assert guess_kind(name) == kind


def test_kind_of_names_the_kinds_when_the_name_says_nothing():
    assert kind_of("roster.csv", "parents") == "parents"
    with pytest.raises(ConfigurationError, match="roster.csv.*users"):
        kind_of("roster.csv")
    with pytest.raises(ConfigurationError, match="unknown SIS file kind 'pupils'"):
        kind_of("users.csv", "pupils")


def test_file_summary_and_usability(tmp_path):
    good = tmp_path / "role_changes.csv"
    good.write_text("school_uid,role\nT1,School Admin\n\n")
    summary = file_summary(good)
    assert summary == {"file": "role_changes.csv", "kind": "role_changes", "rows": 1, "columns": 2,
                       "missing_columns": [], "bytes": good.stat().st_size,
                       "sha256": hashlib.sha256(good.read_bytes()).hexdigest()}
    require_usable(summary)

    missing = tmp_path / "users.csv"
    missing.write_text("school_uid,name_first\nS1,Ann\n")
    with pytest.raises(SourceFormatError, match=r"users.csv, line 1: .*name_last, role, building_code"):
        require_usable(file_summary(missing))
    empty = tmp_path / "parents.csv"
    empty.write_text("student_school_uid,parent_school_uid\n")
    with pytest.raises(SourceFormatError, match="sftp://x/parents.csv: the parents file has no data rows"):
        require_usable(file_summary(empty), where="sftp://x/parents.csv")


def test_check_sis_file_reports_rows_and_empty_files(tmp_path):
    roles = role_lookup([{"id": 1, "title": "School Admin"}])
    bad = tmp_path / "role_changes.csv"
    bad.write_text("school_uid,role\nT1,School Admn\nT1,School Admin\n")
    summary, problems = check_sis_file(bad, roles=roles)
    assert summary["problems"] == 2
    assert [(p["line"], p["column"]) for p in problems] == [(2, "role"), (3, "school_uid")]
    assert "did you mean 'School Admin'" in problems[0]["problem"]
    blank = tmp_path / "users.csv"
    blank.write_text("")
    assert [p["problem"] for p in check_sis_file(blank)[1]] == ["empty file (no header line)"]
    header_only = tmp_path / "parents.csv"
    header_only.write_text("student_school_uid,parent_school_uid\n")
    assert [p["problem"] for p in check_sis_file(header_only)[1]] == ["no data rows"]


def test_sis_paths_lists_known_files_top_folder_first(tmp_path):
    (tmp_path / "invalid").mkdir()
    for name in ("users.csv", "notes.csv", "invalid/users_invalid.csv", "parents.csv"):
        (tmp_path / name).write_text("x\n")
    assert [p.relative_to(tmp_path).as_posix() for p in sis_paths(tmp_path)] == [
        "parents.csv", "users.csv", "invalid/users_invalid.csv"]


def test_check_fetched_file_checks_known_kinds_and_lists_others(tmp_path):
    from schoology_etl.provisioning.sis.sis_checks import check_fetched_file

    ok = tmp_path / "parents.csv"
    ok.write_text("student_school_uid,parent_school_uid,action\nS1,P1,link\n")
    row = check_fetched_file(ok, remote="sftp://d@h:22/outgoing/parents.csv")
    assert (row["kind"], row["rows"], row["checked"], row["remote"]) == ("parents", 1, True, "sftp://d@h:22/outgoing/parents.csv")
    other = tmp_path / "readme.csv"
    other.write_text("anything\n")
    assert check_fetched_file(other, remote="r")["checked"] is False
    bad = tmp_path / "enrollments.csv"
    bad.write_text("section_school_code,school_uid\nA-01,S1\n")
    with pytest.raises(SourceFormatError, match=r"sftp://d@h:22/outgoing/enrollments.csv, line 1: .*role"):
        check_fetched_file(bad, remote="sftp://d@h:22/outgoing/enrollments.csv")


def test_check_sis_files_counts_problems_alone_and_across_files(tmp_path):
    from schoology_etl.provisioning.sis.sis_checks import PROBLEM_COLUMNS, check_sis_files

    users = tmp_path / "users.csv"
    users.write_text("school_uid,name_first,name_last,role,building_code,primary_email\n"
                     "S1,Ann,Lee,Student,HS,ann@example.org\n")
    enrollments = tmp_path / "enrollments.csv"
    enrollments.write_text("section_school_code,school_uid,role\nA-01,S1,student\nA-01,S9,student\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("school_uid,role\nT1,School Admn\n")
    files, problems = check_sis_files([users, enrollments])
    assert [(f["file"], f["kind"], f["problems"]) for f in files] == [
        ("users.csv", "users", 0), ("enrollments.csv", "enrollments", 1)]
    assert [[p[c] for c in PROBLEM_COLUMNS] for p in problems] == [
        ["enrollments.csv", 3, "school_uid", "S9", "student S9 is not in the users file (users.csv)"]]
    files, problems = check_sis_files([roster], "role_changes", roles=role_lookup([{"id": 1, "title": "School Admin"}]))
    assert files[0]["problems"] == 1 and "did you mean 'School Admin'" in problems[0]["problem"]
    with pytest.raises(ConfigurationError, match="roster.csv"):
        check_sis_files([roster])


def test_input_sis_paths_one_file_or_the_demo_folder_for_the_sandbox_only(tmp_path):
    from schoology_etl.provisioning.sis.sis_checks import input_sis_paths

    one = tmp_path / "upload.csv"
    one.write_text("school_uid,role\n")
    assert input_sis_paths(str(one), client="http://127.0.0.1:9") == [one]
    demo = input_sis_paths(None, client="http://127.0.0.1:9")
    assert {"users.csv", "enrollments.csv", "users_invalid.csv"} <= {p.name for p in demo}
    with pytest.raises(ConfigurationError, match="parameter 'sis_file' is empty"):
        input_sis_paths("", client="https://api.schoology.com/v1")
    with pytest.raises(ConfigurationError, match="parameter 'upload': no file at"):
        input_sis_paths(str(tmp_path / "gone.csv"), client="http://127.0.0.1:9", param="upload")
