"""move_users_building: users chosen by building, role, graduation year or a CSV; plan, apply, refusals."""

from __future__ import annotations

from collections import Counter

import papermill
import pytest


def _buildings(user):
    return [str(user["building_id"]), *(b for b in str(user.get("additional_buildings") or "").split(",") if b)]


def _ids(state):
    by_code = {b["building_code"]: str(k) for k, b in state["buildings"].items()}
    roles = {r["title"]: str(k) for k, r in state["roles"].items()}
    return by_code, roles


def test_default_adds_the_building_to_users_of_another(job_env):
    state = job_env.state()
    code, _ = _ids(state)
    expected = {u["school_uid"] for u in state["users"].values()
                if code["MHS"] in _buildings(u) and code["NGA"] not in _buildings(u)}
    plan = list(job_env.run("move_users_building").plan)
    assert {c.key["school_uid"] for c in plan} == expected
    by_uid = {u["school_uid"]: u for u in state["users"].values()}
    for c in plan:
        assert set(_buildings({**by_uid[c.key["school_uid"]], **c.after})) == {*_buildings(by_uid[c.key["school_uid"]]), code["NGA"]}


def test_primary_move_of_one_class_is_applied(job_env):
    start = job_env.state()
    code, roles = _ids(start)
    students = [u for u in start["users"].values() if str(u["role_id"]) == roles["Student"] and str(u["building_id"]) == code["MHS"]]
    year = Counter(u["grad_year"] for u in students).most_common(1)[0][0]
    chosen = {u["school_uid"] for u in students if u["grad_year"] == year}
    run = job_env.run("move_users_building", building="NGA", mode="primary", keep_previous=True,
                      roles=[roles["Student"]], grad_years=year, apply=True)
    assert {c.key["school_uid"] for c in run.plan} == chosen
    after = {u["school_uid"]: u for u in job_env.state()["users"].values()}
    for school_uid in chosen:
        assert _buildings(after[school_uid])[0] == code["NGA"] and code["MHS"] in _buildings(after[school_uid])
    assert {k: _buildings(u) for k, u in after.items() if k not in chosen} == {
        u["school_uid"]: _buildings(u) for u in start["users"].values() if u["school_uid"] not in chosen
    }


def test_csv_selection_and_refusals(job_env, tmp_path):
    listed = tmp_path / "who.csv"
    listed.write_text("school_uid\nS100001\nS100003\n")
    plan = list(job_env.run("move_users_building", building="CRMS", from_building="", users_csv=str(listed)).plan)
    assert sorted(c.key["school_uid"] for c in plan) == ["S100001", "S100003"]

    listed.write_text("school_uid\nS100001\nS999999\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("move_users_building", from_building="", users_csv=str(listed))
    assert "who.csv, line 3" in info.value.evalue and "'S999999'" in info.value.evalue

    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("move_users_building", building="NGX", from_building="")
    assert "parameter 'building'" in info.value.evalue and "did you mean 'NGA'" in info.value.evalue

    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("move_users_building", from_building="")
    assert "choose the users to move" in info.value.evalue
    assert len(list(job_env.work_dir.glob("**/plan.jsonl"))) == 1, "only the first run planned anything"
