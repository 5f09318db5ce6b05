"""What the dashboard tells about runs beyond the log: progress bars from the job's tqdm
bars, the job's usual time from its history, a hint when a running run has gone quiet,
the schedule form, and the schedule that started a run in History (no browser)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from runner import service
from runner.dashboard.app import DashboardApp
from runner.dashboard.logview import collapse
from runner.dashboard.progress import Progress, progress_bars, progress_html
from runner.dashboard.schedule_form import ON_SCHEDULE
from runner.run_timing import duration_text, usual_seconds
from runner.scheduling.firing import fire_due
from runner.scheduling.schedules import list_schedules
from runner.store import LogLine, Run, get_engine, session_scope, utcnow
from tests.fixtures.runner_jobs import RunnerEnv


@pytest.fixture
def jobs(runner_env: RunnerEnv) -> RunnerEnv:
    runner_env.write_job("count", "print(n)", category="Diagnostics", description="Counts to n.",
                         params={"n": {"type": "int", "label": "N", "default": 2, "min": 1, "max": 10}},
                         defaults={"n": 2})
    runner_env.write_job("fix_names", "print(1)", category="Users", mutates=True)
    return runner_env


def test_progress_bars_come_from_the_latest_state_of_each_tqdm_bar() -> None:
    lines = [("stderr", "users:   0%|          | 0/200 [00:00<?, ?it/s]"),
             ("stdout", "reading the file"),
             ("stderr", "\rusers:  42%|████▏     | 84/200 [00:01<00:02, 30.1it/s]"),
             ("stderr", "etl: 155 records [00:01, 120.5 records/s]"),  # no total: no bar
             ("stderr", "sections:  50%|█████     | 1/2 [00:01<00:01, 1.0it/s]")]
    bars = progress_bars(collapse(lines))
    assert bars == [Progress("users", 84, 200), Progress("sections", 1, 2)]
    page = progress_html(bars)
    assert '<progress class="tb-progress" max="100" value="42" aria-labelledby="tb-progress-0">' in page
    assert "42% (84 of 200)" in page and "50% (1 of 2)" in page
    assert progress_html([]) == ""


def _finished(job: str, client: str, seconds: float, status: str = "succeeded") -> None:
    start = utcnow() - timedelta(hours=1)
    with session_scope() as s:
        s.add(Run(job_id=job, client=client, requester="t", status=status, started_at=start,
                  finished_at=start + timedelta(seconds=seconds)))


def test_usual_time_is_the_median_of_finished_runs_preferring_the_same_client(jobs: RunnerEnv) -> None:
    assert usual_seconds("count", "acme") is None
    _finished("count", "acme", 10)
    assert usual_seconds("count", "acme") is None  # one run says nothing usual yet
    for seconds in (20, 40):
        _finished("count", "acme", seconds)
    _finished("count", "acme", 900, status="failed")  # a failure is not the usual time
    _finished("count", "other", 300)
    _finished("count", "other", 500)
    assert usual_seconds("count", "acme") == 20
    assert usual_seconds("count", "other") == 400  # its own two runs only
    assert usual_seconds("count", "new-client") == 40  # too few of its own: every client's
    assert duration_text(20) == "20s" and duration_text(187) == "3m 07s" and duration_text(3900) == "1h 05m"


def test_a_running_run_shows_progress_usual_time_and_a_stuck_hint_when_quiet(
        jobs: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_STUCK_SECONDS", "60")
    for seconds in (30, 50):
        _finished("count", jobs.client, seconds)
    run = service.create_run("count", jobs.client, {}, "tester", dispatch=service.DISPATCH_WORKERS)
    quiet_since = utcnow() - timedelta(minutes=3)
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == run["id"]).values(status="running", started_at=quiet_since,
                                                                       worker_id="w:1", heartbeat_at=utcnow()))
        conn.execute(sa.insert(LogLine).values(run_id=run["id"], seq=1, ts=quiet_since, stream="stderr",
                                               text="users:  25%|██▌       | 50/200 [00:01<00:03, 50it/s]"))
    app = DashboardApp(user="tester", dispatch=service.DISPATCH_WORKERS)
    app.open_run(run["id"])
    assert 'value="25"' in app.run_view.progress.value and "25% (50 of 200)" in app.run_view.progress.value
    timing = app.run_view.timing.value
    assert "usually takes about 40s" in timing
    assert "No new output for 3m 0" in timing and "may be stuck" in timing
    with get_engine().begin() as conn:  # a fresh line: the hint goes
        conn.execute(sa.insert(LogLine).values(run_id=run["id"], seq=2, ts=utcnow(), stream="stdout", text="ok"))
    app.run_view.refresh()
    assert "may be stuck" not in app.run_view.timing.value and "usually" in app.run_view.timing.value


def test_the_form_schedules_a_job_with_its_parameters_or_says_what_is_wrong(jobs: RunnerEnv) -> None:
    app = DashboardApp(user="tester", dispatch=service.DISPATCH_WORKERS)
    app.client.value = jobs.client
    app.jobs.open_job("count")
    chooser = app.jobs.chooser
    run_now = app.jobs.detail.children[-1]
    assert chooser.box.layout.display == "none" and run_now.layout.display is None
    chooser.when.value = ON_SCHEDULE
    assert chooser.box.layout.display is None and run_now.layout.display == "none"
    app.jobs.form.fields["n"].input.value = "4"
    chooser.cron.value = "0 7 * *"
    assert chooser.add_schedule() is None and "cron:" in chooser.message.value and list_schedules() == []
    chooser.cron.value, chooser.tz.value = "0 7 * * 1-5", "Europe/Paris"
    made = chooser.add_schedule()
    assert made is not None and made["params"] == {"n": 4} and made["owner"] == "tester"
    assert f"Schedule {made['id']} added for acme: next run " in chooser.message.value
    assert " 07:00 Europe/Paris" in chooser.message.value
    assert chooser.auto_apply not in chooser.box.children  # count writes nothing: no auto-apply field
    app.jobs.open_job("fix_names")
    assert app.jobs.chooser.auto_apply in app.jobs.chooser.box.children

    with get_engine().begin() as conn:  # due now: a worker starts it; History names the schedule
        conn.execute(sa.text("UPDATE schedules SET next_run_at = :t"), {"t": (utcnow() - timedelta(minutes=1))
                                                                             .replace(tzinfo=None)})
    (fired,) = fire_due("w")
    app.show("History")
    app.history.refresh(reload_filters=True)
    rows = " ".join(child.children[0].value for child in app.history.rows.children[1:])
    assert f"#{fired['run_id']}" in rows and f"(schedule #{made['id']})" in rows
