"""Peak memory of streaming rows out of PostgreSQL with ``read_sql``: flat whatever the count.

Creates a scratch database, fills a table with 1,000,000 rows (``generate_series``),
then streams 100,000 and 1,000,000 rows into a counting sink, printing the tracemalloc
peak of each, their ratio, and rows per second (timed separately, without tracemalloc).

    .venv/bin/python bench/bench_sql.py [--rows 1000000] [--chunk-size 1000]

PostgreSQL: ``TEST_PG_URL`` or postgresql+psycopg://root@127.0.0.1:5432/test (trust).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
import uuid
from typing import Any

import sqlalchemy as sa

from schoology_etl.io.base import Sink, WriteResult
from schoology_etl.io.sql import read_sql

ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
QUERY = "SELECT id, user_id, building_id, event, occurred_at, detail FROM events WHERE id <= :n"


class CountingSink(Sink):
    """Counts records and keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.keep_results = False

    def _flush(self, batch: list[dict[str, Any]], start: int) -> list[WriteResult]:
        return []


def fill(url: str, rows: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE events (id BIGINT PRIMARY KEY, user_id BIGINT, building_id INT,"
            " event TEXT, occurred_at TIMESTAMPTZ, detail TEXT)"
        ))
        conn.execute(sa.text(
            "INSERT INTO events SELECT g, g % 50000, g % 40,"
            " (ARRAY['login','view','submit','logout'])[1 + g % 4],"
            " now() - g * interval '1 second', md5(g::text) || md5((g * 7)::text)"
            " FROM generate_series(1, :rows) AS g"
        ), {"rows": rows})
    engine.dispose()


def stream(url: str, n: int, chunk_size: int) -> int:
    with CountingSink() as sink:
        sink.write_many(read_sql(url, QUERY, {"n": n}, chunk_size=chunk_size))
    return sink.written


def peak_bytes(url: str, n: int, chunk_size: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = stream(url, n, chunk_size)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=1000)
    args = parser.parse_args()
    small, large = args.rows // 10, args.rows

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        fill(url, large)
        print(f"filled {large:,} rows in {time.perf_counter() - started:.1f} s")
        stream(url, 1000, args.chunk_size)  # warm imports and caches outside the measure

        n1, peak_small = peak_bytes(url, small, args.chunk_size)
        n2, peak_large = peak_bytes(url, large, args.chunk_size)
        assert (n1, n2) == (small, large), (n1, n2)
        print(f"chunk_size {args.chunk_size}")
        print(f"{'rows':>12} {'peak (tracemalloc)':>20}")
        print(f"{small:>12,} {peak_small / 1e6:>17.2f} MB")
        print(f"{large:>12,} {peak_large / 1e6:>17.2f} MB")
        print(f"10x the rows: peak x{peak_large / peak_small:.2f} "
              f"({(peak_large - peak_small) / 1e3:+.0f} kB)")

        started, cpu = time.perf_counter(), time.process_time()
        stream(url, large, args.chunk_size)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"throughput without tracemalloc: {large / elapsed:,.0f} rows/s wall ({elapsed:.1f} s), "
              f"{large / cpu:,.0f} rows per CPU-second of this process")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
