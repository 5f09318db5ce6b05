"""update_parent_buildings: the plan holds exactly the parents whose building set changes; apply, re-plan, undo."""

from __future__ import annotations

import schoology_etl as se


def _buildings(user):
    extra = [b for b in str(user.get("additional_buildings") or "").split(",") if b.strip()]
    return {str(user["building_id"]), *extra}


def _expected(state, behavior):
    """parent school_uid -> the building set it should have, computed from the state dump."""
    users = state["users"]
    kids: dict[str, set[str]] = {}
    for link in state["parent_links"]:
        parent, student = str(link["parent_uid"]), str(link["student_uid"])
        if parent in users and student in users:
            kids.setdefault(parent, set()).update(_buildings(users[student]))
    out = {}
    for parent, wanted in kids.items():
        now = _buildings(users[parent])
        after = now | wanted if behavior == "add" else wanted
        if after != now:
            out[users[parent]["school_uid"]] = after
    return out


def _building_fields(state):
    return {u["school_uid"]: (str(u["building_id"]), str(u.get("additional_buildings") or "")) for u in state["users"].values()}


def test_plan_apply_replan_and_undo(job_env):
    start = job_env.state()
    expected = _expected(start, "add")
    assert expected, "the seed has parents whose children are in other buildings"
    by_uid = {u["school_uid"]: u for u in start["users"].values()}

    run = job_env.run("update_parent_buildings")
    changes = list(run.plan)
    assert {c.key["school_uid"] for c in changes} == set(expected)
    for c in changes:
        user = by_uid[c.key["school_uid"]]
        assert c.op == "update" and c.realm == "users" and str(c.id) == str(user["uid"])
        assert set(c.before) == set(c.after) == {"building_id", "additional_buildings"}
        assert {f: str(v or "") for f, v in c.before.items()} == {f: str(user.get(f) or "") for f in c.before}
        assert _buildings({**user, **c.after}) == expected[c.key["school_uid"]]
    assert job_env.state()["version"] == start["version"], "planning writes nothing"

    applied = job_env.run("update_parent_buildings", apply=True)
    state = job_env.state()
    for school_uid, wanted in expected.items():
        user = next(u for u in state["users"].values() if u["school_uid"] == school_uid)
        assert _buildings(user) == wanted, school_uid
    untouched = set(by_uid) - set(expected)
    assert {k: v for k, v in _building_fields(state).items() if k in untouched} == {
        k: v for k, v in _building_fields(start).items() if k in untouched
    }
    assert "applied" in applied.text() or applied.html()

    again = job_env.run("update_parent_buildings")
    assert len(again.plan) == 0, "re-planning after apply finds nothing to do"

    journal = applied.plan_path.with_name("plan.jsonl.journal.jsonl")
    undo = se.undo_plan(journal, applied.output_dir / "undo.jsonl")
    assert undo.cannot_undo == [] and len(undo.plan) == len(changes)
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.applied == len(changes) and report.failed == 0
    assert _building_fields(job_env.state()) == _building_fields(start)


def test_replace_within_allowed_buildings_plans_exactly_those_changes(job_env):
    start = job_env.state()
    allowed = {str(b) for b in sorted(start["buildings"])[:2]}
    users = start["users"]
    expected = {}
    for school_uid, wanted in _expected(start, "replace").items():
        user = next(u for u in users.values() if u["school_uid"] == school_uid)
        now = _buildings(user)
        after = {b for b in now if b not in allowed or b in wanted} | (wanted & allowed)
        if after != now and after:
            expected[school_uid] = after
    assert expected
    by_uid = {u["school_uid"]: u for u in users.values()}
    changes = list(job_env.run("update_parent_buildings", behavior="replace", allowed_buildings=sorted(allowed)).plan)
    assert {c.key["school_uid"] for c in changes} == set(expected)
    for c in changes:
        assert _buildings({**by_uid[c.key["school_uid"]], **c.after}) == expected[c.key["school_uid"]]
