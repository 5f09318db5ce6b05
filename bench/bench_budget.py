"""Benchmark: one rate budget per key, shared by processes; the adaptive budget; the mechanism.

Part 1, the mechanism (chosen by this measurement): booking one send through
``limits`` (moving window, Redis storage, Debian's redis-server on a loopback port) and
through the store-kept budget (:mod:`runner.ratebudget`) on SQLite, PostgreSQL and MariaDB:

- cost of one booking, one process, budget never exhausted (median and p95, ms);
- three processes drawing 100 sends each from a 50-per-1-s budget: achieved rate over
  the budget, most sends in any 1-s window, and the round trips that were refusals
  (``limits`` can only test-and-hit, so a process polls; the store books a future slot).

Part 2, the Must-show figures against the sandbox (real HTTP, ``--latency-ms``, its own
limit of 50 per 5 s, ``--users`` students), every client through ``schoology_etl.connect``
with a profile whose budget is 50 per 5 s, the store on SQLite (``--store-url`` for
another): arrivals are counted at the sandbox.

- export with paging only (one process reading every user, no csvexport);
- three processes on one key at once, each reading every user;
- the same with the sandbox's real budget half the profile's (adaptive);
- for comparison, three processes each with a budget of its own (no shared store).

Rates are given as "sustained": sends after the first window over the time after it
(the start of a run would flatter short runs), beside the busiest window, counted
twice: over the whole case, and over the arrivals after the first 429 reached its
client (the sandbox decides after ``--latency-ms`` and answers at once: arrivals
decided later than that were sent once the 429 was known). The second is the adaptive
figure: until the API has refused once, nothing tells a client that the key's real
budget is smaller than its profile says, and the sends already in flight then cannot
be called back; what the adaptive rule answers for is every window after the API has
said so. (In the cases where profile and API agree, no 429 means both columns are the
whole case.)

    .venv/bin/python bench/bench_budget.py [--users 20000] [--latency-ms 100] [--skip-mechanism]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests.fixtures.ports

RATE, WINDOW = 50, 5.0
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"


def max_in_window(times: list[float], window: float) -> int:
    times, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window + 1e-9:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def sustained(times: list[float], window: float) -> float:
    """Sends per second after the first window (the start-up burst excluded)."""
    times = sorted(times)
    if len(times) < 2:
        return 0.0
    start = times[0] + window
    later = [t for t in times if t >= start]
    return len(later) / max(1e-9, times[-1] - start) if later else 0.0


# -------------------------------------------------------------------- databases
def make_database(kind: str, tmp: Path) -> tuple[str, callable]:
    name = f"tb_bench_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}", lambda: None
    admin_url = PG_ADMIN if kind == "postgresql" else MARIADB_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if kind == "postgresql" else "")))
        admin.dispose()

    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


# -------------------------------------------------------------------- part 1
MECH_WORKER = textwrap.dedent("""
    import json, sys, time
    kind, where, n, rate, window, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    out = {"times": [], "costs": [], "refused": 0}
    if kind == "redis":
        from limits import RateLimitItemPerSecond
        from limits.storage import RedisStorage
        from limits.strategies import MovingWindowRateLimiter
        limiter = MovingWindowRateLimiter(RedisStorage(where))
        item = RateLimitItemPerSecond(rate if mode == "contend" else 10**9, int(window))
        for _ in range(n):
            while True:
                t0 = time.perf_counter(); ok = limiter.hit(item, "bench-key"); out["costs"].append(time.perf_counter() - t0)
                if ok:
                    out["times"].append(time.time()); break
                out["refused"] += 1
                reset = limiter.get_window_stats(item, "bench-key").reset_time
                time.sleep(max(0.001, reset - time.time()))
    else:
        from runner.ratebudget import StoreKeeper
        from schoology_etl import budget
        keeper = StoreKeeper(("bench-key", "http://127.0.0.1:9/v1"), url=where)
        r = rate if mode == "contend" else 10**6
        for _ in range(n):
            t0 = time.perf_counter()
            now, at = keeper.update(lambda s, now: (now, budget.book(s, now, r, window)))
            out["costs"].append(time.perf_counter() - t0)
            if at > now:
                time.sleep(at - now)
            out["times"].append(time.time())
    print(json.dumps(out))
