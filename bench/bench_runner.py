"""Benchmark: ``toolbelt run`` against bare ``papermill`` on the same trivial notebook.

Prints, as medians over several alternating rounds:

- time from starting ``toolbelt run`` to the first line the job prints (streamed from
  the store to the terminal);
- a trivial run's total time through ``toolbelt run`` and through the ``papermill``
  CLI, and their ratio (target <= 1.3);
- warm: the same through ``toolbelt run --queue`` with a ``toolbelt worker`` that keeps
  a started kernel waiting (target: ratio <= 0.5), and from Execute (``create_run``, as
  the dashboard does it) to the run's first log line in the store (target <= 1 s).

Usage: ``python bench/bench_runner.py [--rounds N]``. Works in a temporary
``TOOLBELT_HOME`` with a SQLite store; the store is created before timing starts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_raw_cell

BIN = Path(sys.executable).parent


def write_job(path: Path) -> None:
    nb = new_notebook(cells=[
        new_raw_cell("title: Bench\ntimeout: 5m\nparams:\n  n: {type: int, default: 3}\n"),
        new_code_cell("n = 3\nclient = 'bench'", metadata={"tags": ["parameters"]}),
        new_code_cell("for i in range(n):\n    print('line', i)"),
        new_code_cell("total = sum(range(n))\ntotal"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def time_toolbelt(env: dict[str, str]) -> tuple[float, float]:
    """(seconds to the first job line on stdout, seconds to exit)."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "toolbelt"), "run", "bench", "--client", "bench"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_at = time.perf_counter() - start
    proc.stdout.read()
    if proc.wait() != 0 or not first.startswith("line 0"):
        raise SystemExit(f"toolbelt run failed (exit {proc.returncode}, first line {first!r})")
    return first_at, time.perf_counter() - start


def time_toolbelt_queued(env: dict[str, str]) -> float:
    """Seconds for ``toolbelt run --queue`` (a worker executes it) to exit."""
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "toolbelt"), "run", "bench", "--client", "bench", "--queue"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if proc.returncode != 0 or "line 0" not in proc.stdout:
        raise SystemExit(f"toolbelt run --queue failed (exit {proc.returncode}): {proc.stdout[-500:]!r}")
    return time.perf_counter() - start


def time_execute_to_first_line(env: dict[str, str]) -> tuple[float, float]:
    """(Execute -> first log line of the run, Execute -> the job's own first line), in seconds."""
    os.environ.update(env)
    from runner import service

    start = time.perf_counter()
    run = service.create_run("bench", "bench", {}, "bench", dispatch=service.DISPATCH_WORKERS)
    first = job_line = None
    while job_line is None:
        lines = [ln["text"] for ln in service.iter_log(run["id"], user="bench")]
        if lines and first is None:
            first = time.perf_counter() - start
        if any(t.startswith("line 0") for t in lines):
            job_line = time.perf_counter() - start
        elif time.perf_counter() - start > 60:
            raise SystemExit("the queued run never printed")
        time.sleep(0.01)
    service.wait_for_run(run["id"], timeout=60)
    return first or job_line, job_line


def time_papermill(job: Path, out: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "papermill"), str(job), str(out), "-p", "client", "bench", "--no-progress-bar"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="toolbelt-bench-") as tmp:
        root = Path(tmp)
        (root / "jobs").mkdir()
        job = root / "jobs" / "bench.ipynb"
        write_job(job)
        env = {**os.environ, "TOOLBELT_HOME": str(root / "home"), "TOOLBELT_JOBS_DIR": str(root / "jobs"),
               "TOOLBELT_CLIENT_BENCH_KEY": secrets.token_hex(8), "TOOLBELT_CLIENT_BENCH_SECRET": secrets.token_hex(16)}
        env.pop("TOOLBELT_DB", None)
        time_toolbelt(env)  # creates and migrates the store, warms the disk cache
        time_papermill(job, root / "out.ipynb", env)
        first, total, bare = [], [], []
        for _ in range(args.rounds):
            f, t = time_toolbelt(env)
            first.append(f)
            total.append(t)
            bare.append(time_papermill(job, root / "out.ipynb", env))
        worker = subprocess.Popen([str(BIN / "toolbelt"), "worker", "--poll", "0.2"],
                                  env={**env, "TOOLBELT_WARM_KERNELS": "1"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warm, to_first, to_job = [], [], []
        try:
            time.sleep(5)  # the worker's first warm kernel
            time_toolbelt_queued(env)
            for _ in range(args.rounds):
                time.sleep(2.5)  # the worker forks a fresh warm kernel after each run
                warm.append(time_toolbelt_queued(env))
                time.sleep(2.5)
                f, j = time_execute_to_first_line(env)
                to_first.append(f)
                to_job.append(j)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        med = statistics.median
        print(f"rounds: {args.rounds} (medians; load average {os.getloadavg()[0]:.1f})")
        print(f"toolbelt run -> first job line: {med(first):.2f} s")
        print(f"toolbelt run total:             {med(total):.2f} s")
        print(f"papermill CLI total:            {med(bare):.2f} s")
        print(f"ratio toolbelt/papermill:       {med(total) / med(bare):.2f} (target <= 1.3)")
        print("warm (a worker with a started kernel waiting):")
        print(f"toolbelt run --queue total:     {med(warm):.2f} s")
        print(f"ratio warm/papermill:           {med(warm) / med(bare):.2f} (target <= 0.5)")
        print(f"Execute -> first log line:      {med(to_first):.2f} s (target <= 1 s)")
        print(f"Execute -> job's first line:    {med(to_job):.2f} s")


if __name__ == "__main__":
    main()
