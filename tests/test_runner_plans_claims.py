"""The per-client cap holds across concurrent claimers on SQLite, PostgreSQL and MariaDB,
and the plans migration upgrades a store on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner.execution import claims
from runner.store import Run, dispose_engines, get_engine, session_scope, utcnow
from tests.fixtures.runner_jobs import RunnerEnv, make_runner_env


@pytest.fixture
def db_env(request: pytest.FixtureRequest, fresh_database: Callable[[str], str], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[RunnerEnv]:
    yield make_runner_env(tmp_path, monkeypatch, fresh_database(request.param))
    dispose_engines()


@pytest.mark.parametrize("db_env", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_concurrent_claimers_respect_the_per_client_cap(db_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", "2")
    with session_scope() as s:
        s.add_all([Run(job_id="j", client="acme", requester="t") for _ in range(12)])
        s.add_all([Run(job_id="j", client="other", requester="t") for _ in range(12)])
        # a planned run whose apply waits for a process counts once it is claimed
        s.add(Run(job_id="j", client="third", requester="t", status="applying", plan_path="/p", plan_digest="d"))
    taken: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def claimer(n: int) -> None:
        barrier.wait()
        for _ in range(6):
            run_id = claims.claim_next(f"claimer-{n}")
            if run_id is not None:
                with lock:
                    taken.append(run_id)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_scope() as s:
        rows = s.execute(sa.select(Run.id, Run.client, Run.status, Run.worker_id)
                         .where(Run.worker_id.is_not(None))).all()
    by_client = {c: sorted(r.id for r in rows if r.client == c) for c in ("acme", "other", "third")}
    assert len(by_client["acme"]) == 2 and len(by_client["other"]) == 2 and len(by_client["third"]) == 1
    assert sorted(taken) == sorted(r.id for r in rows)  # each claim once
    assert by_client["acme"] == [1, 2] and by_client["other"] == [13, 14]  # oldest first
    assert claims.try_claim(3, "late") == claims.BUSY
    with get_engine().begin() as conn:  # one ends: its slot is free again
        conn.execute(sa.update(Run).where(Run.id == 1).values(status="succeeded", finished_at=utcnow()))
    assert claims.try_claim(3, "late") == claims.CLAIMED
    assert claims.try_claim(3, "later") == claims.GONE


@pytest.mark.parametrize("db_env", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_plan_columns_round_trip(db_env: RunnerEnv) -> None:
    with session_scope() as s:
        run = Run(job_id="j", client="acme", requester="t", status="planned", plan_path="/x/plan.jsonl",
                  plan_digest="a" * 64, plan_counts={"total": 2, "counts": {"users": {"update": 2}}})
        s.add(run)
        s.flush()
        run_id = run.id
    with session_scope() as s:
        run = s.get(Run, run_id)
        assert run.kind == "job" and run.plan_digest == "a" * 64 and run.applied_at is None
        run.applied_at, run.applied_by = utcnow(), "ann"
    with session_scope() as s:
        assert s.get(Run, run_id).applied_at.tzinfo is not None
