"""enrollment_imports: an enrollments file read, and what it names read from the sandbox over real HTTP."""

from __future__ import annotations

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import SourceFormatError
from schoology_etl.provisioning.enrollments.enrollment_imports import read_enrollment_rows, read_enrollment_targets


def _client(srv):
    return SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=1000)


def test_reads_rows_in_any_layout_and_refuses_a_file_without_rows(tmp_path):
    ours = tmp_path / "enrollments.csv"
    ours.write_text("section_school_code,school_uid,role\nA-01, S1 ,student\n")
    assert [(r["section_school_code"], r["school_uid"].strip(), r["role"]) for r in read_enrollment_rows(ours)] == [
        ("A-01", "S1", "student")]
    schoology = tmp_path / "schoology.csv"
    schoology.write_text("Section School Code,User Unique ID,Enrollment Type\nA-01,T1,1\n")
    assert read_enrollment_rows(schoology)[0]["role"] == "teacher"
    empty = tmp_path / "empty.csv"
    empty.write_text("section_school_code,school_uid,role\n")
    with pytest.raises(SourceFormatError, match=r"empty.csv: the file has a header but no enrollment rows"):
        read_enrollment_rows(empty)


def test_reads_only_the_named_sections_users_and_their_enrollments(sandbox):
    state = sandbox.state()
    section = next(s for s in state["sections"].values() if s["active"])
    user = next(iter(state["users"].values()))
    rows = [{"section_school_code": section["section_school_code"], "school_uid": user["school_uid"]},
            {"section_school_code": " NOPE-01 ", "school_uid": "NOBODY"},
            {"section_school_code": section["section_school_code"], "school_uid": ""}]
    with _client(sandbox) as api:
        found = read_enrollment_targets(api, rows)
        assert read_enrollment_targets(api, []).sections == []
    assert found.codes == sorted(["NOPE-01", section["section_school_code"]])
    assert found.school_uids == sorted(["NOBODY", user["school_uid"]])
    assert [s["section_school_code"] for s in found.sections] == [section["section_school_code"]]
    assert [u["school_uid"] for u in found.users] == [user["school_uid"]]
    expected = {str(k) for k, e in state["enrollments"].items()
                if e["realm"] == "section" and e["realm_id"] == section["id"]}
    assert {str(e["id"]) for e in found.current} == expected and expected
