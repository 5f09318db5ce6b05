"""Benchmark: the run log writer's cost per printed line, with the line joining of issue 16.

Feeds ``--lines`` printed lines, each in three pieces (as ``print`` and the kernel may
deliver them), through :class:`runner.execution.logwriter.LogWriter` with five secret
values to mask, inserting into a SQLite store every 100 lines (the monitor's tick
inserts what arrived in 0.1 s). As a baseline the same lines are written whole on a
stream that is not joined (``display``). Prints lines per second for both.

Usage: ``python bench/bench_runlog.py [--lines N]``. Works in a temporary ``TOOLBELT_HOME``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["TOOLBELT_HOME"] = home
        os.environ["TOOLBELT_DB"] = f"sqlite:///{home}/toolbelt.db"
        from runner.execution.logwriter import LogWriter
        from runner.execution.scrub import Scrubber
        from runner.store import Run, session_scope

        with session_scope() as s:
            runs = [Run(job_id="bench", client="bench", requester="bench") for _ in range(2)]
            s.add_all(runs)
            s.flush()
            ids = [r.id for r in runs]
        scrubber = Scrubber([f"secret-value-{i}-0123456789abcdef" for i in range(5)])

        def feed(run_id: int, joined: bool) -> float:
            writer = LogWriter(run_id, scrubber)
            started = time.perf_counter()
            for i in range(args.lines):
                if joined:
                    writer.write("stdout", "count")
                    writer.write("stdout", f" r{run_id} ")
                    writer.write("stdout", f"{i}\n")
                else:
                    writer.write("display", f"count r{run_id} {i}\n")
                if i % 100 == 99:
                    writer.flush()
            writer.close()
            return args.lines / (time.perf_counter() - started)

        baseline = feed(ids[0], joined=False)
        joined = feed(ids[1], joined=True)
        print(f"lines written whole (not joined): {baseline:,.0f} lines/s")
        print(f"lines in three pieces, joined:    {joined:,.0f} lines/s ({joined / baseline:.2f} of the baseline)")


if __name__ == "__main__":
    main()
