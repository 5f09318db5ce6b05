"""Retry policy (tenacity): transient errors are retried with exponential backoff and jitter.

429s are retried too; their wait is the shared limiter's pause (Retry-After, or about one
window), so the policy itself adds only a small jitter for them. Every retry is a new
send, re-signed by the driver.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import tenacity

from schoology_etl.errors import RateLimitedError, TransientError

DEFAULT_MAX_RETRIES = 6


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date).

    Example:
        >>> parse_retry_after("3")
        3.0
        >>> parse_retry_after("soon") is None
        True
    """
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait between tries.

    Args:
        max_retries: retries after the first try (so ``max_retries + 1`` sends at most).
        initial: first backoff in seconds for 5xx and network errors.
        maximum: cap on one backoff.
        jitter: up to this many extra random seconds on each wait.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial: float = 0.5
    maximum: float = 30.0
    jitter: float = 0.5

    def wait_seconds(self, attempt: int, error: BaseException | None) -> float:
        """Backoff before try ``attempt + 1`` (``attempt`` counts from 1)."""
        if isinstance(error, RateLimitedError):
            return random.uniform(0, min(self.jitter, 0.25))  # the limiter already paused
        backoff = min(self.maximum, self.initial * 2 ** (attempt - 1))
        return backoff + random.uniform(0, self.jitter)

    def _kwargs(self, on_retry: Callable[[BaseException], None] | None) -> dict[str, Any]:
        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.wait_seconds(state.attempt_number, error)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            if on_retry is not None and error is not None:
                on_retry(error)

        return dict(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=wait,
            retry=tenacity.retry_if_exception_type(TransientError),
            reraise=True,
            before_sleep=before_sleep,
        )

    def retrying(
        self, *, sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[BaseException], None] | None = None
    ) -> tenacity.Retrying:
        """A tenacity ``Retrying`` for sync code."""
        return tenacity.Retrying(sleep=sleep, **self._kwargs(on_retry))

    def aretrying(
        self,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_retry: Callable[[BaseException], None] | None = None,
    ) -> tenacity.AsyncRetrying:
        """A tenacity ``AsyncRetrying`` for async code."""
        return tenacity.AsyncRetrying(sleep=sleep, **self._kwargs(on_retry))
