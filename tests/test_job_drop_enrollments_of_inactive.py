"""drop_enrollments_of_inactive: exactly the section enrollments of inactive users (and of users missing from the SIS file)."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _by_user(state, school_uids):
    people = {**state["users"], **state["inactive_users"]}
    return {
        e["id"]
        for e in state["enrollments"].values()
        if e["realm"] == "section" and people[str(e["uid"])]["school_uid"] in school_uids
    }


def _deactivate_one_enrolled_student(job_env, avoid):
    """The seeded inactive users hold no enrollments: deactivate an enrolled student, keeping them."""
    state = job_env.state()
    enrolled = {str(e["uid"]) for e in state["enrollments"].values() if e["realm"] == "section" and not e["admin"]}
    user = next(u for k, u in sorted(state["users"].items()) if k in enrolled and u["school_uid"] not in avoid)
    result = se.connect("sandbox").delete("users", [{"id": user["uid"]}], option_keep_enrollments=1)
    assert result[0].ok, result[0].message
    return user["school_uid"]


def test_both_rules_plan_and_apply(job_env):
    missing = set(job_env.manifest["files"]["users.csv"]["missing_users"])
    assert len(job_env.run("drop_enrollments_of_inactive").plan) == 0, "the seeded inactive users hold no enrollments"
    _deactivate_one_enrolled_student(job_env, missing)
    start = job_env.state()
    inactive = {u["school_uid"] for u in start["inactive_users"].values()}
    expected = _by_user(start, inactive | missing)
    assert _by_user(start, inactive) and _by_user(start, missing), "enrollments of both kinds"

    only_inactive = list(job_env.run("drop_enrollments_of_inactive", include_past_sections=True).plan)
    assert {int(c.id) for c in only_inactive} == _by_user(start, inactive)

    run = job_env.run("drop_enrollments_of_inactive", rules=["inactive", "missing_from_sis"], apply=True,
                      include_past_sections=True)
    changes = list(run.plan)
    assert {int(c.id) for c in changes} == expected
    assert all(c.op == "unlink" and c.realm == "enrollments" and c.before["realm"] == "section" for c in changes)
    state = job_env.state()
    assert set(start["enrollments"]) - set(state["enrollments"]) == {str(i) for i in expected}
    assert all(state["enrollments"][k] == e for k, e in start["enrollments"].items() if int(k) not in expected)


def test_no_rule_is_refused(job_env):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        job_env.run("drop_enrollments_of_inactive", rules=[])
    assert err.value.ename == "ConfigurationError" and "rules: unknown rule(s) (none); known: inactive" in err.value.evalue
