"""Workers and claims: every queued run executes exactly once, however many workers ask."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import service
from runner.execution import claims
from runner.store import Run, dispose_engines, session_scope
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env


@pytest.fixture
def db_runner_env(request: pytest.FixtureRequest, fresh_database: Callable[[str], str], tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[RunnerEnv]:
    yield make_runner_env(tmp_path, monkeypatch, fresh_database(request.param))
    kill_started_executioners()
    dispose_engines()


@pytest.mark.parametrize("db_runner_env", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_concurrent_claims_take_each_run_once(db_runner_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", "100")  # one client here; the cap is not under test
    with session_scope() as s:
        s.add_all([Run(job_id="j", client="acme", requester="t") for _ in range(40)])
    taken: list[int] = []
    lock = threading.Lock()

    def claimer(n: int) -> None:
        while (run_id := claims.claim_next(f"claimer-{n}")) is not None:
            with lock:
                taken.append(run_id)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, 41))
    with session_scope() as s:
        assert set(s.scalars(sa.select(Run.status))) == {"running"}
    assert claims.claim_run(1, "late") is False


@pytest.mark.slow
@pytest.mark.parametrize("db_runner_env", ["postgresql", "mariadb"], indirect=True)
def test_twenty_runs_three_workers_each_ran_exactly_once(db_runner_env: RunnerEnv,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", "6")  # all runs are for one client
    ledger = db_runner_env.home / "ledger.txt"
    db_runner_env.write_job("tick", f"import os\nwith open({str(ledger)!r}, 'a') as f:\n"
                                    "    f.write(os.environ['TOOLBELT_RUN_ID'] + '\\n')")
    ids = [service.create_run("tick", db_runner_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)["id"]
           for _ in range(20)]
    workers = [subprocess.Popen([sys.executable, "-m", "runner.cli", "worker", "--once", "--concurrency", "1",
                                 "--poll", "0.2"], env=os.environ.copy(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [w.communicate(timeout=600)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], outputs
    runs = [service.get_run(i) for i in ids]
    assert [r["status"] for r in runs] == ["succeeded"] * 20, [(r["id"], r["status"], r["error_class"], r["error_message"])
                                                               for r in runs if r["status"] != "succeeded"]
    assert sorted(int(x) for x in ledger.read_text().split()) == sorted(ids)
    started = [int(line.split()[-1]) for out in outputs for line in out.splitlines() if line.startswith("started run")]
    assert sorted(started) == sorted(ids)
