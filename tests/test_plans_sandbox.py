"""Plan, apply, resume and undo against the sandbox over real HTTP."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.plans import Plan, PlanSink, PlanWriter, apply_plan, plan_changes, undo_plan
from schoology_etl.plans.drift import ClientReader
from schoology_etl.plans.journal import read_journal


def client_for(srv: Any, cls: type = SchoologyClient, **options: Any) -> SchoologyClient:
    creds = Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret)
    options.setdefault("rate_limit", srv.config.rate_limit or 1000)
    options.setdefault("rate_window", srv.config.rate_window)
    return cls(creds, **options)


def dump(srv: Any) -> dict[str, Any]:
    """The sandbox's full state, without its change counter."""
    state = srv.state()
    state.pop("version", None)
    return state


def _ids(text: Any) -> set[str]:
    return {p.strip() for p in str(text or "").split(",") if p.strip()}


def parent_buildings(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Desired parents: each gets the buildings of their children (behaviour ``add``)."""
    by_uid = {str(u["uid"]): u for u in users}
    out = []
    for parent in users:
        children = [by_uid[c] for c in _ids(parent.get("child_uids")) if c in by_uid]
        if not children:
            continue
        wanted = _ids(parent.get("additional_buildings"))
        for child in children:
            wanted |= {str(child["building_id"])} | _ids(child.get("additional_buildings"))
        wanted.discard(str(parent["building_id"]))
        out.append({"school_uid": parent["school_uid"], "additional_buildings": ",".join(sorted(wanted))})
    return out


def plan_parent_buildings(client: SchoologyClient, path: Any) -> Plan:
    users = list(client.iter_records("users"))
    with PlanSink(path, realm="users", current=users, base_url=client.credentials.base_url, job="update_parent_buildings") as sink:
        sink.write_many(parent_buildings(users))
    return sink.plan


def test_apply_leaves_the_sandbox_exactly_as_the_plan_said(sandbox, tmp_path):
    client = client_for(sandbox)
    plan = plan_parent_buildings(client, tmp_path / "p.jsonl")
    assert plan.header.counts["users"]["update"] > 5
    assert plan.header.base_url == sandbox.base_url and sandbox.secret not in plan.path.read_text()
    before = dump(sandbox)
    report = plan.apply(client, expected_digest=plan.digest)
    assert (report.applied, report.failed, report.skipped_drifted) == (len(plan), 0, 0)
    expected = before
    for change in plan:
        expected["users"][str(change.id)].update(change.after)
    assert dump(sandbox) == expected
    rows = Plan(plan.path).to_csv(tmp_path / "p.csv").read_text().splitlines()
    assert rows[0] == "seq,op,realm,key,id,field,before,after" and len(rows) == len(plan) + 1


@pytest.mark.parametrize("drift", ["auto", "filter", "multiget", "snapshot"])
def test_object_changed_since_planning_is_skipped_and_reported(sandbox, tmp_path, drift):
    client = client_for(sandbox)
    plan = plan_parent_buildings(client, tmp_path / "p.jsonl")
    victim = next(iter(plan))
    other_building = next(b for b in sandbox.state()["buildings"] if b not in _ids(victim.after["additional_buildings"]))
    client.update("users", [{"id": victim.id, "additional_buildings": other_building}])
    report = apply_plan(plan, client, drift=drift)
    assert report.skipped_drifted == 1 and report.applied == len(plan) - 1
    assert report.drifted == [{"seq": victim.seq, "key": victim.key_text, "field": "additional_buildings",
                               "planned": victim.before["additional_buildings"], "actual": other_building}]
    assert sandbox.state()["users"][str(victim.id)]["additional_buildings"] == other_building


def test_csvexport_drift_reads_catch_a_change_in_one_request(sandbox, tmp_path):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))
    plan_path = tmp_path / "p.jsonl"
    with PlanSink(plan_path, realm="users", current=users) as sink:
        sink.write_many({"school_uid": u["school_uid"], "position": f"Role {i}"} for i, u in enumerate(users))
    victim = next(iter(sink.plan))
    client.update("users", [{"id": victim.id, "position": "Edited"}])
    report = apply_plan(sink.plan, client)
    assert report.skipped_drifted == 1 and report.drifted[0]["actual"] == "Edited"
    assert sandbox.counters()["by_route"]["GET /csvexport/users"] == 1


class KilledAfterWrites(SchoologyClient):
    """A real client whose process 'dies' right after its 3rd bulk write reached the API."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = itertools.count(1)

    def bulk(self, *args: Any, **kwargs: Any) -> Any:
        results = super().bulk(*args, **kwargs)
        if next(self.calls) == 3:
            raise KeyboardInterrupt("killed after the write, before the journal")
        return results


@pytest.mark.parametrize("where", ["between chunks", "after a write, before its journal"])
def test_killed_apply_resumes_and_applies_every_change_exactly_once(sandbox, tmp_path, where):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))
    with PlanSink(tmp_path / "p.jsonl", realm="users", current=users) as sink:
        sink.write_many({"school_uid": u["school_uid"], "grad_year": "2040"} for u in users)
    plan = sink.plan
    chunks = -(-len(plan) // 20)
    puts_before = sandbox.counters()["by_route"].get("PUT /users", 0)

    seen = itertools.count(1)

    def stop(report):
        if where == "between chunks" and next(seen) == 3:
            raise KeyboardInterrupt

    first = client_for(sandbox, KilledAfterWrites) if where != "between chunks" else client
    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, first, chunk_size=20, on_chunk=stop, drift="filter")
    _, entries = read_journal(plan.path.with_name(plan.path.name + ".journal.jsonl"))
    done_first = {e["seq"] for e in entries if e["status"] != "pending"}
    assert 40 <= len(done_first) < len(plan)
    report = apply_plan(plan, client, chunk_size=20, drift="filter")
    assert report.resumed_skipped == len(done_first)
    assert report.recovered == (0 if where == "between chunks" else 20)
    assert sandbox.counters()["by_route"]["PUT /users"] - puts_before == chunks
    _, entries = read_journal(report.journal)
    applied = [e["seq"] for e in entries if e["status"] == "applied"]
    assert sorted(applied) == list(range(1, len(plan) + 1))
    assert all(u["grad_year"] == "2040" for u in sandbox.state()["users"].values())


