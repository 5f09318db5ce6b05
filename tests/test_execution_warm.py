"""Warm runs: a worker keeps a started kernel with the library imported; each run gets a fresh one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from runner import service
from tests.fixtures.runner_jobs import RunnerEnv, poll_until

PROBE = (
    "import json, os, sys\n"
    "print(json.dumps({'preloaded': 'schoology_etl' in sys.modules, 'cwd': os.getcwd(),\n"
    "                  'run': os.environ.get('TOOLBELT_RUN_ID'), 'out': os.environ.get('TOOLBELT_OUTPUT_DIR'),\n"
    "                  'leftover': 'leftover' in globals(), 'store_url_in_env': 'TOOLBELT_DB' in os.environ}))\n"
    "leftover = 1"
)


def _lines(run_id: int) -> list[str]:
    return [ln["text"] for ln in service.iter_log(run_id)]


def test_a_worker_runs_jobs_on_warm_kernels_in_the_runs_own_folder(runner_env: RunnerEnv) -> None:
    runner_env.write_job("probe", PROBE)
    worker = subprocess.Popen([sys.executable, "-m", "runner.cli", "worker", "--poll", "0.2"],
                              env=dict(os.environ, TOOLBELT_WARM_KERNELS="2"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        probes = []
        for _ in range(10):  # the first ones may start before a warm kernel is ready
            run = service.create_run("probe", runner_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)
            done = poll_until(lambda rid=run["id"]: (r := service.get_run(rid))["status"] in ("succeeded", "failed") and r,
                              timeout=120)
            assert done["status"] == "succeeded", (done["error_class"], done["error_message"], _lines(run["id"]))
            lines = _lines(run["id"])
            probe = json.loads(next(t for t in lines if t.startswith("{")))
            probes.append((run["id"], "started on a waiting kernel (the library already imported)" in lines, probe))
            if len([p for p in probes if p[1]]) >= 2:
                break
        warm = [(rid, p) for rid, is_warm, p in probes if is_warm]
        assert len(warm) >= 2, probes
        for run_id, p in warm:
            assert p["preloaded"] is True
            assert p["run"] == str(run_id)
            assert p["out"] == p["cwd"] and p["cwd"].endswith(f"runs/{run_id}/outputs")
            assert p["leftover"] is False  # a kernel serves one run: nothing carries over
            assert p["store_url_in_env"] is False  # as for a cold run: no store password in the job's environment
    finally:
        worker.send_signal(signal.SIGTERM)
        out = worker.communicate(timeout=60)[0].decode()
    assert worker.returncode == 0, out


def test_without_warm_kernels_runs_start_cold_and_still_succeed(runner_env: RunnerEnv) -> None:
    runner_env.write_job("probe", PROBE)
    run = service.create_run("probe", runner_env.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)
    worker = subprocess.run([sys.executable, "-m", "runner.cli", "worker", "--once", "--poll", "0.2"],
                            env=dict(os.environ, TOOLBELT_WARM_KERNELS="0"), capture_output=True, timeout=180)
    assert worker.returncode == 0, worker.stdout.decode() + worker.stderr.decode()
    lines = _lines(run["id"])
    probe = json.loads(next(t for t in lines if t.startswith("{")))
    assert service.get_run(run["id"])["status"] == "succeeded"
    assert not any("waiting kernel" in t for t in lines)
    assert probe["run"] == str(run["id"]) and probe["cwd"] == probe["out"]
