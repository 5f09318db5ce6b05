"""Notifications: a failed run and a plan waiting for review each send one e-mail (aiosmtpd
on loopback) and one webhook call (a loopback HTTP server) with the run's link, per user
and per schedule, once however many processes look; webhook URLs never shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner import service
from runner.execution.run_launcher import spawn_executioner
from runner.notifications.dispatch import notify_pending, notify_run
from runner.notifications.rules import NotificationRuleInvalid, add_rule
from runner.scheduling.firing import fire_due
from runner.scheduling.schedules import add_schedule
from runner.store import dispose_engines, utcnow
from tests.fixtures.notify_servers import MailBox, WebhookCalls
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env, poll_until
from tests.fixtures.runner_plans import PARAMS, SET_POSITIONS

DASHBOARD = "https://toolbelt.example.org/app/"
HOOK_PATH = "/hooks/T000/B000/secret-token-0123456789"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, replace=True)
    runner_env.write_job("boom", "raise ValueError('the file has no header row')")
    runner_env.write_job("set_positions", SET_POSITIONS, params=PARAMS,
                         defaults={"count": 5, "position": "Counselor", "apply": False}, mutates=True)
    monkeypatch.setenv("TOOLBELT_DASHBOARD_URL", DASHBOARD)
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def texts(run_id: int) -> list[str]:
    return [ln["text"] for ln in service.iter_log(run_id)]


def test_a_failure_and_a_waiting_plan_each_send_one_email_and_one_webhook_call(
        env: RunnerEnv, smtp_server: MailBox, webhook_server: WebhookCalls) -> None:
    hook = webhook_server.url + HOOK_PATH
    add_rule(channel="email", target="tester@example.org", user="tester", created_by="tester",
             events=["failed", "planned"])
    add_rule(channel="webhook", target=hook, user="tester", created_by="tester", events=["failed", "planned"])
    add_rule(channel="email", target="ann@example.org", user="ann", created_by="ann")  # not ann's runs: silent

    failed = service.create_run("boom", env.client, {}, "tester", wait=True)
    assert failed["status"] == "failed"
    poll_until(lambda: len(smtp_server.messages) >= 1 and len(webhook_server.calls) >= 1)

    schedule = add_schedule("set_positions", env.client, "* * * * *", user="tester",
                            now=utcnow() - timedelta(minutes=5))
    # the schedule's own rules name the same inbox and hook: still one of each
    add_rule(channel="email", target="Tester@example.org", schedule_id=schedule["id"], created_by="tester")
    add_rule(channel="webhook", target=hook, schedule_id=schedule["id"], created_by="tester")
    (fired,) = fire_due("worker-test")
    spawn_executioner(fired["run_id"])
    planned = service.wait_for_run(fired["run_id"], timeout=240)
    assert planned["status"] == "planned" and planned["schedule_id"] == schedule["id"]
    poll_until(lambda: len(smtp_server.messages) >= 2 and len(webhook_server.calls) >= 2)
    assert notify_pending() == [] and notify_run(failed["id"]) == [] and notify_run(planned["id"]) == []

    assert len(smtp_server.messages) == 2 and len(webhook_server.calls) == 2
    (to1, mail1), (to2, mail2) = smtp_server.messages
    assert to1 == ["tester@example.org"] and to2 == ["tester@example.org"]
    assert f"{DASHBOARD}?run={failed['id']}" in mail1.get_content()
    assert "failed" in mail1["Subject"] and "the file has no header row" in mail1.get_content()
    assert f"{DASHBOARD}?run={planned['id']}" in mail2.get_content()
    assert "plan of 5 changes waiting for review" in mail2["Subject"]
    assert f"started by schedule {schedule['id']}" in mail2.get_content()
    (path1, body1), (path2, body2) = webhook_server.calls
    assert path1 == path2 == HOOK_PATH
    assert (body1["event"], body1["run_id"], body1["link"]) == ("failed", failed["id"], f"{DASHBOARD}?run={failed['id']}")
    assert (body2["event"], body2["run_id"], body2["link"]) == ("planned", planned["id"],
                                                                f"{DASHBOARD}?run={planned['id']}")
    assert body2["link"] in body2["text"]
    log_text = "\n".join(texts(failed["id"]) + texts(planned["id"]))
    assert "notified (failed): e-mail to tester@example.org" in log_text
    assert "notified (planned): webhook to 127.0.0.1" in log_text
    assert "secret-token" not in log_text


def test_a_refused_webhook_is_reported_in_the_run_log_and_the_run_keeps_its_outcome(
        env: RunnerEnv, webhook_server: WebhookCalls) -> None:
    webhook_server.status = 500
    add_rule(channel="webhook", target=webhook_server.url + HOOK_PATH, user="tester", created_by="tester")
    add_rule(channel="email", target="tester@example.org", user="tester", created_by="tester")  # no SMTP set up
    run = service.create_run("boom", env.client, {}, "tester", wait=True)
    lines = poll_until(lambda: [t for t in texts(run["id"]) if t.startswith("notification")]
                       if len([t for t in texts(run["id"]) if t.startswith("notification")]) == 2 else None)
    assert "notification (failed) by e-mail to tester@example.org failed: RuntimeError: no SMTP server" in lines[0]
    assert lines[1] == "notification (failed) by webhook to 127.0.0.1 failed: webhook to 127.0.0.1: HTTP 500"
    assert service.get_run(run["id"])["status"] == "failed"


def test_rules_are_checked_and_webhooks_shown_by_host_only(env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotificationRuleInvalid, match="webhook: http:// is only allowed"):
        add_rule(channel="webhook", target="http://hooks.example.org/x", user="tester", created_by="tester")
    with pytest.raises(NotificationRuleInvalid, match="email"):
        add_rule(channel="email", target="not-an-address", user="tester", created_by="tester")
    with pytest.raises(NotificationRuleInvalid, match="on: sometimes"):
        add_rule(channel="email", target="a@example.org", user="tester", created_by="tester", events=["sometimes"])
    with pytest.raises(NotificationRuleInvalid, match="only add notifications for themself"):
        add_rule(channel="email", target="a@example.org", user="ann", created_by="mallory")
    from runner.cli import cli

    monkeypatch.setenv("HOOK", "https://hooks.slack.com/services/T0/B0/verysecretpart")
    runner = CliRunner()
    added = runner.invoke(cli, ["notify", "add", "--webhook-env", "HOOK", "--on", "failed,planned"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["notify", "list"]).output
    assert "runs of tester: webhook to hooks.slack.com on failed, planned" in listed
    assert "verysecretpart" not in added.output + listed
    assert runner.invoke(cli, ["notify", "remove", "1"]).exit_code == 0
