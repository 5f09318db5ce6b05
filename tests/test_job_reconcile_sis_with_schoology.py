"""reconcile_sis_with_schoology: exactly the manifest's differences, and nothing written."""

from __future__ import annotations

import csv

import pytest
from papermill import PapermillExecutionError


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_users_file_differences_are_exactly_the_manifest(job_env):
    version = job_env.state()["version"]
    run = job_env.run("reconcile_sis_with_schoology", kind="users")
    rows = _rows(run.output("reconcile_users.csv"))
    known = job_env.manifest["files"]["users.csv"]
    assert sorted(r["key"] for r in rows if r["op"] == "add") == sorted(known["new_users"])
    assert sorted(r["key"] for r in rows if r["op"] == "remove") == sorted(known["missing_users"])
    updates = {}
    for r in rows:
        if r["op"] == "update":
            updates.setdefault(r["key"], {})[r["field"]] = {"before": r["before"], "after": r["after"]}
    assert updates == known["updates"]
    assert run.output("reconcile_summary.png").stat().st_size > 0
    assert job_env.state()["version"] == version, "a read-only job changed the sandbox"


def test_enrollments_file_differences_are_exactly_the_manifest(job_env):
    run = job_env.run("reconcile_sis_with_schoology", kind="enrollments")
    rows = _rows(run.output("reconcile_enrollments.csv"))
    known = job_env.manifest["files"]["enrollments.csv"]
    assert sorted(r["key"] for r in rows if r["op"] == "add") == sorted(f"{c}|{u}" for c, u, _ in known["enroll"])
    assert sorted(r["key"] for r in rows if r["op"] == "remove") == sorted(f"{c}|{u}" for c, u, _ in known["drop"])
    assert not [r for r in rows if r["op"] == "update"]


def test_bad_files_are_named(job_env, tmp_path):
    missing = tmp_path / "users.csv"
    missing.write_text("school_uid,name_first,name_last,building_code\nS1,Ann,Lee,LES\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("reconcile_sis_with_schoology", sis_file=str(missing))
    assert "role" in err.value.evalue and "users.csv" in err.value.evalue
    unknown = tmp_path / "enrollments.csv"
    unknown.write_text("section_school_code,school_uid,role,action\nNOPE-01,S100001,student,enroll\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("reconcile_sis_with_schoology", kind="enrollments", sis_file=str(unknown))
    assert err.value.ename == "SourceFormatError"
    assert "enrollments.csv, line 2" in err.value.evalue and "NOPE-01" in err.value.evalue


def _by_op(rows):
    found = {"add": [], "update": [], "remove": []}
    for r in rows:
        if r["key"] not in found[r["op"]]:
            found[r["op"]].append(r["key"])
    return {op: sorted(keys) for op, keys in found.items()}


def test_an_enrollment_only_in_schoology_is_reported(job_env):
    """A file of every enrollment (no action column): what only Schoology has is a remove."""
    run = job_env.run("reconcile_sis_with_schoology", kind="enrollments",
                      sis_file=str(job_env.demo_file("snapshot/enrollments.csv")))
    known = job_env.manifest["snapshot"]["enrollments"]
    active = {str(u["school_uid"]) for u in job_env.state()["users"].values()}
    found = _by_op(_rows(run.output("reconcile_enrollments.csv")))
    # the reconcile knows enrollments by active users; the sync health job also shows inactive users' ones
    assert found["remove"] == sorted(f"{c}|{u}" for c, u in known["schoology_only"] if u in active)
    assert len(found["remove"]) >= 2
    assert found["add"] == sorted(f"{c}|{u}" for c, u in known["sis_only"])
    assert found["update"] == sorted(f"{c}|{u}" for c, u in known["differs"])



def test_file_holds_says_whether_what_only_schoology_has_counts(job_env, tmp_path):
    one = tmp_path / "enrollments.csv"  # one enrollment that exists, no action column
    first = _rows(job_env.demo_file("snapshot/enrollments.csv"))[0]
    one.write_text(f"section_school_code,school_uid,role\n{first['section_school_code']},{first['school_uid']},{first['role']}\n")
    changes = job_env.run("reconcile_sis_with_schoology", kind="enrollments", file_holds="changes", sis_file=str(one))
    assert _rows(changes.output("reconcile_enrollments.csv")) == []
    auto = job_env.run("reconcile_sis_with_schoology", kind="enrollments", sis_file=str(one))
    removes = _by_op(_rows(auto.output("reconcile_enrollments.csv")))["remove"]
    assert len(removes) > 100 and f"{first['section_school_code']}|{first['school_uid']}" not in removes


def test_courses_sections_both_directions(job_env):
    run = job_env.run("reconcile_sis_with_schoology", kind="courses_sections")
    rows = _rows(run.output("reconcile_courses_sections.csv"))
    known = job_env.manifest["files"]["courses_sections.csv"]
    found = _by_op(rows)
    assert found["add"] == sorted(known["new_sections"])
    updates = {}
    for r in rows:
        if r["op"] == "update":
            updates.setdefault(r["key"], {})[r["field"]] = {"before": r["before"], "after": r["after"]}
    assert updates == known["updates"]
    assert found["remove"] == []
    snap = job_env.run("reconcile_sis_with_schoology", kind="courses_sections",
                       sis_file=str(job_env.demo_file("snapshot/courses_sections.csv")))
    known = job_env.manifest["snapshot"]["courses_sections"]
    found = _by_op(_rows(snap.output("reconcile_courses_sections.csv")))
    assert found == {"add": sorted(known["sis_only"]), "remove": sorted(known["schoology_only"]),
                     "update": sorted(known["differs"])}


def test_parents_both_directions(job_env):
    run = job_env.run("reconcile_sis_with_schoology", kind="parents")
    known = job_env.manifest["files"]["parents.csv"]
    found = _by_op(_rows(run.output("reconcile_parents.csv")))
    assert found == {"add": sorted(f"{s}|{p}" for s, p in known["link"]),
                     "remove": sorted(f"{s}|{p}" for s, p in known["unlink"]), "update": []}
    snap = job_env.run("reconcile_sis_with_schoology", kind="parents",
                       sis_file=str(job_env.demo_file("snapshot/parents.csv")))
    known = job_env.manifest["snapshot"]["parents"]
    found = _by_op(_rows(snap.output("reconcile_parents.csv")))
    assert found == {"add": sorted(f"{s}|{p}" for s, p in known["sis_only"]),
                     "remove": sorted(f"{s}|{p}" for s, p in known["schoology_only"]), "update": []}


def test_a_bad_users_file_names_the_line_and_writes_no_half_report(job_env, tmp_path):
    with open(job_env.demo_dir / "sis" / "users.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    for name, broken, message in (
        ("repeat.csv", rows[:5] + [rows[1]], "line 7: SIS file records repeat the key"),
        ("role.csv", rows[:3] + [dict(rows[3], role="Wizard")] + rows[4:6], "line 5: column 'role'"),
    ):
        path = tmp_path / name
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            writer.writerows(broken)
        with pytest.raises(PapermillExecutionError) as err:
            job_env.run("reconcile_sis_with_schoology", kind="users", sis_file=str(path))
        assert err.value.ename == "SourceFormatError" and f"{name}, {message}" in err.value.evalue
    assert not list(job_env.work_dir.rglob("reconcile_users.csv")), "a failed run left a partial report"
