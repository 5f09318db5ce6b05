"""A key's rate budget as plain state, the pure arithmetic on it, and where it is kept.

The state (:class:`BudgetState`) is what every user of one API key must agree on: the
times of the last sends, a pause (after a 429), and how much of the configured rate is
allowed right now (less than all of it after a 429, growing back slowly). The arithmetic
(:func:`book`, :func:`refuse`) is pure. A :class:`BudgetKeeper` holds the state and
applies a change to it atomically:

- :class:`LocalKeeper`: in this process, under a lock (the library's default);
- a shared keeper, found through the entry point group ``schoology_etl.rate_budgets``
  (the runner registers one that keeps the state in its store), so every process and
  host using one key draws from a single budget.

Adaptive rule: on a refusal, the allowed rate drops to :data:`SHRINK_TO` of what the API
let through in the last window (sent minus refused; the first refusal of an episode takes
at least one off, the ones arriving together with it only lower it further as they show
how little went through), and that level (what went through) is remembered as the
*ceiling*. Growing back:

- the first step after a cut comes after :data:`GROW_AFTER_WINDOWS` calm windows; then,
  below ``ceiling - 1``, it rises by one every calm window: those rates went through
  before, so the cut's margin is won back in a few windows;
- from ``ceiling - 1`` it rises to the ceiling only after :data:`PROBE_AFTER_WINDOWS` calm
  windows, and no higher: the key's real budget is just there, and a send above it would
  be refused;
- :data:`CEILING_WINDOWS` windows after the refusal that set it, the ceiling is forgotten
  (the API may give more again, e.g. the district's own SIS sync has finished) and the
  rate rises by one per :data:`GROW_AFTER_WINDOWS` calm windows, up to the configured
  rate, as it does when no ceiling is known (a refusal on the way sets a new ceiling).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "schoology_etl.rate_budgets"
#: after a refusal, the allowed rate becomes this share of what went out in the last window
SHRINK_TO = 0.9
#: windows without a refusal before the allowed rate grows by one (no ceiling known)
GROW_AFTER_WINDOWS = 3
#: windows without a refusal before the allowed rate grows from ``ceiling - 1`` to the ceiling
PROBE_AFTER_WINDOWS = 10
#: windows after the refusal that set a ceiling before it is forgotten
CEILING_WINDOWS = 60
#: the limiter spreads the allowed sends over the window in this many slices (see :func:`book`)
PACE_SLICES = 10

T = TypeVar("T")


@dataclass
class BudgetState:
    """One key's budget: booked send times (ascending), pause, allowed rate (None: all of it)."""

    spent: list[float] = field(default_factory=list)
    paused_until: float = -math.inf
    allowed: int | None = None
    changed_at: float = -math.inf
    cut_at: float = -math.inf
    refused: list[float] = field(default_factory=list)
    ceiling: int | None = None  # what the API let through in a window when it last refused

    def to_json(self) -> str:
        data = asdict(self)
        for k in ("paused_until", "changed_at", "cut_at"):
            data[k] = None if math.isinf(data[k]) else data[k]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> BudgetState:
        if not text:
            return cls()
        data = json.loads(text)
        for k in ("paused_until", "changed_at", "cut_at"):
            data[k] = -math.inf if data.get(k) is None else float(data[k])
        return cls(spent=[float(t) for t in data.get("spent", [])], paused_until=data["paused_until"],
                   allowed=data.get("allowed"), changed_at=data["changed_at"], cut_at=data["cut_at"],
                   refused=[float(t) for t in data.get("refused", [])], ceiling=data.get("ceiling"))


def allowed_rate(state: BudgetState, rate: int) -> int:
    """Sends allowed per window right now: the configured ``rate`` or less after refusals."""
    return rate if state.allowed is None else max(1, min(rate, state.allowed))


def _grow(state: BudgetState, now: float, rate: int, window: float) -> None:
    """Grow the allowed rate back after calm windows (see the module's adaptive rule)."""
    while state.allowed is not None:
        if state.allowed >= rate:
            state.allowed = None
            return
        ceiling = state.ceiling
        if ceiling is not None and now - state.cut_at >= CEILING_WINDOWS * window:
            state.ceiling = ceiling = None  # long calm since it was set: the API may give more again
            state.changed_at = max(state.changed_at, state.cut_at + CEILING_WINDOWS * window)
        just_cut = bool(state.refused) and state.changed_at == state.refused[-1]
        if ceiling is not None and state.allowed >= ceiling:
            return  # at the level the API let through: no higher while the ceiling is remembered
        if ceiling is None or just_cut:  # the first step after a cut waits as long as ever
            windows = GROW_AFTER_WINDOWS
        elif state.allowed < ceiling - 1:
            windows = 1
        else:
            windows = PROBE_AFTER_WINDOWS
        step = windows * window
        if now - state.changed_at < step:
            return
        state.allowed += 1
        state.changed_at += step


