"""merge_duplicate_users: the demo district's active duplicate pairs merged exactly, undo, refusals naming the row."""

from __future__ import annotations

from collections import Counter

import papermill
import pytest

import schoology_etl as se


def _places(state, uid):
    return {
        (e["realm"], e["realm_id"]): (e["admin"], e["status"])
        for e in state["enrollments"].values()
        if str(e["uid"]) == uid
    }


def _all_enrollments(state):
    return Counter(
        (e["realm"], e["realm_id"], e["uid"], e["admin"], e["status"]) for e in state["enrollments"].values()
    )


def _links(state):
    return {(str(link["student_uid"]), str(link["parent_uid"])) for link in state["parent_links"]}


def test_merges_the_known_active_pairs_and_undo_restores_them(job_env):
    start = job_env.state()
    pairs = [(str(p["keep"]), str(p["other"])) for p in start["seeded_duplicates"] if str(p["other"]) in start["users"]]
    assert len(pairs) == 4  # three near-duplicate students and the parent with two accounts
    moved_links = {(s, p) for s, p in _links(start) if s in dict(pairs).values() or p in dict(pairs).values()}
    assert moved_links and any(_places(start, other) for _, other in pairs)

    run = job_env.run("merge_duplicate_users", apply=True)  # no file: the duplicates found in the district now
    assert "4 pairs to merge; 2 report groups skipped" in run.text()
    plan = list(run.plan)
    assert run.plan.header.extra.get("in_order") is True
    assert [c.op for c in plan][-4:] == ["delete"] * 4 and "delete" not in [c.op for c in plan][:-4]

    state = job_env.state()
    to_keep = {other: keep for keep, other in pairs}
    for keep, other in pairs:
        assert other in state["inactive_users"] and keep in state["users"]
        assert _places(state, other) == {}
        assert _places(state, keep) == {**_places(start, other), **_places(start, keep)}
    assert _links(state) == {(to_keep.get(s, s), to_keep.get(p, p)) for s, p in _links(start)}
    pta = next(g for g in start["groups"].values() if g["group_code"] == "GRP-PTA")
    parent_keep, parent_other = next((k, o) for k, o in pairs if start["users"][k]["school_uid"].startswith("P"))
    assert ("group", pta["id"]) in _places(start, parent_other) and ("group", pta["id"]) in _places(state, parent_keep)

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert not undo.cannot_undo
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.failed == 0 and report.skipped_drifted == 0, report.failures
    after = job_env.state()
    assert set(after["users"]) == set(start["users"]) and set(after["inactive_users"]) == set(start["inactive_users"])
    assert _all_enrollments(after) == _all_enrollments(start)
    assert _links(after) == _links(start)


def test_refuses_bad_pairs_naming_the_row_and_writes_no_plan(job_env, tmp_path):
    state = job_env.state()
    keep, other = (str(state["seeded_duplicates"][0][k]) for k in ("keep", "other"))
    third = next(uid for uid in state["users"] if uid not in (keep, other))
    cases = {
        f"keep_uid,merge_uid\n{keep},{other}\n{keep},999999\n": "line 3: column 'merge_uid': no user with uid '999999'",
        f"keep_uid,merge_uid\n{keep},{keep}\n": "line 2: keep and merge name the same user",
        f"keep_uid,merge_uid\n{keep},{other}\n{third},{other}\n": f"line 3: user {other} ",
    }
    for n, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"pairs{n}.csv"
        path.write_text(text)
        with pytest.raises(papermill.PapermillExecutionError) as info:
            job_env.run("merge_duplicate_users", pairs_csv=str(path))
        assert info.value.ename == "SourceFormatError" and message in info.value.evalue, info.value.evalue
    assert "in two pairs (also on line 2)" in info.value.evalue
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("merge_duplicate_users", max_pairs=3)
    assert info.value.ename == "ConfigurationError" and "4 pairs to merge, above max_pairs 3" in info.value.evalue
    assert not list(job_env.work_dir.glob("**/plan.jsonl"))
