"""One rate budget per API key, kept in the store and shared by every process and host.

Registered as entry point ``schoology_etl.rate_budgets: store``: every client the
library builds in a process that can reach the store (a job's kernel, the applier, the
dashboard, ``toolbelt clients test``) books its sends here, so the sum of all runs on one
key never passes the key's budget. Booking one send is one short transaction that locks
the key's row (``SELECT ... FOR UPDATE`` on PostgreSQL/MariaDB; a write first on
SQLite, which takes the database's write lock) and rewrites its state.

Chosen over ``limits`` (moving window over Redis) by measurement (``bench/bench_budget.py``):
both cost a few milliseconds or less per send, far below a 50-per-5-s budget's 100 ms
spacing; the store books a future slot in order (no polling, no herd), needs no broker
beside the database, and works on the three backends the store already supports.

Times are wall-clock seconds (``time.time``): hosts sharing a key should keep their
clocks in sync (NTP), as they must for OAuth timestamps anyway.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from runner.store import RateBudgetRow, database_url, get_engine, utcnow
from schoology_etl.budget import BudgetState, LocalKeeper

log = logging.getLogger(__name__)

T = TypeVar("T")
#: lock conflicts (deadlock, SQLite busy) retried this many times before giving up
_RETRIES = 5


def key_digest(credential: tuple[str, str]) -> str:
    """SHA-256 of consumer key and base URL: the row's name, without the key in clear."""
    key, base_url = credential
    return hashlib.sha256(f"{key}\n{base_url.rstrip('/')}".encode()).hexdigest()


class StoreKeeper:
    """A key's :class:`~schoology_etl.budget.BudgetState` in the store's ``rate_budgets`` row.

    If the store stops answering, the budget falls back to this process's own (logged
    once), so a job does not fail for want of the shared budget.
    """

    shared = True

    def __init__(self, credential: tuple[str, str], *, url: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.digest = key_digest(credential)
        self.url = url or database_url()
        self.clock = clock
        self._fallback: LocalKeeper | None = None

    def _ensure_row(self, engine: sa.Engine) -> None:
        with engine.begin() as conn:
            exists = conn.execute(sa.select(RateBudgetRow.key_digest)
                                  .where(RateBudgetRow.key_digest == self.digest)).first()
            if exists:
                return
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(RateBudgetRow).values(
                        key_digest=self.digest, state=BudgetState().to_json(), updated_at=utcnow()))
            except sa.exc.IntegrityError:
                pass  # another process created it first

    def _locked_state(self, conn: sa.Connection) -> str | None:
        where = RateBudgetRow.key_digest == self.digest
        if conn.dialect.name == "postgresql":
            # a lost budget update after a crash costs nothing: do not wait for the disk
            conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
        if conn.dialect.name == "sqlite":
            # a write first takes SQLite's write lock, so the read after it is current
            conn.execute(sa.update(RateBudgetRow).where(where).values(updated_at=utcnow()))
            return conn.execute(sa.select(RateBudgetRow.state).where(where)).scalar()
        return conn.execute(sa.select(RateBudgetRow.state).where(where).with_for_update()).scalar()

    def _update_once(self, engine: sa.Engine, change: Callable[[BudgetState, float], T]) -> T:
        with engine.begin() as conn:
            text = self._locked_state(conn)
            if text is None:
                raise LookupError("rate budget row missing")
            state = BudgetState.from_json(text)
            result = change(state, self.clock())
            conn.execute(sa.update(RateBudgetRow)
                         .where(RateBudgetRow.key_digest == self.digest)
                         .values(state=state.to_json(), updated_at=utcnow()))
            return result

    def update(self, change: Callable[[BudgetState, float], T]) -> T:
        """Apply ``change(state, now)`` to the shared state under the row's lock."""
        if self._fallback is not None:
            return self._fallback.update(change)
        try:
            engine = get_engine(self.url)
            for attempt in range(_RETRIES):
                try:
                    return self._update_once(engine, change)
                except LookupError:
                    self._ensure_row(engine)
                except sa.exc.OperationalError:
                    if attempt == _RETRIES - 1:
                        raise
                    time.sleep(0.01 * (attempt + 1))
            return self._update_once(engine, change)
        except Exception as exc:  # noqa: BLE001 - any store trouble: never fail a job for it
            log.warning("shared rate budget unavailable (%s: %s); this process keeps its own from now on",
                        type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            self._fallback = LocalKeeper(self.clock)
            return self._fallback.update(change)


def store_keeper(credential: tuple[str, str]) -> StoreKeeper | None:
    """The entry point: a keeper in the store, or None when there is no store to share.

    An embedded SQLite store that does not exist yet is not created for this (a plain
    library user without the runner's store keeps a per-process budget).
    """
    url = database_url()
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).expanduser().exists():
        return None
    return StoreKeeper(credential, url=url)
