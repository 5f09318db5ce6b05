"""Benchmark: peak Python memory and time of the streaming SIS/Schoology comparison (``stream_diff``).

Two sides of ``--pairs`` enrollment-like keys (``SECTION-CODE|S123456`` with a role), 1% only on
each side, are compared with :func:`merge_diff` through :class:`ExternalSorter` (``--chunk`` pairs
in memory per side), and, for contrast, as two in-memory dicts. Peak is ``tracemalloc``'s.

    .venv/bin/python bench/bench_stream_diff.py [--pairs 1000000] [--chunk 100000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from schoology_etl.provisioning.sis.stream_diff import DiffCounts, ExternalSorter, merge_diff


def pairs(n: int, skip: int):
    for i in range(n):
        if i % 100 != skip:
            yield f"SEC-{i // 30:06d}|S{(i * 7919) % 10_000_000:07d}", {"role": "student"}


def streamed(n: int, chunk: int) -> tuple[float, float, DiffCounts]:
    tracemalloc.start()
    start = time.perf_counter()
    counts = DiffCounts()
    with ExternalSorter(chunk_size=chunk) as left, ExternalSorter(chunk_size=chunk) as right:
        left.extend(pairs(n, 1))
        right.extend(pairs(n, 2))
        for _ in merge_diff(left, right, compare=("role",), counts=counts):
            pass
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, time.perf_counter() - start, counts


def in_memory(n: int) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    left, right = dict(pairs(n, 1)), dict(pairs(n, 2))
    only = (left.keys() - right.keys(), right.keys() - left.keys())
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del left, right, only
    return peak, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    args = parser.parse_args()
    peak, seconds, counts = streamed(args.pairs, args.chunk)
    print(f"streamed  {args.pairs} pairs/side, chunk {args.chunk}: peak {peak:.1f} MB, {seconds:.1f} s, "
          f"left_only {counts.left_only}, right_only {counts.right_only}, both {counts.both}")
    peak, seconds = in_memory(args.pairs)
    print(f"in memory {args.pairs} pairs/side: peak {peak:.1f} MB, {seconds:.1f} s")


if __name__ == "__main__":
    main()
