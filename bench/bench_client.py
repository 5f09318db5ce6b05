"""Benchmark: our client vs the way public Schoology clients read and write.

Runs against an in-process sandbox with 100 ms latency and a 50 requests / 5 s limit and
prints side-by-side figures measured in this one run:

(a) reading all users: achieved request rate as a share of the limit (requests per
    second over rate/window; a full bucket allows a first burst, so short reads can
    exceed 1), our async
    client (limit=200, parallel pages) vs a naive sequential client (limit=20, one
    request at a time following links.next);
(b) bulk user updates: our bulk PUT (50 per request) vs one PUT per user;
(c) peak traced memory (tracemalloc) while streaming 20,000 and 100,000 users.

Naive figures are measured on a sample and extrapolated (the output says so).

    .venv/bin/python bench/bench_client.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
import tracemalloc
from typing import Any

import requests

from schoology_etl.async_client import AsyncSchoologyClient
from schoology_etl.auth import sign_headers
from schoology_etl.credentials import Credentials
from schoology_etl.retry import parse_retry_after

RATE, WINDOW, LATENCY_MS = 50, 5.0, 100


def start_sandbox(students: int) -> Any:
    try:
        from schoology_sandbox import SandboxConfig, SandboxServer
    except ImportError:
        from schoology_sandbox.server import SandboxConfig, SandboxServer
    srv = SandboxServer(SandboxConfig(users=students, latency_ms=LATENCY_MS, rate_limit=RATE, rate_window=WINDOW))
    srv.start()
    return srv


def settle() -> None:
    """Let the sandbox's window empty so one phase does not pay for the previous one."""
    time.sleep(WINDOW + 0.2)


