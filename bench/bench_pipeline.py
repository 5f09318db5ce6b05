"""Benchmark: the streaming pipeline, side by side with the obvious alternatives.

Prints figures measured in this one run:

(a) overhead of etl() (one filter, one transform, batching sink) against a hand-written
    loop doing the same work into the same sink;
(b) peak traced memory (tracemalloc) streaming 20,000 and 200,000 generated records;
(c) CSV to CSV with read_csv/write_csv against pandas read_csv + to_csv: time and
    peak traced memory.

    .venv/bin/python bench/bench_pipeline.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from schoology_etl.io.base import Sink, WriteResult
from schoology_etl.io.csv import read_csv, write_csv
from schoology_etl.pipeline import etl


class CountingSink(Sink):
    def __init__(self) -> None:
        super().__init__()
        self.keep_results = False
        self.count = 0

    def _flush(self, batch: list[dict[str, Any]], start: int) -> list[WriteResult]:
        self.count += len(batch)
        return []


def generate(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"id": i, "name": f"user {i}", "role": "student" if i % 3 else "teacher"}


def keep(r: dict[str, Any]) -> bool:
    return r["role"] == "student"


def shout(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "name": r["name"].upper()}


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def overhead(n: int) -> None:
    def by_hand() -> None:
        with CountingSink() as sink:
            for r in generate(n):
                if keep(r):
                    sink.write(shout(r))

    def by_etl() -> None:
        etl(generate(n), CountingSink(), filters=[keep], transforms=[shout])

    hand = min(timed(by_hand) for _ in range(3))
    ours = min(timed(by_etl) for _ in range(3))
    print(f"(a) {n:,} records: hand loop {n / hand:,.0f} rec/s, etl() {n / ours:,.0f} rec/s, "
          f"etl/hand time ratio {ours / hand:.2f}")


def peak(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory(small: int, large: int) -> None:
    def run(n: int) -> Any:
        return lambda: etl(generate(n), CountingSink(), filters=[keep], transforms=[shout])

    a, b = peak(run(small)), peak(run(large))
    print(f"(b) peak traced memory: {small:,} records {a / 1024:,.0f} KiB, {large:,} records "
          f"{b / 1024:,.0f} KiB, ratio {b / a:.2f} for {large / small:.0f}x the records")


def csv_to_csv(n: int) -> None:
    import pandas as pd

    folder = Path(tempfile.mkdtemp())
    src = folder / "in.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "role"])
        w.writerows((r["id"], r["name"], r["role"]) for r in generate(n))

    def ours() -> None:
        etl(read_csv(src), write_csv(folder / "ours.csv"), filters=[keep], transforms=[shout])

    def pandas_way() -> None:
        df = pd.read_csv(src, dtype=str)
        df = df[df["role"] == "student"].copy()
        df["name"] = df["name"].str.upper()
        df.to_csv(folder / "pandas.csv", index=False)

    t_ours, t_pd = timed(ours), timed(pandas_way)
    m_ours, m_pd = peak(ours), peak(pandas_way)
    print(f"(c) CSV->CSV {n:,} rows: streaming {t_ours:.2f} s / {m_ours / 2**20:.1f} MiB peak; "
          f"pandas {t_pd:.2f} s / {m_pd / 2**20:.1f} MiB peak; "
          f"time ratio {t_ours / t_pd:.2f}, memory ratio {m_ours / m_pd:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    quick = parser.parse_args().quick
    overhead(50_000 if quick else 300_000)
    memory(20_000, 200_000 if not quick else 100_000)
    csv_to_csv(50_000 if quick else 300_000)


if __name__ == "__main__":
    main()
