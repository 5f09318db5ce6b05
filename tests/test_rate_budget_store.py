"""One rate budget per key in the store, shared by processes, on SQLite, PostgreSQL and MariaDB.

Processes here are real (``subprocess``), the store is real, and the API is the sandbox
over HTTP with its own rate limit: the test fails if the processes do not share the budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from runner.ratebudget import StoreKeeper, key_digest, store_keeper
from runner.store import RateBudgetRow, dispose_engines, get_engine, session_scope
from schoology_etl import budget
from schoology_etl.ratelimit import RateLimiter

BOOKER = textwrap.dedent("""
    import json, sys
    from runner.ratebudget import StoreKeeper
    from schoology_etl import budget
    url, n, rate, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    keeper = StoreKeeper(("shared-key", "http://127.0.0.1:9/v1"), url=url)
    print(json.dumps([keeper.update(lambda s, now: budget.book(s, now, rate, window)) for _ in range(n)]))
""")

READER = textwrap.dedent("""
    import json, sys
    import schoology_etl as se
    n = int(sys.argv[1])
    with se.connect("district") as client:
        for _ in range(n):
            client.get("app-user-info")
        print(json.dumps({"shared": client.limiter.shared, "allowed": client.limiter.allowed(),
                          **client.stats.as_dict()}))
""")


@pytest.fixture
def store_url(any_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TOOLBELT_DB", any_database_url)
    get_engine()  # migrated before the processes start
    yield any_database_url
    dispose_engines()


def _max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window + 1e-9:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _run_all(args_list: list[list[str]], env: dict[str, str]) -> list[dict | list]:
    procs = [subprocess.Popen([sys.executable, "-c", *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in args_list]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


def test_three_processes_book_from_one_budget_without_losing_a_booking(store_url: str) -> None:
    rate, window, n = 5, 1.0, 10
    outs = _run_all([[BOOKER, store_url, str(n), str(rate), str(window)]] * 3, dict(os.environ))
    booked = [t for out in outs for t in out]
    assert len(booked) == 3 * n
    assert _max_in_any_window(booked, window) <= rate  # the sum over processes stays in the budget
    assert _max_in_any_window(booked, window) == rate  # ... and the budget is used, not wasted
    with session_scope(store_url) as s:
        row = s.get(RateBudgetRow, key_digest(("shared-key", "http://127.0.0.1:9/v1")))
        assert "shared-key" not in row.state and len(budget.BudgetState.from_json(row.state).spent) == rate


def test_a_429_seen_by_one_process_shrinks_the_budget_of_the_others(store_url: str) -> None:
    credential = ("k-429", "http://127.0.0.1:9/v1")
    # unpaced, so ten acquires that do not sleep have all gone out by the time of the 429
    one = RateLimiter(10, 5.0, margin=0.0, keeper=StoreKeeper(credential, url=store_url), pace=1)
    other = RateLimiter(10, 5.0, margin=0.0, keeper=StoreKeeper(credential, url=store_url), pace=1)
    for _ in range(10):
        one.acquire(sleep=lambda s: None)
    assert other.allowed() == 10
    assert one.refused(retry_after=0.01) == 8
    assert other.allowed() == 8


def test_the_entry_point_shares_the_budget_only_when_there_is_a_store(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    assert store_keeper(("k", "http://127.0.0.1:9/v1")) is None  # no store: not created just for this
    monkeypatch.setenv("TOOLBELT_DB", f"sqlite:///{tmp_path / 'team.db'}")
    get_engine()
    try:
        assert isinstance(store_keeper(("k", "http://127.0.0.1:9/v1")), StoreKeeper)
    finally:
        dispose_engines()


def test_an_unreachable_store_falls_back_to_the_process_budget(caplog) -> None:
    keeper = StoreKeeper(("k", "http://127.0.0.1:9/v1"), url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = keeper.update(lambda s, now: budget.book(s, now, 5, 1.0))
    assert at > 0 and "shared rate budget unavailable" in caplog.text
    keeper.update(lambda s, now: budget.book(s, now, 5, 1.0))
    assert keeper.update(lambda s, now: len(s.spent)) == 2  # the local state goes on counting


def _client_env(store_url: str, srv, rate: int, window: float) -> dict[str, str]:
    env = dict(os.environ, TOOLBELT_DB=store_url,
               TOOLBELT_CLIENT_DISTRICT_BASE_URL=srv.base_url, TOOLBELT_CLIENT_DISTRICT_KEY=srv.key,
               TOOLBELT_CLIENT_DISTRICT_SECRET=srv.secret, TOOLBELT_CLIENT_DISTRICT_RATE_LIMIT=str(rate),
               TOOLBELT_CLIENT_DISTRICT_RATE_WINDOW=str(window))
    return env


@pytest.mark.parametrize("any_database_url", ["sqlite"], indirect=True)  # the others: booking test above
def test_runs_on_one_key_in_three_processes_stay_under_the_api_budget(store_url, sandbox_factory) -> None:
    rate, window = 6, 1.5
    srv = sandbox_factory(rate_limit=rate, rate_window=window)
    outs = _run_all([[READER, "6"]] * 3, _client_env(store_url, srv, rate, window))
    assert all(o["shared"] for o in outs)
    refused = srv.counters()["throttled"]
    assert sum(o["requests"] for o in outs) - sum(o["retries"] for o in outs) == 18
    # each process with a budget of its own would burst 6 at once: 12 of 18 refused. Shared,
    # none should be; one is tolerated for a process the loaded machine held back between
    # its booked time and its send (the server counts arrivals, the budget bookings)
    assert refused <= 1, f"{refused} of 18 refused"
    assert sum(o["rate_limited"] for o in outs) == refused


@pytest.mark.parametrize("any_database_url", ["postgresql"], indirect=True)
def test_a_key_whose_real_budget_is_half_adapts_after_the_first_429s(store_url, sandbox_factory) -> None:
    srv = sandbox_factory(rate_limit=5, rate_window=1.5)  # the profile below claims twice that
    outs = _run_all([[READER, "15"]] * 2, _client_env(store_url, srv, 10, 1.5))
    refused = srv.counters()["throttled"]
    sent = sum(o["requests"] for o in outs)
    assert sent - sum(o["retries"] for o in outs) == 30  # every read succeeded in the end
    assert max(o["allowed"] for o in outs) < 10  # the shared budget shrank below what the profile claims
    assert refused <= 6, f"{refused} of {sent} requests refused"  # a fixed budget refuses about half
