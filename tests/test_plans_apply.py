"""Apply, resume and undo on records in memory (MemoryTarget), plus property tests."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.plans import MemoryTarget, Plan, PlanIntegrityError, apply_plan, plan_changes, undo_plan
from schoology_etl.plans.diff import normalize_value
from schoology_etl.plans.journal import read_journal

FIELDS = ("position", "grad_year", "additional_buildings")


def _users(n: int) -> list[dict]:
    return [{"id": i + 1, "school_uid": f"s{i}", "position": "p", "grad_year": "2030", "additional_buildings": ""} for i in range(n)]


def _write_plan(path: Path, changes, **kw) -> Plan:
    return Plan.write(path, changes, **kw)


def _active(target: MemoryTarget, realm: str = "users") -> dict[str, dict]:
    return {r["school_uid"]: {f: normalize_value(r.get(f)) for f in FIELDS} for r in target.records.get(realm, [])}


class CountingTarget(MemoryTarget):
    """Counts how often each change is sent; can stop after the write of chunk ``stop_after``."""

    def __init__(self, records, *, stop_after: int | None = None, **kw):
        super().__init__(records, **kw)
        self.sent: Counter[int] = Counter()
        self.writes = 0
        self.stop_after = stop_after

    def write(self, realm, op, changes):
        results = super().write(realm, op, changes)
        self.sent.update(c.seq for c in changes)
        self.writes += 1
        if self.stop_after is not None and self.writes == self.stop_after:
            raise KeyboardInterrupt("killed after the write, before the journal")
        return results


def test_apply_reaches_the_planned_state_and_journals_every_change(tmp_path):
    users = _users(120)
    desired = [{"school_uid": u["school_uid"], "position": f"new{i}"} for i, u in enumerate(users)]
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes(desired, users, realm="users"))
    target = MemoryTarget({"users": users})
    report = plan.apply(target, expected_digest=plan.digest)
    assert (report.applied, report.failed, report.skipped_drifted, report.chunks) == (120, 0, 0, 3)
    assert {k: v["position"] for k, v in _active(target).items()} == {f"s{i}": f"new{i}" for i in range(120)}
    _, entries = read_journal(report.journal)
    applied = [e for e in entries if e["status"] == "applied"]
    assert len(applied) == 120 and applied[0]["before"] == {"position": "p"} and applied[0]["response"]["ok"] is True


def test_drifted_object_is_skipped_and_reported(tmp_path):
    users = _users(3)
    desired = [{"school_uid": "s1", "position": "planned"}, {"school_uid": "s2", "position": "planned"}]
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes(desired, users, realm="users"))
    target = MemoryTarget({"users": users})
    target.records["users"][1]["position"] = "edited by someone"
    report = apply_plan(plan, target)
    assert (report.applied, report.skipped_drifted) == (1, 1)
    assert report.drifted == [{"seq": 1, "key": "school_uid=s1", "field": "position", "planned": "p", "actual": "edited by someone"}]
    assert _active(target)["s1"]["position"] == "edited by someone"
    assert "edited by someone" in report._repr_html_()


def test_failed_item_is_reported_and_does_not_stop_the_others(tmp_path):
    users = _users(60)
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes([{"school_uid": u["school_uid"], "position": "x"} for u in users], users, realm="users"))
    target = MemoryTarget({"users": users}, fail=lambda c: "Invalid position" if c.key["school_uid"] == "s7" else None)
    report = apply_plan(plan, target)
    assert (report.applied, report.failed) == (59, 1)
    failure = report.failures[0]
    assert failure["message"] == "Invalid position" and failure["input"]["key"] == {"school_uid": "s7"} and failure["response_code"] == 400
    assert _active(target)["s8"]["position"] == "x"


def test_retry_failed_sends_only_the_refused_changes_again(tmp_path):
    users = _users(60)
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes([{"school_uid": u["school_uid"], "position": "x"} for u in users], users, realm="users"))
    refused = {"s7", "s41"}
    target = CountingTarget({"users": users}, fail=lambda c: "Invalid position" if c.key["school_uid"] in refused else None)
    first = apply_plan(plan, target)
    assert (first.applied, first.failed) == (58, 2)
    again = apply_plan(plan, target, journal=first.journal)  # a plain resume never sends anything twice
    assert (again.applied, again.failed, again.resumed_skipped) == (0, 0, 60)
    refused.clear()  # the fix
    target.sent.clear()
    retried = apply_plan(plan, target, journal=first.journal, retry_failed=True)
    assert (retried.applied, retried.failed, retried.resumed_skipped) == (2, 0, 58)
    assert sorted(target.sent) == [8, 42] and set(target.sent.values()) == {1}
    assert {v["position"] for v in _active(target).values()} == {"x"}


@pytest.mark.parametrize("where", ["between chunks", "after the write, before the journal"])
def test_interrupted_apply_resumes_and_applies_each_change_once(tmp_path, where):
    users = _users(230)
    desired = [{"school_uid": u["school_uid"], "grad_year": "2031"} for u in users]
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes(desired, users, realm="users"))
    target = CountingTarget({"users": users}, stop_after=3 if where != "between chunks" else None)

    def stop(report):
        if where == "between chunks" and report.chunks == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, target, on_chunk=stop)
    target.stop_after = None
    report = apply_plan(plan, target)
    assert set(target.sent) == set(range(1, 231)) and max(target.sent.values()) == 1
    assert all(v["grad_year"] == "2031" for v in _active(target).values())
    assert report.resumed_skipped == (100 if where == "between chunks" else 100)
    assert report.recovered == (0 if where == "between chunks" else 50)
    again = apply_plan(plan, target)
    assert (again.applied, again.resumed_skipped, again.requests) == (0, 230, 0)


def test_resume_ignores_a_torn_last_journal_line(tmp_path):
    users = _users(60)
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes([{"school_uid": u["school_uid"], "position": "x"} for u in users], users, realm="users"))
    target = CountingTarget({"users": users})

    def stop(report):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, target, on_chunk=stop)
    journal = tmp_path / "p.jsonl.journal.jsonl"
    with open(journal, "a") as fh:
        fh.write('{"seq": 51, "status": "appl')
    report = apply_plan(plan, target)
    assert (report.resumed_skipped, report.applied) == (50, 10)
    assert max(target.sent.values()) == 1
    _, entries = read_journal(journal)
    assert sum(1 for e in entries if e["status"] == "applied") == 60


def test_journal_of_another_plan_is_refused(tmp_path):
    users = _users(2)
    a = _write_plan(tmp_path / "a.jsonl", plan_changes([{"school_uid": "s0", "position": "a"}], users, realm="users"))
    b = _write_plan(tmp_path / "b.jsonl", plan_changes([{"school_uid": "s0", "position": "b"}], users, realm="users"))
    report = apply_plan(a, MemoryTarget({"users": users}))
    with pytest.raises(PlanIntegrityError, match="another plan"):
        apply_plan(b, MemoryTarget({"users": users}), journal=report.journal)


def test_undo_restores_updates_creates_and_deletes(tmp_path):
    users = _users(5)
    desired = [{"school_uid": "s0", "position": "changed"}, {"school_uid": "s1"}, {"school_uid": "s2"}, {"school_uid": "s3"},
               {"school_uid": "new", "position": "fresh"}]
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes(desired, users, realm="users", delete_missing=True))
    assert plan.header.counts == {"users": {"update": 1, "create": 1, "delete": 1}}
    target = MemoryTarget({"users": users})
    start = _active(target)
    report = apply_plan(plan, target)
    assert report.applied == 3 and "new" in _active(target) and "s4" not in _active(target)
    undo = undo_plan(report.journal, tmp_path / "undo.jsonl")
    assert undo.cannot_undo == []
    assert undo.plan.header.counts == {"users": {"update": 1, "delete": 1, "reactivate": 1}}
    assert undo.plan.header.extra["undo_of"]["plan_digest"] == plan.digest
    back = apply_plan(undo.plan, target)
    assert back.applied == 3 and _active(target) == start


def test_undo_lists_what_cannot_be_undone(tmp_path):
    sections = [{"id": 1, "section_school_code": "A", "title": "t"}]
    plan = _write_plan(tmp_path / "p.jsonl", plan_changes([], sections, realm="sections", key="section_school_code", delete_missing=True))
    report = apply_plan(plan, MemoryTarget({"sections": sections}))
    undo = undo_plan(report.journal, tmp_path / "undo.jsonl")
    assert len(undo.plan) == 0 and undo.cannot_undo[0]["key"] == {"section_school_code": "A"}
    assert "cannot be restored" in undo.cannot_undo[0]["reason"]
    assert json.loads(Path(tmp_path / "undo.jsonl").read_text().splitlines()[0])["extra"]["cannot_undo"] == undo.cannot_undo
    assert "Cannot be undone (1)" in undo.plan._repr_html_()


values = st.one_of(st.none(), st.sampled_from(["", "a", "b", "1,2", "2031"]), st.integers(0, 3))
record_fields = st.fixed_dictionaries({}, optional={f: values for f in FIELDS})


@st.composite
def scenarios(draw):
    n = draw(st.integers(0, 30))
    current = [{"id": i + 1, "school_uid": f"s{i}", **draw(record_fields)} for i in range(n)]
    keys = draw(st.lists(st.sampled_from([f"s{i}" for i in range(n + 10)]), unique=True, max_size=n + 10)) if n + 10 else []
    desired = [{"school_uid": k, **draw(record_fields)} for k in keys]
    return current, desired, draw(st.booleans())


def _expected(current, desired, delete_missing):
    now = {r["school_uid"]: {f: normalize_value(r.get(f)) for f in FIELDS} for r in current}
    out = {} if delete_missing else dict(now)
    for d in desired:
        base = now.get(d["school_uid"], {f: "" for f in FIELDS})
        out[d["school_uid"]] = {**base, **{f: normalize_value(d[f]) for f in FIELDS if f in d}}
    return out


@settings(max_examples=60)
@given(scenarios(), st.integers(1, 50))
def test_property_apply_reaches_desired_state_and_undo_returns_to_start(scenario, chunk):
    current, desired, delete_missing = scenario
    with tempfile.TemporaryDirectory() as tmp:
        plan = _write_plan(Path(tmp) / "p.jsonl", plan_changes(desired, current, realm="users", delete_missing=delete_missing))
        target = MemoryTarget({"users": current})
        start = _active(target)
        report = apply_plan(plan, target, chunk_size=chunk)
        assert report.failed == report.skipped_drifted == 0
        assert report.applied == len(plan)
        assert _active(target) == _expected(current, desired, delete_missing)
        undo = undo_plan(report.journal, Path(tmp) / "undo.jsonl")
        assert undo.cannot_undo == []
        assert apply_plan(undo.plan, target, chunk_size=chunk).applied == len(plan)
        assert _active(target) == start


@settings(max_examples=30)
@given(scenarios(), st.integers(1, 20), st.integers(1, 6), st.booleans())
def test_property_killed_apply_resumed_applies_every_change_exactly_once(scenario, chunk, kill_at, after_write):
    current, desired, delete_missing = scenario
    with tempfile.TemporaryDirectory() as tmp:
        plan = _write_plan(Path(tmp) / "p.jsonl", plan_changes(desired, current, realm="users", delete_missing=delete_missing))
        target = CountingTarget({"users": current}, stop_after=kill_at if after_write else None)
        seen = iter(range(1, 10_000))

        def stop(report):
            if not after_write and next(seen) == kill_at:
                raise KeyboardInterrupt

        try:
            apply_plan(plan, target, chunk_size=chunk, on_chunk=stop)
        except KeyboardInterrupt:
            pass
        target.stop_after = None
        report = apply_plan(plan, target, chunk_size=chunk)
        assert report.failed == report.skipped_drifted == 0
        assert sorted(target.sent) == list(range(1, len(plan) + 1)) and all(n == 1 for n in target.sent.values())
        assert _active(target) == _expected(current, desired, delete_missing)
