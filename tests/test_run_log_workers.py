"""Lines as printed, under load: several workers on PostgreSQL and MariaDB, runs printing
lines the kernel delivers in pieces; every run's log equals what it printed, in order (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner import service
from runner.store import dispose_engines
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env

ROUNDS = 25
RUNS = 6

# print() writes its pieces separately; the explicit flushes make the kernel send a line in
# two or three messages every time, on both streams
PRINTS = (
    "import os, sys\n"
    "tag = 'r' + os.environ['TOOLBELT_RUN_ID']\n"
    f"for i in range({ROUNDS}):\n"
    "    print('count', tag, i, flush=True)\n"
    "    sys.stdout.write('part'); sys.stdout.flush(); sys.stdout.write(f' {tag} '); sys.stdout.flush()\n"
    "    sys.stdout.write(f'{i}\\n'); sys.stdout.flush()\n"
    "    sys.stderr.write('warn ' + tag); sys.stderr.flush(); sys.stderr.write(f' {i}\\n'); sys.stderr.flush()\n"
)


def expected(run_id: int) -> tuple[list[str], list[str]]:
    tag = f"r{run_id}"
    stdout = [line for i in range(ROUNDS) for line in (f"count {tag} {i}", f"part {tag} {i}")]
    return stdout, [f"warn {tag} {i}" for i in range(ROUNDS)]


@pytest.fixture
def db_env(request: pytest.FixtureRequest, fresh_database: Callable[[str], str], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[RunnerEnv]:
    yield make_runner_env(tmp_path, monkeypatch, fresh_database(request.param))
    kill_started_executioners()
    dispose_engines()


@pytest.mark.slow
@pytest.mark.parametrize("db_env", ["postgresql", "mariadb"], indirect=True)
def test_three_workers_store_every_printed_line_whole_and_in_order(db_env: RunnerEnv,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", str(RUNS))  # one client; the cap is not under test
    db_env.write_job("prints", PRINTS)
    ids = [service.create_run("prints", db_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)["id"]
           for _ in range(RUNS)]
    workers = [subprocess.Popen([sys.executable, "-m", "runner.cli", "worker", "--once", "--concurrency", "2",
                                 "--poll", "0.2"], env=os.environ.copy(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [w.communicate(timeout=600)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], outputs
    for run_id in ids:
        run = service.get_run(run_id)
        assert run["status"] == "succeeded", run
        lines = list(service.iter_log(run_id))
        stdout = [ln["text"] for ln in lines if ln["stream"] == "stdout"]
        stderr = [ln["text"] for ln in lines if ln["stream"] == "stderr"]
        assert (stdout, stderr) == expected(run_id), run_id
        assert [ln["seq"] for ln in lines] == list(range(1, len(lines) + 1))
