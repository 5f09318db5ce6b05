"""write_plan: the call a mutating job makes."""

import schoology_etl as se
from schoology_etl.plans import MemoryTarget


def _changes():
    current = [{"school_uid": "a", "id": 1, "position": "x"}, {"school_uid": "b", "id": 2, "position": "y"}]
    desired = [{"school_uid": "a", "position": "z"}, {"school_uid": "b", "position": "y"}]
    return list(se.plan_changes(desired, current, realm="users")), current


def test_write_plan_lands_in_the_run_output_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_OUTPUT_DIR", str(tmp_path))
    changes, _ = _changes()
    plan = se.write_plan(changes, job="demo")
    assert plan.path == tmp_path / "plan.jsonl"
    assert len(plan) == 1 and plan.header.job == "demo"
    assert [c.after for c in plan] == [{"position": "z"}]


def test_a_second_plan_keeps_the_first_and_its_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLBELT_OUTPUT_DIR", str(tmp_path))
    changes, _ = _changes()
    first = se.write_plan(changes)
    journal = tmp_path / "plan.jsonl.journal.jsonl"
    journal.write_text("{}\n")
    digest = first.digest
    second = se.write_plan(changes)
    assert second.path == tmp_path / "plan.jsonl"
    assert se.Plan(tmp_path / "plan.1.jsonl").digest == digest
    assert (tmp_path / "plan.1.jsonl.journal.jsonl").read_text() == "{}\n"
    assert not journal.exists()


def test_written_plan_applies_to_its_target(tmp_path):
    changes, current = _changes()
    plan = se.write_plan(changes, path=tmp_path / "p.jsonl")
    target = MemoryTarget({"users": current})
    report = plan.apply(target)
    assert report.applied == 1