def book(state: BudgetState, now: float, rate: int, window: float, *, slices: int = 1) -> float:
    """Book one send; return the earliest time (``>= now``) it may go out.

    At most :func:`allowed_rate` bookings fall in any interval of ``window`` seconds;
    bookings are handed out in order (first come, first served). With ``slices`` above 1
    they are also paced: at most ``burst = max(1, allowed // slices)`` in any interval of
    ``window * burst / allowed``, so a full budget goes out spread over the window, not in
    one burst at its start. The rate is the same; what changes is that a key whose real
    budget is smaller than configured has about a slice's worth in flight, not a whole
    window's, when the API first refuses.
    """
    _grow(state, now, rate, window)
    allowed = allowed_rate(state, rate)
    spent = state.spent
    at = max(now, state.paused_until)
    if len(spent) >= allowed:
        at = max(at, spent[-allowed] + window)
    burst = max(1, allowed // slices)
    if burst < allowed and len(spent) >= burst:
        at = max(at, spent[-burst] + window * burst / allowed)
    if spent and at < spent[-1]:
        at = spent[-1]
    spent.append(at)
    if len(spent) > rate:
        del spent[: len(spent) - rate]
    return at


def pause(state: BudgetState, now: float, seconds: float) -> float:
    """Send nothing for ``seconds`` from ``now``; return when the pause ends."""
    state.paused_until = max(state.paused_until, now + max(0.0, seconds))
    return state.paused_until


def refuse(state: BudgetState, now: float, rate: int, window: float, retry_after: float | None) -> int:
    """A send was refused (429): pause, and shrink the allowed rate to what got through.

    Returns the allowed rate after the change.
    """
    pause(state, now, window if retry_after is None else retry_after)
    state.refused = [t for t in state.refused if t > now - window] + [now]
    went_out = sum(1 for t in state.spent if now - window < t <= now)
    through = max(0, went_out - len(state.refused))
    current = allowed_rate(state, rate)
    target = max(1, int(through * SHRINK_TO))
    if now - state.cut_at >= window:  # a new episode: at least one less; the level it went through remembered
        state.allowed = max(1, min(current - 1, target))
        state.cut_at = now
        state.ceiling = max(1, min(current - 1, through))
    else:
        state.allowed = max(1, min(current, target))
        state.ceiling = max(1, min(state.ceiling or through, through))
    state.changed_at = now
    return allowed_rate(state, rate)


def rebook_if_paused(
    state: BudgetState, now: float, rate: int, window: float, at: float, *, slices: int = 1
) -> float | None:
    """If a pause began after ``at`` was booked and covers it, book again; else None."""
    if state.paused_until > at:
        return book(state, now, rate, window, slices=slices)
    return None


class BudgetKeeper(Protocol):
    """Holds one key's :class:`BudgetState` and changes it atomically."""

    shared: bool

    def update(self, change: Callable[[BudgetState, float], T]) -> T:
        """Apply ``change(state, now)`` atomically (``now`` on this keeper's clock); return its result."""


class LocalKeeper:
    """The budget in this process only, under a lock; ``clock`` is injectable for tests."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.state = BudgetState()
        self._lock = threading.Lock()

    def update(self, change: Callable[[BudgetState, float], T]) -> T:
        with self._lock:
            return change(self.state, self.clock())


_factories: list[Callable[[tuple[str, str]], Any]] | None = None
_factories_lock = threading.Lock()


def _load_factories() -> list[Callable[[tuple[str, str]], Any]]:
    global _factories
    with _factories_lock:
        if _factories is None:
            found = []
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    found.append(ep.load())
                except ImportError as exc:
                    log.warning("rate budget entry point %s could not be loaded: %s", ep.name, exc)
            _factories = found
        return _factories


def shared_keeper(credential: tuple[str, str]) -> BudgetKeeper | None:
    """A keeper shared by every process using this credential, or None (budget stays local).

    Asks each entry point in ``schoology_etl.rate_budgets`` (called with the credential,
    consumer key and base URL); the first non-None answer wins.
    """
    for factory in _load_factories():
        try:
            keeper = factory(credential)
        except Exception as exc:  # noqa: BLE001 - a shared budget is best effort: fall back to local
            log.warning("shared rate budget unavailable, using this process's own: %s", exc)
            continue
        if keeper is not None:
            return keeper
    return None
