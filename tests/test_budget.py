"""The rate budget's pure arithmetic: booking, pause, shrink on a 429 and slow growth back."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl import budget
from schoology_etl.budget import BudgetState, LocalKeeper
from schoology_etl.ratelimit import RateLimiter


def _max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window + 1e-9:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_a_refusal_shrinks_to_what_went_through_and_pauses_everyone() -> None:
    state = BudgetState()
    for i in range(20):  # 20 sends in the last second of a 20-per-5-s budget
        budget.book(state, 4.0 + i * 0.05, 20, 5.0)
    allowed = budget.refuse(state, 5.0, 20, 5.0, retry_after=2.0)
    assert allowed == 17  # 0.9 of the 19 that went through
    assert state.paused_until == 7.0
    assert budget.book(state, 5.1, 20, 5.0) >= 7.0


def test_refusals_arriving_together_bring_it_down_to_what_the_api_let_through() -> None:
    state = BudgetState()
    for i in range(37):  # a burst of 37 on a budget of 50; the API took 25 and refused 12 in flight
        budget.book(state, i * 0.01, 50, 5.0)
    allowed = [budget.refuse(state, 0.4 + k * 0.01, 50, 5.0, retry_after=4.0) for k in range(12)]
    assert allowed[0] == 32 and allowed[-1] == 22  # 0.9 of 25
    assert allowed == sorted(allowed, reverse=True)
    later = budget.refuse(state, 6.0, 50, 5.0, retry_after=1.0)  # a new episode: at least one less
    assert later <= 21


def test_the_budget_grows_back_one_per_window_after_three_calm_windows() -> None:
    state = BudgetState(allowed=5, changed_at=0.0, cut_at=0.0)
    assert budget.allowed_rate(state, 8) == 5
    budget.book(state, 2.9, 8, 1.0)
    assert budget.allowed_rate(state, 8) == 5
    budget.book(state, 3.0, 8, 1.0)
    assert budget.allowed_rate(state, 8) == 6
    budget.book(state, 9.0, 8, 1.0)
    assert state.allowed is None and budget.allowed_rate(state, 8) == 8  # back to the configured rate


@settings(max_examples=60)
@given(rate=st.integers(2, 30), through=st.integers(1, 40), gaps=st.lists(st.floats(0, 0.3), min_size=1, max_size=200))
def test_after_a_cut_no_window_holds_more_than_the_allowed_rate(rate, through, gaps) -> None:
    window = 1.0
    state = BudgetState()
    for i in range(min(through, rate)):
        budget.book(state, i * (window / (rate + 1)), rate, window)
    cut_at = window
    allowed = budget.refuse(state, cut_at, rate, window, retry_after=0.0)
    now, booked = cut_at, []
    for gap in gaps:
        now += gap
        booked.append(budget.book(state, now, rate, window))
    calm_until = cut_at + budget.GROW_AFTER_WINDOWS * window  # before any growth step
    early = [t for t in booked if t < calm_until]
    assert _max_in_any_window(early, window) <= allowed
    assert _max_in_any_window(booked, window) <= rate
    assert booked == sorted(booked) and all(t >= cut_at for t in booked)


def test_state_round_trips_through_json() -> None:
    state = BudgetState(spent=[1.5, 2.0], paused_until=3.0, allowed=7, changed_at=1.0, refused=[1.9])
    again = BudgetState.from_json(state.to_json())
    assert again == state
    assert BudgetState.from_json(BudgetState().to_json()).paused_until == -math.inf


def test_limiter_refused_shrinks_the_budget_every_user_sees() -> None:
    now = [0.0]
    keeper = LocalKeeper(clock=lambda: now[0])
    limiter = RateLimiter(10, 1.0, margin=0.0, keeper=keeper)
    for _ in range(10):
        limiter.acquire(sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert now[0] == pytest.approx(0.9)  # paced: one send every 0.1 s
    now[0] = 0.95
    assert limiter.refused(retry_after=1.0) == 8  # 0.9 of the 9 that went through
    assert limiter.allowed() == 8
    waited = limiter.acquire(sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert waited >= 1.0  # nobody sends during the pause


def test_after_a_cut_it_regrows_fast_to_just_below_the_ceiling_reaches_it_rarely_and_forgets_it_late() -> None:
    w = 4.0  # times here are exact in binary, so window arithmetic is exact
    state = BudgetState()
    for i in range(26):  # 26 sends in one window of a 50-per-window profile; the API's real budget is 25
        budget.book(state, i * 0.125, 50, w)
    assert budget.refuse(state, 3.25, 50, w, retry_after=2.0) == 22  # 0.9 of the 25 that went through
    assert state.ceiling == 25

    def allowed_at(t: float) -> int:
        budget.book(state, t, 50, w)
        return budget.allowed_rate(state, 50)

    start = 3.25 + budget.GROW_AFTER_WINDOWS * w  # the first step waits as long as ever
    assert allowed_at(start - 0.125) == 22 and allowed_at(start) == 23
    assert allowed_at(start + w) == 24  # then one per calm window, up to just below the ceiling
    reach = start + w + budget.PROBE_AFTER_WINDOWS * w
    assert allowed_at(reach - 0.125) == 24 and allowed_at(reach) == 25  # the ceiling itself: only after a while
    forget = 3.25 + budget.CEILING_WINDOWS * w
    assert allowed_at(forget - 0.125) == 25 and state.ceiling == 25  # never above it while remembered
    # long after the refusal the ceiling is forgotten: slow growth as when none is known
    assert allowed_at(forget) == 25 and state.ceiling is None
    assert allowed_at(forget + budget.GROW_AFTER_WINDOWS * w - 0.125) == 25
    assert allowed_at(forget + budget.GROW_AFTER_WINDOWS * w) == 26

    # a refusal at the ceiling (the API gives less now) sets a lower one
    state = BudgetState(allowed=25, ceiling=25, changed_at=0.0, cut_at=0.0)
    for i in range(26):
        budget.book(state, 10.0 + i * 0.125, 50, w)
    budget.refuse(state, 13.5, 50, w, retry_after=1.0)
    assert state.ceiling == 24 and state.allowed == 21  # 25 sent in the window, 1 refused: 24 went through
    t = 13.5 + budget.GROW_AFTER_WINDOWS * w + w
    assert allowed_at(t) == 23 and allowed_at(t + budget.PROBE_AFTER_WINDOWS * w - 0.125) == 23


def test_state_with_its_ceiling_round_trips_through_json() -> None:
    state = BudgetState(spent=[1.0], allowed=7, changed_at=1.0, cut_at=1.0, refused=[1.0], ceiling=8)
    assert BudgetState.from_json(state.to_json()) == state


@settings(max_examples=80)
@given(rate=st.integers(1, 60), slices=st.integers(1, 12), gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=150))
def test_paced_bookings_keep_the_window_spread_the_slices_and_lose_no_rate(rate, slices, gaps) -> None:
    window, state, now, booked = 5.0, BudgetState(), 0.0, []
    for gap in gaps:
        now += gap
        booked.append(budget.book(state, now, rate, window, slices=slices))
    burst = max(1, rate // slices)
    assert booked == sorted(booked)
    assert _max_in_any_window(booked, window) <= rate
    assert _max_in_any_window(booked, window * burst / rate) <= burst
    saturated = BudgetState()  # everyone asks at once: the k-th send goes no later than unpaced arithmetic allows
    for k in range(3 * rate):
        assert budget.book(saturated, 0.0, rate, window, slices=slices) <= k * window / rate + 1e-9


def _simulated_run(*, profile: int, real: int, slices: int, requests: int = 300, workers: int = 12,
                   window: float = 5.0, latency: float = 0.1) -> tuple[int, float]:
    """Fake-time run of ``workers`` concurrent senders sharing one budget of ``profile`` per window
    against an API that takes ``real`` per moving window: (requests refused, time to finish)."""
    import heapq

    state, accepted, refused, done, t = BudgetState(), [], 0, 0, 0.0
    events = [(0.0, w, "book", 0.0) for w in range(workers)]
    heapq.heapify(events)
    while done < requests:
        t, w, kind, at = heapq.heappop(events)
        if kind == "book":
            heapq.heappush(events, (budget.book(state, t, profile, window, slices=slices), w, "send", 0.0))
        elif kind == "send":
            again = budget.rebook_if_paused(state, t, profile, window, t, slices=slices)
            if again is not None and again > t:
                heapq.heappush(events, (again, w, "send", 0.0))
                continue
            arrival = t + latency / 2
            ok = sum(1 for a in accepted if a > arrival - window + 1e-9) < real  # (float noise is not a send)
            accepted += [arrival] if ok else []
            heapq.heappush(events, (t + latency, w, "ok" if ok else "refused", 0.0))
        elif kind == "refused":
            refused += 1
            budget.refuse(state, t, profile, window, retry_after=None)
            heapq.heappush(events, (t, w, "book", 0.0))
        else:
            done += 1
            heapq.heappush(events, (t, w, "book", 0.0))
    return refused, t


def test_pacing_keeps_a_smaller_real_budget_to_a_few_refusals_at_the_same_rate() -> None:
    burst_refused, _ = _simulated_run(profile=50, real=25, slices=1)
    paced_refused, _ = _simulated_run(profile=50, real=25, slices=budget.PACE_SLICES)
    assert burst_refused >= 10  # a whole window's burst: every worker's send in flight is refused
    assert paced_refused <= 5 and paced_refused / 300 < 0.02
    assert _simulated_run(profile=50, real=50, slices=budget.PACE_SLICES)[0] == 0
    burst_time = _simulated_run(profile=50, real=50, slices=1)[1]
    paced_time = _simulated_run(profile=50, real=50, slices=budget.PACE_SLICES)[1]
    assert paced_time - burst_time <= 5.0  # the same rate: all it gives up is the start-up burst, one window
