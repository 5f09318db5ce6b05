"""Following a run while it works: its log as it grows, and waiting for its end.

Both keep an eye on the processes behind the runs: a run whose executioner died is
marked worker lost (see :mod:`runner.execution.liveness`), and a run still waiting whose
process (started here) exited before it began is marked failed, so no follower waits for
ever.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from runner.run_records import get_run, iso, load_run
from runner.status import ErrorClass, RunStatus
from runner.store import EXECUTING_STATUSES, TERMINAL_STATUSES, LogLine, Run, get_engine, utcnow

POLL_SECONDS = 0.2
REAP_EVERY_SECONDS = 5.0
LIVENESS_EVERY_SECONDS = 1.0


def iter_log(run_id: int, *, after_seq: int = 0, follow: bool = False,
             poll_seconds: float = POLL_SECONDS, user: str | None = None) -> Iterator[dict[str, Any]]:
    """The run's log lines in order (``seq``, ``ts``, ``stream``, ``text``), if ``user`` may see the run.

    With ``follow``, keeps reading until the run has finished and every line is out.
    """
    from runner.execution.claims import reap_lost_runs

    get_run(run_id, user)
    engine = get_engine()
    last = after_seq
    next_reap = time.monotonic() + REAP_EVERY_SECONDS
    next_check = 0.0
    while True:
        with engine.connect() as conn:
            status = conn.execute(sa.select(Run.status).where(Run.id == run_id)).scalar()
            rows = conn.execute(
                sa.select(LogLine.seq, LogLine.ts, LogLine.stream, LogLine.text)
                .where(LogLine.run_id == run_id, LogLine.seq > last).order_by(LogLine.seq)
            ).all()
        for row in rows:
            last = row.seq
            yield {"seq": row.seq, "ts": iso(row.ts), "stream": row.stream, "text": row.text}
        if not follow or (status in TERMINAL_STATUSES and not rows):
            return
        if status in (RunStatus.QUEUED, RunStatus.APPLYING):
            _fail_if_executioner_died(run_id)
        if not rows:
            if status in EXECUTING_STATUSES and time.monotonic() >= next_check:
                load_run(run_id)  # marks it worker lost if its process is gone
                next_check = time.monotonic() + LIVENESS_EVERY_SECONDS
            if time.monotonic() >= next_reap:
                reap_lost_runs()
                next_reap = time.monotonic() + REAP_EVERY_SECONDS
            time.sleep(poll_seconds)


def wait_for_run(run_id: int, *, poll_seconds: float = POLL_SECONDS, timeout: float | None = None) -> dict[str, Any]:
    """Block until the run is in a final state (or ``timeout`` seconds passed); the run."""
    from runner.execution.claims import reap_lost_runs

    deadline = None if timeout is None else time.monotonic() + timeout
    next_reap = time.monotonic() + REAP_EVERY_SECONDS
    while True:
        run = load_run(run_id)
        if run["status"] in TERMINAL_STATUSES or (deadline is not None and time.monotonic() >= deadline):
            return run
        if run["status"] in (RunStatus.QUEUED, RunStatus.APPLYING):
            _fail_if_executioner_died(run_id)
        if time.monotonic() >= next_reap:
            reap_lost_runs()
            next_reap = time.monotonic() + REAP_EVERY_SECONDS
        time.sleep(poll_seconds)


def _fail_if_executioner_died(run_id: int) -> None:
    """A run still waiting whose process (started here) has exited never started: say so."""
    from runner.execution.claims import waiting_for_a_process
    from runner.execution.run_launcher import exited_early, run_dir

    if not exited_early(run_id):
        return
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run_id, waiting_for_a_process()).values(
            status=RunStatus.FAILED.value, error_class=ErrorClass.INTERNAL.value, finished_at=utcnow(),
            error_message=f"the runner's process exited before starting; see {run_dir(run_id) / 'executioner.log'}"))
