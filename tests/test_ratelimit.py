"""Token bucket arithmetic and the shared limiter, with fake time."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError
from schoology_etl.ratelimit import RateLimiter, TokenBucket, limiter_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@settings(max_examples=100)
@given(
    rate=st.integers(1, 12),
    window=st.floats(0.1, 10),
    gaps=st.lists(st.floats(0, 3), min_size=1, max_size=120),
    pauses=st.dictionaries(st.integers(0, 119), st.floats(0, 8), max_size=4),
)
def test_bucket_never_exceeds_its_rate_in_any_window(rate, window, gaps, pauses) -> None:
    bucket = TokenBucket(rate, window, clock=lambda: 0.0)
    arrival, granted, pause_ends = 0.0, [], []
    for i, gap in enumerate(gaps):
        arrival += gap
        if i in pauses:
            pause_ends.append((len(granted), bucket.pause(pauses[i], now=arrival)))
        at = bucket.reserve(now=arrival)
        assert at >= arrival
        granted.append(at)
    assert granted == sorted(granted)
    for i in range(len(granted) - rate):
        assert granted[i + rate] - granted[i] >= window - 1e-9
    for booked_before, ends in pause_ends:  # nothing booked after a pause runs before it ends
        assert all(t >= ends for t in granted[booked_before:])


def test_full_bucket_allows_a_burst_then_spaces_out() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, 5.0, clock=clock)
    assert [bucket.reserve() for _ in range(5)] == [0, 0, 0, 5.0, 5.0]
    assert bucket.available(now=4.9) == 0
    assert bucket.available(now=10.0) == 3


def test_bad_rate_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        TokenBucket(0, 5)
    with pytest.raises(ConfigurationError):
        TokenBucket(5, 0)


def test_limiter_is_shared_by_threads_without_double_booking() -> None:
    clock = FakeClock()  # frozen: every wait is relative to t=0
    limiter = RateLimiter(10, 1.0, margin=0.0, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            w = limiter.acquire(sleep=lambda s: None)
            with lock:
                waits.append(round(w, 6))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(waits) == {round(k * 0.1, 6): 1 for k in range(200)}  # paced: one slot every 0.1 s, none twice


def test_limiter_is_shared_by_asyncio_tasks() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 2.0, margin=0.0, clock=clock)

    async def nosleep(_: float) -> None:
        await asyncio.sleep(0)

    async def main() -> list[float]:
        return await asyncio.gather(*(limiter.aacquire(sleep=nosleep) for _ in range(20)))

    waits = asyncio.run(main())
    assert Counter(round(w, 6) for w in waits) == {round(k * 0.4, 6): 1 for k in range(20)}  # one every 2 s / 5


def test_pause_holds_back_sends_already_booked() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 1.0, margin=0.0, clock=clock)
    limiter.acquire(clock.sleep)
    limiter.acquire(clock.sleep)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            limiter.pause(10.0)  # a 429 arrives while we wait for our slot
        clock.sleep(seconds)

    limiter.acquire(sleep)
    assert clock.now >= 10.0
    assert len(slept) == 2


def test_one_limiter_per_credential_shared_across_clients() -> None:
    from schoology_etl.async_client import AsyncSchoologyClient
    from schoology_etl.client import SchoologyClient

    creds = Credentials(base_url="http://127.0.0.1:9/v1", key="shared-key-1", secret="x")
    other = Credentials(base_url="http://127.0.0.1:10/v1", key="shared-key-1", secret="x")
    a, b = SchoologyClient(creds), AsyncSchoologyClient(creds)
    c = SchoologyClient(other)
    assert a.limiter is b.limiter is limiter_for(creds.limiter_key)
    assert c.limiter is not a.limiter
    a.close()


def test_slow_answers_widen_the_margin_up_to_a_fifth_of_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 5.0, margin=0.05, clock=clock)
    limiter.observe(0.3)
    assert limiter.margin == pytest.approx(0.3) and limiter.window == pytest.approx(5.0)
    limiter.acquire(clock.sleep)
    limiter.acquire(clock.sleep)
    limiter.acquire(clock.sleep)
    assert clock.now == pytest.approx(5.3)  # a token comes back window + slowest answer later
    limiter.observe(30.0)
    assert limiter.margin == pytest.approx(1.0)
