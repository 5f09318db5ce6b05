"""Writes the API does one object at a time (POST /groups, DELETE /groups/{id}), ids resolved at apply time
(a new group's members), creates applied before the rest, and undo of links that go with their group."""

from __future__ import annotations

from schoology_etl.plans import Change, Plan, apply_plan, undo_plan
from schoology_etl.plans.journal import read_journal
from tests.test_plans_sandbox import client_for


def _students(sandbox, n):
    state = sandbox.state()
    role = next(r["id"] for r in state["roles"].values() if r["title"] == "Student")
    return [u for u in state["users"].values() if u["role_id"] == role][:n]


def _member(seq, code, user, admin=0):
    return Change(seq, "link", "group_members", {"group_code": code, "school_uid": user["school_uid"]}, None,
                  {"linked": False}, {"uid": str(user["uid"]), "admin": admin, "status": 1})


def test_groups_are_created_one_request_each_and_members_join_after_them(sandbox, tmp_path):
    client = client_for(sandbox)
    students = _students(sandbox, 60)
    # 55 members of one group come before its create in the plan: a full chunk of links would go
    # out first were creates not applied first
    changes = [_member(n, "NEW-A", u) for n, u in enumerate(students[:55], 1)]
    changes += [Change(56, "create", "groups", {"group_code": "NEW-A"}, None, {},
                       {"title": "A", "group_code": "NEW-A"}),
                Change(57, "create", "groups", {"group_code": "NEW-B"}, None, {},
                       {"title": "B", "group_code": "NEW-B", "privacy_level": "group"}),
                _member(58, "NEW-B", students[0], admin=1), _member(59, "NOPE", students[1])]
    plan = Plan.write(tmp_path / "p.jsonl", changes)
    before = sandbox.counters()["by_route"]
    report = apply_plan(plan, client)
    after = sandbox.counters()["by_route"]
    assert (report.applied, report.failed) == (58, 1)
    assert after.get("POST /groups", 0) - before.get("POST /groups", 0) == 2
    assert report.failures[0]["message"] == "no group with group_code 'NOPE'"
    state = sandbox.state()
    groups = {g["group_code"]: g for g in state["groups"].values()}
    members = {(e["realm_id"], e["uid"], e["admin"]) for e in state["enrollments"].values() if e["realm"] == "group"}
    assert {(groups["NEW-A"]["id"], u["uid"], 0) for u in students[:55]} <= members
    assert (groups["NEW-B"]["id"], students[0]["uid"], 1) in members and groups["NEW-B"]["privacy_level"] == "group"

    _, entries = read_journal(tmp_path / "p.jsonl.journal.jsonl")
    undo = undo_plan(tmp_path / "p.jsonl.journal.jsonl", tmp_path / "undo.jsonl")
    assert [(c.op, c.realm) for c in undo.plan] == [("delete", "groups"), ("delete", "groups")]
    assert len(undo.plan.header.extra["undone_with_their_object"]) == 56
    assert apply_plan(undo.plan, client).applied == 2
    assert {"NEW-A", "NEW-B"}.isdisjoint(g["group_code"] for g in sandbox.state()["groups"].values())
    assert not any(e["realm"] == "group" and e["realm_id"] in (groups["NEW-A"]["id"], groups["NEW-B"]["id"])
                   for e in sandbox.state()["enrollments"].values())


def test_a_refused_single_write_is_a_failed_item_and_the_others_go_on(sandbox, tmp_path):
    client = client_for(sandbox)
    taken = next(iter(sandbox.state()["groups"].values()))["group_code"]
    plan = Plan.write(tmp_path / "p.jsonl", [
        Change(1, "create", "groups", {"group_code": taken}, None, {}, {"title": "Again", "group_code": taken}),
        Change(2, "create", "groups", {"group_code": "NEW-C"}, None, {}, {"title": "C", "group_code": "NEW-C",
                                                                           "privacy_level": "custom"}),
        Change(3, "create", "groups", {"group_code": "NEW-D"}, None, {}, {"title": "D", "group_code": "NEW-D"}),
    ])
    report = apply_plan(plan, client)
    assert (report.applied, report.failed) == (1, 2)
    assert [f["response_code"] for f in report.failures] == [409, 400]
    assert "already used" in report.failures[0]["message"] and "privacy_level" in report.failures[1]["message"]
    codes = [g["group_code"] for g in sandbox.state()["groups"].values()]
    assert codes.count(taken) == 1 and "NEW-D" in codes and "NEW-C" not in codes
