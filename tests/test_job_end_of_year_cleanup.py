"""end_of_year_cleanup: graduates, parents left with no active child, and empty current sections, each a part
of one plan with its own guard and each selectable; apply; undo reactivates the people (deleted sections
are listed as impossible to undo)."""

from __future__ import annotations

import datetime as dt

import papermill
import pytest

import schoology_etl as se
from schoology_etl.provisioning.users.year_end import school_year_end


def _expected(state, *, with_graduates=True):
    """What each part must find, computed from the seeded state dump."""
    role = {r["title"]: r["id"] for r in state["roles"].values()}
    users = {int(uid): u for uid, u in state["users"].items()}
    year = str(school_year_end(dt.date.today()))
    leaving = {uid for uid, u in users.items() if u["role_id"] == role["Student"] and u["grad_year"] == year}
    staying = set(users) - (leaving if with_graduates else set())
    children: dict[int, set[int]] = {}
    for link in state["parent_links"]:
        children.setdefault(link["parent_uid"], set()).add(link["student_uid"])
    parents = {uid for uid, u in users.items()
               if u["role_id"] == role["Parent"] and not children.get(uid, set()) & staying}
    students_in = {e["realm_id"] for e in state["enrollments"].values() if e["realm"] == "section" and e["admin"] == 0}
    empty = {s["id"] for s in state["sections"].values() if s["active"] and s["id"] not in students_in}
    code = {uid: u["school_uid"] for uid, u in users.items()}
    return {code[u] for u in leaving}, {code[u] for u in parents}, {str(s) for s in empty}


def _part(plan, name):
    seqs = plan.header.extra["parts"][name]
    return [c for c in plan if seqs["first_seq"] <= c.seq <= seqs["last_seq"]]


def test_three_parts_are_exactly_the_known_ones_then_apply_and_undo(job_env):
    start = job_env.state()
    graduates, parents, empty = _expected(start)
    seeded = {s["id"] for s in start["sections"].values() if s["section_code"] == "99"}
    left_behind = {u["school_uid"] for u in start["users"].values() if u["name_first"] == "Linnea"}
    assert len(seeded) == 2 and {str(s) for s in seeded} <= empty and left_behind <= parents and graduates

    run = job_env.run("end_of_year_cleanup", apply=True)
    plan = run.plan
    parts = plan.header.extra["parts"]
    assert sorted(parts, key=lambda p: parts[p]["first_seq"]) == ["graduates", "parents", "empty_sections"]
    assert {c.key["school_uid"] for c in _part(plan, "graduates")} == graduates
    assert {c.key["school_uid"] for c in _part(plan, "parents")} == parents
    assert {c.key["section_id"] for c in _part(plan, "empty_sections")} == empty
    assert len(plan) == len(graduates) + len(parents) + len(empty)

    after = job_env.state()
    inactive = {u["school_uid"] for u in after["inactive_users"].values()}
    active = {u["school_uid"] for u in after["users"].values()}
    assert graduates | parents <= inactive and not (graduates | parents) & active
    assert not empty & set(after["sections"])

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert len(undo.cannot_undo) == len(empty)
    assert undo.plan.apply(se.connect("sandbox")).applied == len(graduates) + len(parents)
    back = {u["school_uid"] for u in job_env.state()["users"].values()}
    assert back == {u["school_uid"] for u in start["users"].values()}


def test_parts_are_selectable_and_each_has_its_own_guard(job_env):
    start = job_env.state()
    graduates, _, empty = _expected(start)
    _, parents_alone, _ = _expected(start, with_graduates=False)

    only = job_env.run("end_of_year_cleanup", parts=["graduates"]).plan
    assert list(only.header.extra["parts"]) == ["graduates"] and {c.key["school_uid"] for c in only} == graduates
    alone = job_env.run("end_of_year_cleanup", parts=["parents"]).plan
    assert {c.key["school_uid"] for c in alone} == parents_alone  # graduates not leaving: only the left-behind

    for param, part, count in (("max_sections", "empty_sections", len(empty)),
                               ("max_graduates", "graduates", len(graduates))):
        with pytest.raises(papermill.PapermillExecutionError) as info:
            job_env.run("end_of_year_cleanup", **{param: count - 1})
        assert f"{part}: {count} would change, above {param} ({count - 1})" in info.value.evalue
    assert job_env.run("end_of_year_cleanup", max_sections=len(empty)).plan_path is not None
    assert job_env.state()["users"] == start["users"], "nothing applied without apply"
