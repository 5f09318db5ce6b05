"""Schedules: cron in a time zone, checks on add, exactly-once firing across workers on
SQLite, PostgreSQL and MariaDB, overlapping due times skipped and recorded, pause/resume,
the owner-only changes, and the CLI."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from runner.access import add_to_groups
from runner.params import ParamsInvalid
from runner.scheduling.cron import ScheduleInvalid, next_due
from runner.scheduling.firing import fire_due
from runner.scheduling.schedules import ScheduleDenied, add_schedule, list_firings, remove_schedule, set_paused
from runner.store import Run, Schedule, ScheduleFiring, dispose_engines, get_engine, session_scope, utcnow
from tests.fixtures.runner_jobs import RunnerEnv, make_runner_env

UTC = UTC
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _jobs(env: RunnerEnv) -> None:
    env.write_job("count_things", "print(n)", params={"n": {"type": "int", "default": 1, "min": 1}},
                  defaults={"n": 1})
    env.write_job("write_things", "print('plan')", mutates=True)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    _jobs(runner_env)
    yield runner_env
    dispose_engines()


@pytest.fixture
def db_env(request: pytest.FixtureRequest, fresh_database: Callable[[str], str], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, fresh_database(request.param))
    _jobs(runner_env)
    yield runner_env
    dispose_engines()


def test_next_due_is_read_in_the_time_zone_across_daylight_saving() -> None:
    # 7:00 in New York: 12:00 UTC in winter, 11:00 UTC after the March change
    assert next_due("0 7 * * *", "America/New_York", datetime(2026, 3, 7, 13, 0, tzinfo=UTC)) == \
        datetime(2026, 3, 8, 11, 0, tzinfo=UTC)
    assert next_due("0 7 * * *", "America/New_York", datetime(2026, 3, 6, 13, 0, tzinfo=UTC)) == \
        datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert next_due("*/15 * * * *", "UTC", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == \
        datetime(2026, 1, 1, 0, 15, tzinfo=UTC)


@pytest.mark.parametrize(("cron", "tz", "field"), [("61 * * * *", "UTC", "cron"), ("0 7 * *", "UTC", "cron"),
                                                  ("", "UTC", "cron"), ("0 7 * * *", "Mars/Olympus", "tz")])
def test_a_bad_cron_or_zone_is_refused_naming_the_field(env: RunnerEnv, cron: str, tz: str, field: str) -> None:
    with pytest.raises(ScheduleInvalid) as info:
        add_schedule("count_things", env.client, cron, tz=tz, user="tester")
    assert info.value.field == field
    with session_scope() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 0


def test_params_and_auto_apply_are_checked_when_added(env: RunnerEnv) -> None:
    with pytest.raises(ParamsInvalid) as info:
        add_schedule("count_things", env.client, "0 7 * * *", params={"n": "0"}, user="tester")
    assert "n" in info.value.errors
    with pytest.raises(ScheduleInvalid, match="does not write"):
        add_schedule("count_things", env.client, "0 7 * * *", auto_apply_under=5, user="tester")
    from runner.roles import NotAllowedError

    with pytest.raises(NotAllowedError, match="apply role"):  # applying without review needs the apply role
        add_schedule("write_things", env.client, "0 7 * * *", auto_apply_under=5, user="sam")
    with pytest.raises(ScheduleInvalid, match="at least 1"):
        add_schedule("write_things", env.client, "0 7 * * *", auto_apply_under=0, user="tester")
    made = add_schedule("count_things", env.client, "0 7 * * 1-5", tz="Europe/Paris", params={"n": "3"},
                        user="tester", now=T0)
    assert made["params"] == {"n": 3} and made["owner"] == "tester"
    assert made["next_run_at"] == "2026-12-02T06:00:00+00:00"  # 7:00 in Paris, a Wednesday


def _finish_all(schedule_id: int) -> None:
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.schedule_id == schedule_id, Run.status == "queued")
                     .values(status="succeeded", finished_at=utcnow()))


@pytest.mark.parametrize("db_env", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_three_workers_fire_each_due_time_exactly_once(db_env: RunnerEnv) -> None:
    made = add_schedule("count_things", db_env.client, "*/5 * * * *", user="tester", now=T0 - timedelta(minutes=1))
    ticks = [T0 + timedelta(minutes=5 * i, seconds=7) for i in range(6)]
    results: dict[str, list[dict]] = {f"worker-{n}": [] for n in range(3)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker(name: str) -> None:
        try:
            for tick in ticks:
                barrier.wait(timeout=60)
                results[name].extend(fire_due(name, now=tick))
                barrier.wait(timeout=60)
                if name == "worker-0":
                    _finish_all(made["id"])
                barrier.wait(timeout=60)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(name,)) for name in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    fired = [r for rs in results.values() for r in rs]
    due_times = [(T0 + timedelta(minutes=5 * i)).isoformat() for i in range(6)]
    assert sorted(r["due_at"] for r in fired) == due_times
    assert {r["outcome"] for r in fired} == {"started"}
    with session_scope() as s:
        runs = s.scalars(sa.select(Run).where(Run.schedule_id == made["id"]).order_by(Run.id)).all()
        assert [r.scheduled_for.isoformat() for r in runs] == due_times
        assert {r.requester for r in runs} == {"tester"} and all(r.params == {"n": 1} for r in runs)
        firings = s.scalars(sa.select(ScheduleFiring).order_by(ScheduleFiring.due_at)).all()
        assert [f.run_id for f in firings] == [r.id for r in runs]
        assert s.get(Schedule, made["id"]).next_run_at == T0 + timedelta(minutes=30)


def test_an_overlapping_due_time_is_skipped_and_recorded(env: RunnerEnv) -> None:
    made = add_schedule("count_things", env.client, "0 * * * *", user="tester", now=T0 - timedelta(minutes=1))
    first = fire_due("w", now=T0 + timedelta(seconds=3))
    assert [f["outcome"] for f in first] == ["started"]
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == first[0]["run_id"]).values(status="running"))
    second = fire_due("w", now=T0 + timedelta(hours=1, seconds=3))
    assert second == [{"schedule_id": made["id"], "due_at": (T0 + timedelta(hours=1)).isoformat(),
                       "outcome": "skipped", "run_id": None,
                       "reason": f"run {first[0]['run_id']} of this schedule was still running"}]
    with get_engine().begin() as conn:
        conn.execute(sa.update(Run).where(Run.id == first[0]["run_id"]).values(status="succeeded"))
    third = fire_due("w", now=T0 + timedelta(hours=2, seconds=3))
    assert [f["outcome"] for f in third] == ["started"]
    history = list_firings(made["id"])
    assert [(f["outcome"], f["reason"] is not None) for f in history] == \
        [("started", False), ("skipped", True), ("started", False)]
    with session_scope() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Run)) == 2


def test_missed_due_times_fire_once_and_a_broken_job_is_refused_with_its_reason(env: RunnerEnv) -> None:
    made = add_schedule("count_things", env.client, "*/10 * * * *", user="tester", now=T0 - timedelta(minutes=1))
    late = fire_due("w", now=T0 + timedelta(hours=3, minutes=1))  # 18 due times missed: one run
    assert [f["outcome"] for f in late] == ["started"]
    with session_scope() as s:
        assert s.get(Schedule, made["id"]).next_run_at == T0 + timedelta(hours=3, minutes=10)
    _finish_all(made["id"])
    (env.jobs_dir / "count_things.ipynb").write_text("not a notebook")
    refused = fire_due("w", now=T0 + timedelta(hours=3, minutes=11))
    assert refused[0]["outcome"] == "refused" and "count_things" in refused[0]["reason"]


def test_paused_schedules_do_not_fire_and_only_the_owner_or_an_admin_changes_them(env: RunnerEnv) -> None:
    made = add_schedule("count_things", env.client, "0 * * * *", user="tester", now=T0 - timedelta(minutes=1))
    with pytest.raises(ScheduleDenied, match="only its owner"):
        set_paused(made["id"], True, user="mallory")
    set_paused(made["id"], True, user="tester")
    assert fire_due("w", now=T0 + timedelta(minutes=1)) == []
    resumed = set_paused(made["id"], False, user="tester", now=T0 + timedelta(hours=5, minutes=30))
    assert resumed["next_run_at"] == (T0 + timedelta(hours=6)).isoformat()
    with pytest.raises(ScheduleDenied):
        remove_schedule(made["id"], user="mallory")
    add_to_groups("root-admin", ["admins"])
    remove_schedule(made["id"], user="root-admin")
    with session_scope() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 0


def test_schedules_cli_add_list_pause_resume_remove(env: RunnerEnv) -> None:
    from runner.cli import cli

    runner = CliRunner()
    added = runner.invoke(cli, ["schedules", "add", "count_things", "--client", env.client, "--cron", "30 6 * * 1-5",
                                "--tz", "America/Chicago", "-p", "n=4"])
    assert added.exit_code == 0, added.output
    assert '"30 6 * * 1-5" America/Chicago' in added.output and "n=4" in added.output
    bad = runner.invoke(cli, ["schedules", "add", "count_things", "--client", env.client, "--cron", "99 * * * *"])
    assert bad.exit_code == 1 and "cron:" in bad.output
    listed = runner.invoke(cli, ["schedules", "list"])
    assert listed.exit_code == 0 and "count_things for acme" in listed.output and "next " in listed.output
    paused = runner.invoke(cli, ["schedules", "pause", "1"])
    assert paused.exit_code == 0 and "(paused" in paused.output
    resumed = runner.invoke(cli, ["schedules", "resume", "1"])
    assert resumed.exit_code == 0 and "next " in resumed.output
    missing = runner.invoke(cli, ["schedules", "remove", "7"])
    assert missing.exit_code == 1 and "no schedule 7" in missing.output
    removed = runner.invoke(cli, ["schedules", "remove", "1"])
    assert removed.exit_code == 0 and runner.invoke(cli, ["schedules", "list"]).output == ""
