"""Guards on the shipped jobs that remove things, run as CI runs them (papermill, the sandbox):
demo files only for the sandbox client, share guards, past sections left alone, staff spared,
reactivation never of everyone by default."""

from __future__ import annotations

import papermill
import pytest


def _refused(job_env, job: str, **params) -> str:
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run(job, **params)
    assert info.value.ename == "ConfigurationError", info.value.evalue
    assert not list(job_env.work_dir.glob("**/plan.jsonl")), "nothing is planned"
    return info.value.evalue


def test_demo_file_only_for_the_sandbox_client(job_env):
    job_env.monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_BASE_URL", "https://district.example.org/v1")
    message = _refused(job_env, "import_parent_associations")
    assert "parameter 'parents_csv' is empty: give the district's file" in message
    assert "used only with the sandbox client" in message


@pytest.mark.parametrize(("job", "params", "what"), [
    ("sync_group_members", {"max_share": 0.01}, "group memberships"),
    ("import_parent_associations", {"max_share": 0.001}, "parent links"),
    ("import_enrollments", {"max_share": 0.001}, "enrollments"),
    ("archive_past_sections", {"max_share": 0.001, "action": "delete"}, "sections"),
])
def test_share_guard_refuses_with_the_count_and_the_parameter(job_env, job, params, what):
    message = _refused(job_env, job, **params)
    assert f" {what} (" in message and "would be removed, above the allowed share" in message
    assert "Raise max_share to go ahead" in message


def test_past_sections_are_left_alone_unless_asked(job_env):
    from tests.test_job_drop_enrollments_of_inactive import _deactivate_one_enrolled_student

    missing = set(job_env.manifest["files"]["users.csv"]["missing_users"])
    _deactivate_one_enrolled_student(job_env, missing)  # an inactive user with enrollments
    past = {s["section_school_code"] for s in job_env.state()["sections"].values() if not s.get("active", 1)}
    default = job_env.run("drop_enrollments_of_inactive", rules=["inactive", "missing_from_sis"], max_share=1.0).plan
    asked = job_env.run("drop_enrollments_of_inactive", rules=["inactive", "missing_from_sis"], max_share=1.0,
                        include_past_sections=True).plan
    dropped = {c.key.get("section_school_code") or c.before.get("section_school_code") for c in default}
    dropped_ids = {c.id for c in default}
    with_past_ids = {c.id for c in asked}
    assert past, "the demo district has past (inactive) sections"
    assert dropped_ids < with_past_ids, "asking for past sections adds their enrollments"
    assert not past & dropped, "past sections are left alone by default"


def test_staff_are_never_deactivated_unless_asked(job_env, tmp_path):
    state = job_env.state()
    teacher_role = next(k for k, r in state["roles"].items() if r["title"] == "Teacher")
    teacher = next(u["school_uid"] for u in state["users"].values() if str(u["role_id"]) == teacher_role)
    lines = job_env.demo_file("users.csv").read_text().splitlines(keepends=True)
    without = tmp_path / "users.csv"
    without.write_text("".join(line for line in lines if line.split(",")[0] != teacher))
    spared = job_env.run("deactivate_missing_users", users_csv=str(without), max_share=1.0).plan
    assert teacher not in {c.key["school_uid"] for c in spared} and len(spared) > 0
    asked = job_env.run("deactivate_missing_users", users_csv=str(without), max_share=1.0, include_staff=True).plan
    assert teacher in {c.key["school_uid"] for c in asked}


def test_reactivating_needs_a_file_or_a_filter(job_env):
    message = _refused(job_env, "reactivate_users")
    assert "users_csv is empty and no filter is set" in message