class NaiveClient:
    """One request at a time, re-signed, following links.next; sleeps on 429 as told."""

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        self.session = requests.Session()
        self.requests = 0

    def send(self, method: str, url: str, body: Any = None) -> requests.Response:
        while True:
            self.requests += 1
            r = self.session.request(method, url, json=body, headers=sign_headers(self.creds, method, url))
            if r.status_code == 429:
                time.sleep(parse_retry_after(r.headers.get("Retry-After")) or WINDOW)
                continue
            if r.status_code >= 500:
                continue
            r.raise_for_status()
            return r

    def read_users(self, max_pages: int) -> int:
        url: str | None = f"{self.creds.base_url}/users?start=0&limit=20"
        records = 0
        for _ in range(max_pages):
            if not url:
                break
            data = self.send("GET", url).json()
            records += len(data.get("user", []))
            url = (data.get("links") or {}).get("next")
        return records

    def update_users(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            self.send("PUT", f"{self.creds.base_url}/users/{item['id']}", {k: v for k, v in item.items() if k != "id"})


async def read_ours(creds: Credentials, n: int | None = None) -> tuple[int, int, float]:
    """Stream users (all of them, or the first ``n``) and count them; nothing is kept."""
    async with AsyncSchoologyClient(creds, rate_limit=RATE, rate_window=WINDOW, max_concurrency=4) as client:
        t0 = time.perf_counter()
        count = 0
        async for _ in client.iter_records("users"):
            count += 1
            if n is not None and count >= n:
                break
        return count, client.stats.requests, time.perf_counter() - t0


async def update_ours(creds: Credentials, items: list[dict[str, Any]]) -> tuple[int, int, float]:
    async with AsyncSchoologyClient(creds, rate_limit=RATE, rate_window=WINDOW, max_concurrency=4) as client:
        t0 = time.perf_counter()
        results = await client.update("users", items)
        return sum(r.ok for r in results), client.stats.requests, time.perf_counter() - t0


async def user_ids(creds: Credentials, n: int) -> list[int]:
    async with AsyncSchoologyClient(creds, rate_limit=RATE, rate_window=WINDOW) as client:
        ids = []
        async for user in client.iter_records("users"):
            ids.append(user["id"])
            if len(ids) == n:
                break
        return ids


def students_for(users: int) -> int:
    """Seeded students giving about ``users`` users (parents and staff come on top)."""
    return int(users / 2.06)


def peak_while_reading(creds: Credentials, n: int) -> tuple[int, float]:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    count, _, _ = asyncio.run(read_ours(creds, n))
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return count, peak / 2**20


def sandbox_with(users: int) -> tuple[Any, Credentials]:
    students = students_for(users)
    print(f"starting sandbox ({students:,} students, {LATENCY_MS} ms latency, {RATE}/{WINDOW:g}s) ...", flush=True)
    t0 = time.perf_counter()
    srv = start_sandbox(students)
    print(f"  ready in {time.perf_counter() - t0:.1f} s", flush=True)
    return srv, Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args()
    read_n, mem_small, mem_large = (2_000, 2_000, 10_000) if args.quick else (20_000, 20_000, 100_000)
    update_n, naive_pages, naive_puts = (500, 20, 20) if args.quick else (5_000, 100, 100)

    srv, creds = sandbox_with(read_n)
    try:
        # (a) reading the whole collection
        count, reqs, elapsed = asyncio.run(read_ours(creds))
        settle()
        naive = NaiveClient(creds)
        t = time.perf_counter()
        naive_count = naive.read_users(naive_pages)
        naive_elapsed = time.perf_counter() - t
        naive_reqs = math.ceil(count / 20)
        naive_full = naive_elapsed / naive.requests * naive_reqs
        rows = [
            ("requests", f"{reqs:,}", f"{naive_reqs:,}"),
            ("time", f"{elapsed:.1f}s", f"{naive_full:.1f}s"),
            ("requests per second / limit (10/s)", f"{reqs / elapsed / (RATE / WINDOW):.2f}",
             f"{naive.requests / naive_elapsed / (RATE / WINDOW):.2f}"),
            ("records per second", f"{count / elapsed:,.0f}", f"{naive_count / naive_elapsed:,.0f}"),
        ]
        print(f"\n(a) reading all {count:,} users")
        print(f"  {'':38}{'ours (async, limit=200)':>26}{'naive (sequential, limit=20)':>32}")
        for label, ours, theirs in rows:
            print(f"  {label:38}{ours:>26}{theirs:>32}")
        print(f"  naive measured on {naive.requests} requests ({naive_count:,} users) in {naive_elapsed:.1f} s, "
              f"time extrapolated")
        settle()

        # (b) bulk updates
        ids = asyncio.run(user_ids(creds, update_n + naive_puts))
        settle()
        items = [{"id": i, "name_middle": "Bench"} for i in ids[:update_n]]
        ok, breqs, belapsed = asyncio.run(update_ours(creds, items))
        settle()
        naive = NaiveClient(creds)
        t = time.perf_counter()
        naive.update_users([{"id": i, "name_middle": "Naive"} for i in ids[update_n:update_n + naive_puts]])
        per_put = (time.perf_counter() - t) / naive_puts
        print(f"\n(b) updating {update_n:,} users")
        print(f"  {'':38}{'ours (bulk PUT, 50/request)':>26}{'naive (one PUT per user)':>32}")
        print(f"  {'requests':38}{breqs:>26,}{update_n:>32,}")
        print(f"  {'time':38}{belapsed:>25.1f}s{per_put * update_n:>31.1f}s")
        print(f"  ours: {ok:,}/{update_n:,} ok; naive measured on {naive_puts} PUTs "
              f"({per_put * 1000:.0f} ms each), time extrapolated")
    finally:
        srv.stop()

    # (c) memory, on a district big enough for the larger read
    srv, creds = sandbox_with(int(mem_large * 1.03))
    try:
        small = peak_while_reading(creds, mem_small)
        settle()
        large = peak_while_reading(creds, mem_large)
        print("\n(c) peak traced memory while streaming (whole process, in-process sandbox included)")
        print(f"  {small[0]:>8,} users: {small[1]:7.1f} MB")
        print(f"  {large[0]:>8,} users: {large[1]:7.1f} MB   (difference {large[1] - small[1]:+.1f} MB, target < 20)")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
