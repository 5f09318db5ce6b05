"""``toolbelt schedules ...``: jobs that start themselves on a cron-like schedule.

Workers (``toolbelt worker``) start the due runs. ``toolbelt run`` stays what an outside
scheduler (cron, CI) can call instead.
"""

from __future__ import annotations

import json
from typing import Any

import click

from runner.cli.runs import _clear_errors


def _line(s: dict[str, Any]) -> str:
    state = "paused" if s["paused"] else f"next {s['next_run_at'][:16].replace('T', ' ')} UTC"
    params = " ".join(f"{k}={v}" for k, v in sorted((s["params"] or {}).items()) if v not in (None, "", []))
    apply = f", applies plans under {s['auto_apply_under']} changes" if s["auto_apply_under"] else ""
    return (f"{s['id']:>4}  {s['job']} for {s['client']}  \"{s['cron']}\" {s['timezone']}  ({state}{apply})  "
            f"owner {s['owner']}" + (f"  {params}" if params else ""))


@click.group("schedules")
def schedules() -> None:
    """Jobs on a schedule: add, list, pause, resume, remove."""


@schedules.command("add")
@click.argument("job")
@click.option("--client", "-c", required=True, help="Client profile name.")
@click.option("--cron", required=True, metavar="EXPR", help='Five cron fields, e.g. "0 7 * * 1-5" (7:00 on weekdays).')
@click.option("--tz", default="UTC", show_default=True, metavar="ZONE", help="Time zone the cron is read in.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A job parameter (repeatable).")
@click.option("--auto-apply-under", type=int, default=None, metavar="N",
              help="For a writing job: apply plans with fewer than N changes without review.")
@click.option("--json", "as_json", is_flag=True)
def add(job: str, client: str, cron: str, tz: str, params: tuple[str, ...], auto_apply_under: int | None,
        as_json: bool) -> None:
    """Run JOB for a client on a schedule."""
    from runner.params import parse_cli_params
    from runner.scheduling.schedules import add_schedule

    with _clear_errors():
        made = add_schedule(job, client, cron, tz=tz, params=parse_cli_params(params),
                            auto_apply_under=auto_apply_under)
    click.echo(json.dumps(made, indent=2, sort_keys=True) if as_json else f"schedule added\n{_line(made)}")


@schedules.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """Every schedule, with its next due time."""
    from runner.scheduling.schedules import list_schedules

    with _clear_errors():
        found = list_schedules()
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    for s in found:
        click.echo(_line(s))


@schedules.command("show")
@click.argument("schedule_id", type=int)
def show(schedule_id: int) -> None:
    """One schedule and what happened at its latest due times."""
    from runner.scheduling.schedules import get_schedule, list_firings

    with _clear_errors():
        click.echo(_line(get_schedule(schedule_id)))
        for f in list_firings(schedule_id):
            run = f" run {f['run_id']}" if f["run_id"] else ""
            click.echo(f"  {f['due_at'][:16].replace('T', ' ')} UTC  {f['outcome']}{run}"
                       + (f"  ({f['reason']})" if f["reason"] else ""))


def _set_paused(schedule_id: int, paused: bool) -> None:
    from runner.scheduling.schedules import set_paused

    with _clear_errors():
        click.echo(_line(set_paused(schedule_id, paused)))


@schedules.command("pause")
@click.argument("schedule_id", type=int)
def pause(schedule_id: int) -> None:
    """Stop starting runs (the schedule is kept)."""
    _set_paused(schedule_id, True)


@schedules.command("resume")
@click.argument("schedule_id", type=int)
def resume(schedule_id: int) -> None:
    """Start runs again, from the next due time after now."""
    _set_paused(schedule_id, False)


@schedules.command("remove")
@click.argument("schedule_id", type=int)
def remove(schedule_id: int) -> None:
    """Remove a schedule (its runs stay in the history)."""
    from runner.scheduling.schedules import remove_schedule

    with _clear_errors():
        remove_schedule(schedule_id)
    click.echo(f"schedule {schedule_id} removed")
