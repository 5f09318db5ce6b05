"""Rate limiting: a thread- and task-safe limiter, one per credential, shared across processes.

The bucket holds ``rate`` tokens; a spent token comes back exactly ``window`` seconds after
it was spent. That is a token bucket whose refill is tied to each spend, so the number of
sends in *any* interval of length ``window`` never exceeds ``rate``. The sends are also
paced over the window in :data:`~schoology_etl.budget.PACE_SLICES` slices (a tenth of the
budget at a time, not all of it at once), so a key whose real budget is smaller than its
profile says sees a slice refused, not every send in flight. A 429 pauses the whole
bucket and shrinks it for a while (:mod:`schoology_etl.budget` holds the arithmetic and
where the state is kept: this process, or a store every process using the key shares).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from schoology_etl import budget
from schoology_etl.budget import BudgetKeeper, BudgetState, LocalKeeper, shared_keeper
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
    served. The arithmetic is :mod:`schoology_etl.budget`'s, on a state of its own.
    """

    def __init__(self, rate: int = DEFAULT_RATE, window: float = DEFAULT_WINDOW, *,
                 clock: Clock = time.monotonic) -> None:
        self.rate, self.window = _checked(rate, window)
        self.clock = clock
        self.state = BudgetState()

    @property
    def paused_until(self) -> float:
        return self.state.paused_until

    def reserve(self, now: float | None = None) -> float:
        """Book one send and return the earliest time it may happen (``>= now``)."""
        return budget.book(self.state, self.clock() if now is None else now, self.rate, self.window)

    def pause(self, seconds: float, now: float | None = None) -> float:
        """Send nothing for ``seconds`` from ``now``; return the time the pause ends."""
        return budget.pause(self.state, self.clock() if now is None else now, seconds)

    def available(self, now: float | None = None) -> int:
        """How many sends could go out right now without waiting."""
        now = self.clock() if now is None else now
        if now < self.state.paused_until:
            return 0
        allowed = budget.allowed_rate(self.state, self.rate)
        return max(0, allowed - sum(1 for t in self.state.spent if t + self.window > now))


def _checked(rate: int, window: float) -> tuple[int, float]:
    if int(rate) < 1:
        raise ConfigurationError(f"rate_limit must be at least 1, got {rate!r}")
    if float(window) <= 0:
        raise ConfigurationError(f"rate_window must be positive, got {window!r}")
    return int(rate), float(window)


@dataclass
class Wait:
    """What one acquire cost: seconds slept (zero when a token was free)."""

    seconds: float = 0.0


class RateLimiter:
    """One key's budget, safe for threads and asyncio tasks, local or shared between processes.

    Sends are paced (``pace`` slices of the window, see :func:`.budget.book`; 1: a full
    bucket goes out in one burst).

    The budget's state lives in a keeper (:mod:`schoology_etl.budget`): this process's
    own by default, or one shared by every process and host using the key. It is
    touched only for arithmetic, never while sleeping, so the same limiter serves sync
    threads and tasks on any event loop at once. A 429 (:meth:`refused`) pauses every
    user of the budget and shrinks it; it grows back slowly.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        window: float = DEFAULT_WINDOW,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Clock = time.monotonic,
        keeper: BudgetKeeper | None = None,
        pace: int = budget.PACE_SLICES,
    ) -> None:
        self._rate, self._window = _checked(rate, window)
        if int(pace) < 1:
            raise ConfigurationError(f"pace must be at least 1, got {pace!r}")
        self.pace = int(pace)
        self.base_margin = margin
        self.margin = margin
        self.keeper: BudgetKeeper = keeper or LocalKeeper(clock)
        self._lock = threading.Lock()
        self._durations: collections.deque[float] = collections.deque(maxlen=self._rate)

    @property
    def rate(self) -> int:
        """The configured rate (the most the budget ever allows per window)."""
        return self._rate

    @property
    def window(self) -> float:
        return self._window

    @property
    def shared(self) -> bool:
        """True when the budget is shared with other processes (and hosts)."""
        return bool(getattr(self.keeper, "shared", False))

    def allowed(self) -> int:
        """Sends per window allowed right now (less than :attr:`rate` after a 429)."""
        return self.keeper.update(lambda s, now: budget.allowed_rate(s, self._rate))

    def _span(self) -> float:
        return self._window + self.margin

    def _reserve(self) -> tuple[float, float]:
        rate, span, pace = self._rate, self._span(), self.pace
        return self.keeper.update(lambda s, now: (now, budget.book(s, now, rate, span, slices=pace)))

    def _recheck(self, at: float) -> tuple[float, float] | None:
        rate, span, pace = self._rate, self._span(), self.pace

        def change(s: BudgetState, now: float) -> tuple[float, float] | None:
            again = budget.rebook_if_paused(s, now, rate, span, at, slices=pace)
            return None if again is None else (now, again)

        return self.keeper.update(change)

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
            now, at = again
        return waited

    async def aacquire(self, sleep: AsyncSleepFn = asyncio.sleep) -> float:
        """Wait (without blocking the loop) until one send is allowed; return seconds waited."""
        shared = self.shared
        now, at = await asyncio.to_thread(self._reserve) if shared else self._reserve()
        waited = 0.0
        while at > now:
            await sleep(at - now)
            waited += at - now
            again = await asyncio.to_thread(self._recheck, at) if shared else self._recheck(at)
            if again is None:
                break
            now, at = again
        return waited

    def observe(self, seconds: float) -> None:
        """Record how long one request took (send to answer); widens the margin to match."""
        with self._lock:
            self._durations.append(max(0.0, seconds))
            self.margin = min(max(self.base_margin, max(self._durations)), MAX_MARGIN_SHARE * self._window)

    def pause(self, seconds: float | None = None) -> None:
        """Pause every user of this budget, for ``seconds`` or about one window."""
        seconds = self.window if seconds is None else seconds
        self.keeper.update(lambda s, now: budget.pause(s, now, seconds))
        log.info("rate limited: pausing all requests for this credential %.1f s", seconds)

    def refused(self, retry_after: float | None = None) -> int:
        """The API refused a send (429): pause everyone and shrink the budget; return the new rate."""
        rate, span = self._rate, self._span()
        allowed = self.keeper.update(lambda s, now: budget.refuse(s, now, rate, span, retry_after))
        log.info("rate limited: pausing all requests for this credential %.1f s; budget now %s per %gs",
                 self.window if retry_after is None else retry_after, allowed, self.window)
        return allowed

    def reconfigure(self, rate: int, window: float) -> None:
        """Change the rate; bookings already made keep counting."""
        self._rate, self._window = _checked(rate, window)
        with self._lock:
            self._durations = collections.deque(self._durations, maxlen=self._rate)

    def __repr__(self) -> str:
        return f"<RateLimiter {self.rate}/{self.window:g}s{' shared' if self.shared else ''}>"


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
            limiter = _registry[credential] = RateLimiter(rate, window, keeper=shared_keeper(credential))
        elif (limiter.rate, limiter.window) != (int(rate), float(window)):
            log.warning("rate limit for this credential changed from %s/%gs to %s/%gs",
                        limiter.rate, limiter.window, rate, window)
            limiter.reconfigure(rate, window)
        return limiter