""")


def run_workers(args_list: list[list[str]], env: dict[str, str] | None = None) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, "-c", *a], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for a in args_list]
    outs = []
    for p in procs:
        o, e = p.communicate(timeout=900)
        if p.returncode:
            raise SystemExit(f"worker failed: {e[-3000:]}")
        outs.append(json.loads(o.strip().splitlines()[-1]))
    return outs


def part_mechanism(tmp: Path) -> None:
    from tests.fixtures.ports import free_port

    print("== Part 1: the mechanism (one booking per send) ==")
    redis_port = free_port()
    redis_dir = tmp / "redis"
    redis_dir.mkdir()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(redis_dir)], stdout=subprocess.DEVNULL)
    targets: list[tuple[str, str, callable]] = [("redis", f"redis://127.0.0.1:{redis_port}", lambda: None)]
    for kind in ("sqlite", "postgresql", "mariadb"):
        url, drop = make_database(kind, tmp)
        from runner.store import dispose_engines, get_engine
        get_engine(url)
        dispose_engines()
        targets.append((kind, url, drop))
    time.sleep(0.5)
    print(f"{'backend':<28}{'cost ms (median/p95)':>22}{'3 procs: rate/budget':>22}{'busiest 1 s':>13}{'refused hits':>14}")
    try:
        for kind, where, _ in targets:
            label = "limits moving window, Redis" if kind == "redis" else f"store budget, {kind}"
            cost = run_workers([[MECH_WORKER, kind, where, "400", "1", "1", "cost"]])[0]["costs"]
            cost_ms = sorted(c * 1000 for c in cost[20:])
            outs = run_workers([[MECH_WORKER, kind, where, "100", "50", "1", "contend"]] * 3)
            times = [t for o in outs for t in o["times"]]
            rate = sustained(times, 1.0) / 50
            print(f"{label:<28}{statistics.median(cost_ms):>11.2f} / {cost_ms[int(len(cost_ms) * .95)]:<8.2f}"
                  f"{rate:>20.2f}{max_in_window(times, 1.0):>10} / 50{sum(o['refused'] for o in outs):>14}")
    finally:
        redis.terminate()
        redis.wait()
        for _, _, drop in targets:
            drop()


# -------------------------------------------------------------------- part 2
READER = textwrap.dedent("""
    import json, sys, time
    import schoology_etl as se
    t0 = time.time(); n = 0
    with se.connect("bench") as client:
        for _ in client.iter_records("users"):
            n += 1
        print(json.dumps({"users": n, "elapsed": time.time() - t0, "shared": client.limiter.shared,
                          "allowed": client.limiter.allowed(), **client.stats.as_dict()}))
""")


def part_api(tmp: Path, users: int, latency_ms: int, store_url: str | None, only: str | None = None) -> None:
    from schoology_sandbox import SandboxConfig, SandboxServer

    print(f"\n== Part 2: against the sandbox ({users} students, {latency_ms} ms latency, limit {RATE} per {WINDOW:g} s) ==")
    srv = SandboxServer(SandboxConfig(users=users, latency_ms=latency_ms, rate_limit=RATE, rate_window=WINDOW))
    t0 = time.time()
    srv.start()
    print(f"(sandbox seeded in {time.time() - t0:.1f} s)")
    arrivals: list[tuple[float, bool]] = []
    limiter = srv.app.limiter
    original = limiter.acquire

    def counting(key: str):  # type: ignore[no-untyped-def]
        wait = original(key)
        arrivals.append((time.time(), wait is None))
        return wait

    limiter.acquire = counting
    store_url = store_url or f"sqlite:///{tmp / 'store.db'}"
    from runner.store import dispose_engines, get_engine
    get_engine(store_url)
    dispose_engines()
    base_env = dict(os.environ, TOOLBELT_CLIENT_BENCH_BASE_URL=srv.base_url, TOOLBELT_CLIENT_BENCH_KEY=srv.key,
                    TOOLBELT_CLIENT_BENCH_SECRET=srv.secret, TOOLBELT_CLIENT_BENCH_RATE_LIMIT=str(RATE),
                    TOOLBELT_CLIENT_BENCH_RATE_WINDOW=str(WINDOW))
    shared_env = dict(base_env, TOOLBELT_DB=store_url)
    own_home = tmp / "no-store"
    own_home.mkdir()
    own_env = {k: v for k, v in base_env.items() if k != "TOOLBELT_DB"}
    own_env["TOOLBELT_HOME"] = str(own_home)  # no store there: each process keeps its own budget

    cases = [
        ("export, paging only (1 process)", 1, shared_env, RATE),
        ("3 runs on one key, shared budget", 3, shared_env, RATE),
        ("3 runs, API's real budget half (adaptive)", 3, shared_env, RATE // 2),
        ("3 runs, a budget per process (before)", 3, own_env, RATE),
    ]
    print(f"{'case':<44}{'sustained/real budget':>22}{'busiest window':>16}{'once 429 known':>15}{'429s':>14}"
          f"{'requests':>10}")
    for label, procs, env, real in cases:
        if only and only not in label:
            continue
        srv.configure(rate_limit=real, rate_window=WINDOW)
        time.sleep(WINDOW + 0.3)  # an empty window between cases
        arrivals.clear()
        outs = run_workers([[READER]] * procs, env)
        times = [t for t, _ in arrivals]
        refused = sum(1 for _, ok in arrivals if not ok)
        rate = sustained([t for t, ok in arrivals if ok], WINDOW) / (real / WINDOW)
        first_refusal = min((t for t, ok in arrivals if not ok), default=None)
        known = None if first_refusal is None else first_refusal + latency_ms / 1000  # its client has the 429
        after = times if known is None else [t for t in times if t > known]
        assert all(o["users"] == outs[0]["users"] for o in outs)
        print(f"{label:<44}{rate:>22.2f}{max_in_window(times, WINDOW):>10} / {real:<4}"
              f"{max_in_window(after, WINDOW):>9} / {real:<4}"
              f"{refused:>8} ({refused / max(1, len(times)):.1%}){len(times):>8}")
    srv.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--store-url", default=None)
    parser.add_argument("--skip-mechanism", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--only", default=None, help="Run only the Part 2 cases whose label contains this.")
    args = parser.parse_args()
    if not shutil.which("redis-server") and not args.skip_mechanism:
        raise SystemExit("redis-server not found (apt-get install redis-server), or use --skip-mechanism")
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        if not args.skip_mechanism:
            part_mechanism(Path(tmp))
        if not args.skip_api:
            part_api(Path(tmp), args.users, args.latency_ms, args.store_url, args.only)


if __name__ == "__main__":
    main()
