"""Flat memory: ten times the records must not take ten times the memory."""

from __future__ import annotations

import tracemalloc

from schoology_etl.pipeline import etl
from tests.test_pipeline_doubles import CountingSink, GeneratedSource


def _peak(n: int) -> int:
    sink = CountingSink(batch_size=500)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        report = etl(
            GeneratedSource(n), sink,
            filters=[lambda r: r["role"] == "student"],
            transforms=[lambda r: {**r, "name": r["name"].upper()}],
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.read == n and sink.count == report.written > 0
    return peak


def test_peak_memory_does_not_grow_with_record_count() -> None:
    _peak(1_000)  # warm caches (imports, interned strings) outside the measurement
    small = _peak(20_000)
    large = _peak(200_000)
    # a leak of even 100 bytes a record would add 20 MB at 200,000 records
    assert large < small * 1.5 + 64 * 1024, (small, large)