def test_undo_restores_the_full_state_dump(sandbox, tmp_path):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))
    desired = parent_buildings(users)
    desired[0] = {**desired[0], "position": "Guardian"}
    plan_path = tmp_path / "p.jsonl"
    with PlanSink(plan_path, realm="users", current=users) as sink:
        sink.write_many(desired)
    before = dump(sandbox)
    report = apply_plan(sink.plan, client)
    assert report.applied == len(sink.plan) and dump(sandbox) != before
    undo = undo_plan(report.journal, tmp_path / "undo.jsonl")
    assert undo.cannot_undo == [] and len(undo.plan) == len(sink.plan)
    back = undo.plan.apply(client, expected_digest=undo.plan.digest)
    assert (back.applied, back.skipped_drifted, back.failed) == (len(sink.plan), 0, 0)
    assert dump(sandbox) == before


def test_undo_of_created_and_deleted_users(sandbox, tmp_path):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))
    gone = users[1]
    new = {"school_uid": "NEW1", "name_first": "New", "name_last": "Kid", "role_id": users[0]["role_id"], "username": "new.kid1"}
    with PlanWriter(tmp_path / "p.jsonl") as w:
        w.write_many(plan_changes([new], [], realm="users"))
        w.write_many(plan_changes([], [gone], realm="users", delete_missing=True))
    plan = Plan(tmp_path / "p.jsonl")
    assert plan.header.counts == {"users": {"create": 1, "delete": 1}}
    before = dump(sandbox)
    report = apply_plan(plan, client)
    assert report.applied == 2
    assert str(gone["uid"]) in sandbox.state()["inactive_users"]
    undo = undo_plan(report.journal, tmp_path / "undo.jsonl")
    assert undo.plan.header.counts == {"users": {"delete": 1, "reactivate": 1}}
    assert apply_plan(undo.plan, client).applied == 2
    after = dump(sandbox)
    assert after["users"] == before["users"]
    newly_inactive = [u["school_uid"] for k, u in after["inactive_users"].items() if k not in before["inactive_users"]]
    assert newly_inactive == ["NEW1"]  # Schoology keeps a deleted user as inactive


def test_failed_bulk_item_is_reported_with_message_and_input_and_others_apply(sandbox, tmp_path):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))
    desired = parent_buildings(users)
    desired[1] = {**desired[1], "additional_buildings": "999999"}
    with PlanSink(tmp_path / "p.jsonl", realm="users", current=users) as sink:
        sink.write_many(desired)
    report = apply_plan(sink.plan, client)
    assert report.failed == 1 and report.applied == len(sink.plan) - 1
    failure = report.failures[0]
    assert failure["response_code"] == 404 and "999999" in failure["message"]
    assert failure["input"]["after"] == {"additional_buildings": "999999"} and failure["input"]["key"] == {"school_uid": desired[1]["school_uid"]}
    assert "999999" in report._repr_html_()
    state = sandbox.state()["users"]
    assert all(state[str(c.id)]["additional_buildings"] == c.after["additional_buildings"] for c in sink.plan if c.seq != failure["seq"])


def test_plan_sink_looks_up_current_users_50_keys_per_request(sandbox, tmp_path):
    client = client_for(sandbox)
    users = list(client.iter_records("users"))[:120]
    reads_before = sandbox.counters()["by_route"]["GET /users"]
    with PlanSink(tmp_path / "p.jsonl", realm="users", lookup=ClientReader(client).lookup, batch_size=50) as sink:
        sink.write_many({"school_uid": u["school_uid"], "position": "Counselor"} for u in users)
        sink.write({"school_uid": "NOPE", "name_first": "N", "name_last": "P"})
    assert sandbox.counters()["by_route"]["GET /users"] - reads_before == 3
    assert sink.plan.header.counts == {"users": {"update": 120, "create": 1}}
    assert next(iter(sink.plan)).before == {"position": users[0]["position"]}
