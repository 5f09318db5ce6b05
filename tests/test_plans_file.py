"""Plan files: streaming write, header summary and sample, digest, immutability, CSV, HTML."""

from __future__ import annotations

import csv
import json
import os
import stat
import tracemalloc

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.plans import Change, Plan, PlanIntegrityError, PlanSink, PlanWriter, plan_changes


def _update(i: int, realm: str = "users") -> Change:
    return Change(0, "update", realm, {"school_uid": f"s{i}"}, i, {"position": "old"}, {"position": f"new{i}"})


def test_writer_numbers_changes_counts_and_samples(tmp_path):
    path = tmp_path / "p.plan.jsonl"
    with PlanWriter(path, base_url="http://key:secret@127.0.0.1:9/v1?oauth_token=x", sample_size=5, job="demo") as w:
        for i in range(30):
            w.write(_update(i))
        w.write(Change(0, "create", "sections", {"section_school_code": "X"}, None, {}, {"title": "T"}))
    plan = Plan(path)
    assert plan.header.total == 31 and len(plan) == 31
    assert plan.header.counts == {"users": {"update": 30}, "sections": {"create": 1}}
    assert plan.header.base_url == "http://127.0.0.1:9/v1"
    assert [c.seq for c in plan] == list(range(1, 32))
    sample = plan.sample()
    assert len(sample) == 5 and [c.seq for c in sample] == sorted(c.seq for c in sample)
    assert plan.header.job == "demo"
    assert "secret" not in path.read_text()


def test_closed_plan_is_read_only_and_never_overwritten(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(_update(1))
    assert not os.stat(path).st_mode & stat.S_IWUSR
    with pytest.raises(ConfigurationError, match="already exists"):
        PlanWriter(path)


def test_aborted_plan_leaves_no_file(tmp_path):
    path = tmp_path / "p.jsonl"
    with pytest.raises(RuntimeError):
        with PlanWriter(path) as w:
            w.write(_update(1))
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_digest_detects_a_changed_plan(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(_update(1))
        w.write(_update(2))
    plan = Plan(path)
    reviewed = plan.digest
    assert plan.verify(reviewed) == reviewed
    os.chmod(path, 0o644)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("new2", "evil")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PlanIntegrityError, match="modified"):
        Plan(path).verify()
    with pytest.raises(PlanIntegrityError):
        Plan(path).verify(reviewed)


def test_verify_refuses_a_different_reviewed_digest(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(_update(1))
    with pytest.raises(PlanIntegrityError, match="not the reviewed plan"):
        Plan(path).verify("0" * 64)


def test_csv_has_one_row_per_changed_field(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(Change(0, "update", "users", {"school_uid": "a"}, 5, {"position": "x", "grad_year": 2020}, {"position": "y", "grad_year": 2021}))
        w.write(Change(0, "delete", "users", {"school_uid": "b"}, 6, {"id": 6, "name_first": "B"}, {}))
    rows = list(csv.DictReader(open(Plan(path).to_csv(tmp_path / "p.csv"), encoding="utf-8")))
    assert [(r["seq"], r["field"], r["before"], r["after"]) for r in rows] == [
        ("1", "grad_year", "2020", "2021"), ("1", "position", "x", "y"), ("2", "", json.dumps({"id": 6, "name_first": "B"}, sort_keys=True), "")]
    assert rows[0]["key"] == "school_uid=a" and rows[0]["op"] == "update"


def test_html_summary_escapes_values(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(Change(0, "update", "users", {"school_uid": "<b>"}, 1, {"bio": "<script>"}, {"bio": "ok"}))
    html = Plan(path)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "1 user updated: bio (1)" in html and "&lt;b&gt;" in html


def test_bad_plan_file_names_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    with PlanWriter(path) as w:
        w.write(_update(1))
    os.chmod(path, 0o644)
    with open(path, "a") as fh:
        fh.write("{not json\n")
    with pytest.raises(ConfigurationError, match=r"p.jsonl, line 3"):
        list(Plan(path))
    (tmp_path / "x.jsonl").write_text('{"format": "other"}\n')
    with pytest.raises(ConfigurationError, match="not a plan header"):
        Plan(tmp_path / "x.jsonl")


def _peak_memory_of_plan(path, n):
    tracemalloc.start()
    try:
        with PlanWriter(path) as w:
            for i in range(n):
                w.write(_update(i))
        assert sum(1 for _ in Plan(path)) == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writing_and_reading_a_plan_holds_flat_memory(tmp_path):
    small = _peak_memory_of_plan(tmp_path / "small.jsonl", 1_000)
    big = _peak_memory_of_plan(tmp_path / "big.jsonl", 8_000)
    assert big < small * 1.5  # eight times the changes, about the same memory
    assert big < (tmp_path / "big.jsonl").stat().st_size / 2


def test_plan_changes_diffs_by_key_and_field():
    current = [{"school_uid": "a", "id": 1, "position": "x", "grad_year": "2020"},
               {"school_uid": "b", "id": 2, "position": "y"}]
    desired = [{"school_uid": "a", "position": "x", "grad_year": 2021}, {"school_uid": "c", "name_first": "C"}]
    changes = list(plan_changes(desired, current, realm="users", delete_missing=True))
    assert [(c.seq, c.op, c.id, c.before, c.after) for c in changes] == [
        (1, "update", 1, {"grad_year": "2020"}, {"grad_year": 2021}),
        (2, "create", None, {}, {"school_uid": "c", "name_first": "C"}),
        (3, "delete", 2, {"school_uid": "b", "id": 2, "position": "y"}, {}),
    ]
    assert current[0] == {"school_uid": "a", "id": 1, "position": "x", "grad_year": "2020"}


def test_plan_changes_rejects_duplicate_and_missing_keys():
    with pytest.raises(RecordError, match="appears twice"):
        list(plan_changes([{"school_uid": "a"}, {"school_uid": "a"}], [], realm="users"))
    with pytest.raises(RecordError, match="no key field 'school_uid'") as info:
        list(plan_changes([{"name": "x"}], [], realm="users"))
    assert info.value.index == 0


def test_plan_sink_streams_desired_records_into_a_plan(tmp_path):
    current = [{"school_uid": "a", "id": 1, "position": "x"}, {"school_uid": "b", "id": 2, "position": "y"}]
    with PlanSink(tmp_path / "p.jsonl", realm="users", current=current, batch_size=2, job="j") as sink:
        sink.write_many([{"school_uid": "a", "position": "x"}, {"school_uid": "b", "position": "z"}, {"school_uid": "c", "position": "w"}])
    plan = sink.plan
    assert [(c.op, c.key, c.after) for c in plan] == [
        ("update", {"school_uid": "b"}, {"position": "z"}),
        ("create", {"school_uid": "c"}, {"school_uid": "c", "position": "w"}),
    ]
    assert plan.header.current_counts == {"users": 2}
    assert [r.extra.get("op") for r in sink.results] == [None, "update", "create"]


def test_plan_sink_with_lookup_calls_it_per_batch(tmp_path):
    calls = []

    def lookup(realm, keys):
        calls.append([k["school_uid"] for k in keys])
        return {(k["school_uid"],): {"school_uid": k["school_uid"], "id": 9, "position": ""} for k in keys}

    with PlanSink(tmp_path / "p.jsonl", realm="users", lookup=lookup, batch_size=2) as sink:
        sink.write_many({"school_uid": f"u{i}", "position": "p"} for i in range(3))
    assert calls == [["u0", "u1"], ["u2"]]
    assert sink.plan.header.counts == {"users": {"update": 3}}
