"""``toolbelt notify ...``: who hears when a run finishes, fails or waits for review.

A webhook URL is a credential: give it through an environment variable (``--webhook-env
VAR``) or on stdin, never on the command line; only its host is ever shown.
"""

from __future__ import annotations

import json
import os
import sys

import click

from runner.cli.runs import _clear_errors


@click.group("notify")
def notify() -> None:
    """Notifications by e-mail or webhook, for your runs or for a schedule's runs."""


@notify.command("add")
@click.option("--email", default=None, metavar="ADDRESS", help="Send e-mail to this address.")
@click.option("--webhook-env", default=None, metavar="VAR", help="Post to the webhook URL held in this variable.")
@click.option("--webhook-stdin", is_flag=True, help="Read the webhook URL from stdin.")
@click.option("--schedule", "schedule_id", type=int, default=None, help="For this schedule's runs (default: yours).")
@click.option("--on", "events", default="finished,failed,planned", show_default=True,
              help="Which events: finished, failed, planned (a plan waiting for review).")
@click.option("--json", "as_json", is_flag=True)
def add(email: str | None, webhook_env: str | None, webhook_stdin: bool, schedule_id: int | None, events: str,
        as_json: bool) -> None:
    """Add a notification rule."""
    from runner.identity import current_user
    from runner.notifications.rules import add_rule

    if sum(bool(x) for x in (email, webhook_env, webhook_stdin)) != 1:
        raise click.UsageError("give exactly one of --email, --webhook-env, --webhook-stdin")
    user = current_user()
    if email:
        channel, target = "email", email
    else:
        target = (os.environ.get(webhook_env or "", "") if webhook_env else sys.stdin.readline()).strip()
        if not target:
            raise click.UsageError(f"no webhook URL in {'$' + webhook_env if webhook_env else 'stdin'}")
        channel = "webhook"
    with _clear_errors():
        rule = add_rule(channel=channel, target=target, created_by=user, schedule_id=schedule_id,
                        user=None if schedule_id is not None else user, events=events.split(","))
    click.echo(json.dumps(rule, indent=2, sort_keys=True) if as_json else
               f"notification {rule['id']}: {rule['target']} on {', '.join(rule['events'])}")


@notify.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """Every notification rule (webhooks by host only)."""
    from runner.notifications.rules import list_rules

    with _clear_errors():
        rules = list_rules()
    if as_json:
        click.echo(json.dumps(rules, indent=2, sort_keys=True))
        return
    for r in rules:
        whose = f"schedule {r['schedule_id']}" if r["schedule_id"] else f"runs of {r['user']}"
        click.echo(f"{r['id']:>4}  {whose}: {r['target']} on {', '.join(r['events'])}")


@notify.command("remove")
@click.argument("rule_id", type=int)
def remove(rule_id: int) -> None:
    """Remove a notification rule."""
    from runner.identity import current_user
    from runner.notifications.rules import remove_rule

    with _clear_errors():
        remove_rule(rule_id, user=current_user())
    click.echo(f"notification {rule_id} removed")
