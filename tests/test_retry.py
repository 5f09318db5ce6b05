"""Retry policy with fake sleeps."""

from __future__ import annotations

import asyncio

import pytest

from schoology_etl.errors import AuthenticationError, NetworkError, RateLimitedError, ServerError
from schoology_etl.retry import RetryPolicy, parse_retry_after


def test_parse_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=1767225600.0) == 10.0


def run_sync(policy: RetryPolicy, failures: list[Exception]) -> tuple[str, list[float], int]:
    sleeps: list[float] = []
    retries = []
    calls = iter(failures)

    def attempt() -> str:
        error = next(calls, None)
        if error is not None:
            raise error
        return "ok"

    for a in policy.retrying(sleep=sleeps.append, on_retry=retries.append):
        with a:
            result = attempt()
    return result, sleeps, len(retries)


def test_transient_errors_are_retried_with_growing_backoff() -> None:
    policy = RetryPolicy(max_retries=5, initial=1.0, jitter=0.0)
    result, sleeps, retries = run_sync(policy, [ServerError("x"), NetworkError("y"), ServerError("z")])
    assert result == "ok" and retries == 3
    assert sleeps == [1.0, 2.0, 4.0]


def test_rate_limited_retries_leave_the_wait_to_the_limiter() -> None:
    result, sleeps, _ = run_sync(RetryPolicy(), [RateLimitedError("429", retry_after=30)])
    assert result == "ok" and sleeps[0] < 1


def test_fatal_errors_are_not_retried() -> None:
    with pytest.raises(AuthenticationError):
        run_sync(RetryPolicy(), [AuthenticationError("no")])


def test_retries_run_out_with_the_last_error() -> None:
    with pytest.raises(NetworkError, match="last"):
        run_sync(RetryPolicy(max_retries=2, jitter=0), [NetworkError("a"), NetworkError("b"), NetworkError("last")])


def test_async_retrying_uses_the_injected_sleep() -> None:
    sleeps: list[float] = []

    async def fake_sleep(s: float) -> None:
        sleeps.append(s)

    async def main() -> int:
        n = 0
        async for a in RetryPolicy(initial=0.5, jitter=0).aretrying(sleep=fake_sleep):
            with a:
                n += 1
                if n < 3:
                    raise ServerError("boom")
        return n

    assert asyncio.run(main()) == 3
    assert sleeps == [0.5, 1.0]
