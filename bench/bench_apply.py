"""Benchmark: apply 5,000 user updates to the sandbox within its rate budget.

Run: ``.venv/bin/python bench/bench_apply.py [--updates 5000] [--latency-ms 5]``

The sandbox enforces 50 requests per 5 s (as the real API is believed to); the client
paces itself to the same budget. For each drift-read strategy the benchmark plans 5,000
updates of ``position`` (a field ``/csvexport/users`` exports), waits for a full bucket,
applies, and prints side by side:

* requests used by the apply (counted by the sandbox, so retries are included), drift
  reads included;
* the minimal number, defined as ``ceil(updates / 50)`` bulk writes (the API's cap) plus
  the fewest reads that can check every touched object: one ``/csvexport/users`` when
  the touched fields are exportable, else ``ceil(users / 200)`` list pages, the best
  of which is what a careful person would do by hand;
* the ratio to that minimal number and to the writes alone;
* rate budget kept: the time the budget would allow for that many requests, over the
  time taken (1.0 = as fast as the budget allows; 429s or idle waits lower it).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.plans import PlanSink, apply_plan
from schoology_sandbox import SandboxConfig, SandboxServer

RATE, WINDOW = 50, 5.0


def plan_updates(client: SchoologyClient, path: Path, n: int, tag: str) -> tuple[int, object]:
    users = list(client.iter_records("users"))
    if len(users) < n:
        raise SystemExit(f"the sandbox has {len(users)} users, fewer than {n}")
    with PlanSink(path, realm="users", current=users, keep_results=False) as sink:
        sink.write_many({"school_uid": u["school_uid"], "position": f"{tag} {i}"} for i, u in enumerate(users[:n]))
    return len(users), sink.plan


def run(srv: SandboxServer, client: SchoologyClient, n: int, strategy: str, workdir: Path) -> dict:
    total_users, plan = plan_updates(client, workdir / f"{strategy}.plan.jsonl", n, strategy)
    time.sleep(WINDOW + 0.2)  # start the apply with a full bucket, as a fresh job would
    server_before = srv.counters()
    report = apply_plan(plan, client, drift=strategy)
    server_after = srv.counters()
    used = server_after["requests"] - server_before["requests"]
    writes = math.ceil(n / 50)
    reads_min = 1 if strategy in ("auto", "csvexport") else math.ceil(total_users / 200)
    if strategy == "filter":
        reads_min = min(math.ceil(total_users / 200), math.ceil(n / 50))
    throttled = server_after["throttled"] - server_before["throttled"]
    return {"strategy": f"{strategy} ({client_reader_choice(report, strategy)})", "applied": report.applied, "requests": used,
            "client_requests": report.requests, "retries": report.retries, "429s": throttled, "minimal": writes + reads_min,
            "writes": writes, "elapsed": report.elapsed, "budget": report.rate_budget_use}


def client_reader_choice(report, strategy: str) -> str:
    return {"auto": "csvexport", "snapshot": "list 200/page", "filter": "school_uids 50/req", "csvexport": "csvexport"}.get(strategy, strategy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=5)
    parser.add_argument("--strategies", default="auto,snapshot,filter")
    args = parser.parse_args()
    config = SandboxConfig(users=int(args.updates * 0.5) + 100, rate_limit=RATE, rate_window=WINDOW, latency_ms=args.latency_ms)
    with SandboxServer(config) as srv, tempfile.TemporaryDirectory() as tmp:
        client = SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=RATE, rate_window=WINDOW)
        rows = []
        for strategy in args.strategies.split(","):
            srv.reset()
            rows.append(run(srv, client, args.updates, strategy, Path(tmp)))
        print(f"apply of {args.updates} user updates, sandbox limit {RATE}/{WINDOW:g}s, latency {args.latency_ms} ms")
        print(f"{'drift reads':32} {'applied':>7} {'requests':>8} {'minimal':>7} {'x minimal':>9} {'x writes':>8} "
              f"{'retries':>7} {'429s':>5} {'elapsed':>8} {'budget kept':>11}")
        for r in rows:
            budget = f"{r['budget']:.2f}" if r["budget"] is not None else "n/a"
            print(f"{r['strategy']:32} {r['applied']:7d} {r['requests']:8d} {r['minimal']:7d} {r['requests'] / r['minimal']:9.3f} "
                  f"{r['requests'] / r['writes']:8.3f} {r['retries']:7d} {r['429s']:5d} {r['elapsed']:7.1f}s {budget:>11}")


if __name__ == "__main__":
    main()
