"""Rate limiting: pure bucket arithmetic, a thread- and task-safe limiter, one per credential.

The bucket holds ``rate`` tokens; a spent token comes back exactly ``window`` seconds after
it was spent. That is a token bucket whose refill is tied to each spend, so the number of
sends in *any* interval of length ``window`` never exceeds ``rate``, while a full bucket
still allows a burst. A 429 pauses the whole bucket.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from schoology_etl.errors import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_RATE = 40
DEFAULT_WINDOW = 5.0
#: Added to the window on the client side, so jitter in network latency cannot push two
#: sends that are a window apart here into one server-side window. The limiter raises it
#: to the slowest of the last ``rate`` requests (the server counts a request somewhere
#: between our send and its answer), up to ``MAX_MARGIN_SHARE`` of the window.
DEFAULT_MARGIN = 0.05
MAX_MARGIN_SHARE = 0.2

Clock = Callable[[], float]
SleepFn = Callable[[float], None]
AsyncSleepFn = Callable[[float], Awaitable[None]]


class TokenBucket:
    """Pure token arithmetic with an injectable clock (no locking, no sleeping).

    ``reserve()`` books the next free slot and returns the time at which the caller may
    send; reservations are handed out in order, so callers are served first come first
    served.
    """

    def __init__(self, rate: int = DEFAULT_RATE, window: float = DEFAULT_WINDOW, *, clock: Clock = time.monotonic) -> None:
        if int(rate) < 1:
            raise ConfigurationError(f"rate_limit must be at least 1, got {rate!r}")
        if float(window) <= 0:
            raise ConfigurationError(f"rate_window must be positive, got {window!r}")
        self.rate = int(rate)
        self.window = float(window)
        self.clock = clock
        self._spent: collections.deque[float] = collections.deque(maxlen=self.rate)
        self.paused_until = float("-inf")

    def reserve(self, now: float | None = None) -> float:
        """Book one send and return the earliest time it may happen (``>= now``)."""
        now = self.clock() if now is None else now
        at = max(now, self.paused_until)
        if len(self._spent) == self.rate:
            at = max(at, self._spent[0] + self.window)
        if self._spent and at < self._spent[-1]:
            at = self._spent[-1]
        self._spent.append(at)
        return at

    def pause(self, seconds: float, now: float | None = None) -> float:
        """Send nothing for ``seconds`` from ``now``; return the time the pause ends."""
        now = self.clock() if now is None else now
        self.paused_until = max(self.paused_until, now + max(0.0, seconds))
        return self.paused_until

    def available(self, now: float | None = None) -> int:
        """How many sends could go out right now without waiting."""
        now = self.clock() if now is None else now
        if now < self.paused_until:
            return 0
        return self.rate - sum(1 for t in self._spent if t + self.window > now)


@dataclass
class Wait:
    """What one acquire cost: seconds slept (zero when a token was free)."""

    seconds: float = 0.0


class RateLimiter:
    """A :class:`TokenBucket` shared safely by threads and asyncio tasks.

    The lock is held only for arithmetic, never while sleeping, so the same limiter
    serves sync threads and tasks on any event loop at once.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        window: float = DEFAULT_WINDOW,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
    ) -> None:
        self.base_margin = margin
        self.margin = margin
        self._bucket = TokenBucket(rate, window + margin, clock=clock)
        self._lock = threading.Lock()
        self._durations: collections.deque[float] = collections.deque(maxlen=self._bucket.rate)

    @property
    def rate(self) -> int:
        return self._bucket.rate

    @property
    def window(self) -> float:
        return self._bucket.window - self.margin

    def _reserve(self) -> tuple[float, float]:
        with self._lock:
            now = self._bucket.clock()
            return now, self._bucket.reserve(now)

    def _recheck(self, at: float) -> float | None:
        """If a pause began after ``at`` was booked and covers it, book again."""
        with self._lock:
            if self._bucket.paused_until > at:
                return self._bucket.reserve()
            return None

    def acquire(self, sleep: SleepFn = time.sleep) -> float:
        """Block until one send is allowed; return the seconds waited."""
        now, at = self._reserve()
        waited = 0.0
        while at > now:
            sleep(at - now)
            waited += at - now
            again = self._recheck(at)
            if again is None:
                break
            now, at = self._bucket.clock(), again
        return waited

    async def aacquire(self, sleep: AsyncSleepFn = asyncio.sleep) -> float:
        """Wait (without blocking the loop) until one send is allowed; return seconds waited."""
        now, at = self._reserve()
        waited = 0.0
        while at > now:
            await sleep(at - now)
            waited += at - now
            again = self._recheck(at)
            if again is None:
                break
            now, at = self._bucket.clock(), again
        return waited

    def observe(self, seconds: float) -> None:
        """Record how long one request took (send to answer); widens the margin to match."""
        with self._lock:
            window = self._bucket.window - self.margin
            self._durations.append(max(0.0, seconds))
            margin = min(max(self.base_margin, max(self._durations)), MAX_MARGIN_SHARE * window)
            self._bucket.window = window + margin
            self.margin = margin

    def pause(self, seconds: float | None = None) -> None:
        """Pause every user of this limiter, for ``seconds`` or about one window."""
        seconds = self.window if seconds is None else seconds
        with self._lock:
            self._bucket.pause(seconds)
        log.info("rate limited: pausing all requests for this credential %.1f s", seconds)

    def reconfigure(self, rate: int, window: float) -> None:
        """Change the rate; bookings already made keep counting."""
        with self._lock:
            old = self._bucket
            new = TokenBucket(rate, window + self.margin, clock=old.clock)
            new.paused_until = old.paused_until
            for t in list(old._spent)[-new.rate :]:
                new._spent.append(t)
            self._bucket = new
            self._durations = collections.deque(self._durations, maxlen=new.rate)

    def __repr__(self) -> str:
        return f"<RateLimiter {self.rate}/{self.window:g}s>"


_registry: dict[tuple[str, str], RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    credential: tuple[str, str], rate: int = DEFAULT_RATE, window: float = DEFAULT_WINDOW
) -> RateLimiter:
    """The process-wide limiter for one credential (consumer key + base URL).

    Every client object, sync or async, in any thread, gets the same limiter for the same
    credential. Asking again with a different rate reconfigures it (last one wins).
    """
    with _registry_lock:
        limiter = _registry.get(credential)
        if limiter is None:
            limiter = _registry[credential] = RateLimiter(rate, window)
        elif (limiter.rate, limiter.window) != (int(rate), float(window)):
            log.warning("rate limit for this credential changed from %s/%gs to %s/%gs",
                        limiter.rate, limiter.window, rate, window)
            limiter.reconfigure(rate, window)
        return limiter
