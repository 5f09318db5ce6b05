"""``toolbelt run``, ``toolbelt runs ...`` and ``toolbelt worker``.

``run`` waits by default, streams the log as it is written (stdout and rich outputs to
stdout; stderr and the runner's own lines to stderr; an error's traceback folded into one
note, shown by ``runs log ID --full``), and exits 0 only when the run succeeded, or, for
a mutating job, was planned (without ``--apply``) or applied (with ``--apply``: plan,
then apply in one go). A partly applied run (changes refused by the API) exits 1 and
its summary leads with each failed change and the API's message. ``runs apply ID`` applies a reviewed plan and
``runs undo ID`` plans the undo of an applied run as a new run. ``--json`` prints one
JSON object with stable keys instead (see :func:`runner.service.run_to_dict`; plans add
``plan_path``, ``plan_counts``, ``plan_digest``, ``journal_path``, ``journal_counts``).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from runner.status import RunStatus
from schoology_etl.errors import SchoologyETLError

OK_STATUSES = (RunStatus.SUCCEEDED, RunStatus.PLANNED, RunStatus.APPLIED)


@contextlib.contextmanager
def _clear_errors() -> Iterator[None]:
    """Turn the runner's errors into one clear message and exit status 1."""
    try:
        yield
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


class LogPrinter:
    """Prints log lines to the terminal; an error's traceback is folded into one note unless ``full``."""

    def __init__(self, run_id: int, *, full: bool = False) -> None:
        self.run_id, self.full = run_id, full
        self._in_traceback = False

    def __call__(self, line: dict[str, Any]) -> None:
        stream = line["stream"]
        folded = stream == "traceback" and not self.full
        if folded and not self._in_traceback:
            click.echo(f"[toolbelt] (traceback folded: toolbelt runs log {self.run_id} --full shows it)", err=True)
        self._in_traceback = stream == "traceback"
        if folded:
            return
        if stream == "system":
            click.echo(f"[toolbelt] {line['text']}", err=True)
        else:
            click.echo(line["text"], err=stream in ("stderr", "traceback"))


def _failed_changes_text(run: dict[str, Any]) -> str:
    """A partly applied run's failed changes, one a line, each with the API's message."""
    from runner.execution.planrecord import describe_failed_change, failed_changes

    try:
        failed = failed_changes(run["journal_path"]) if run.get("journal_path") else []
    except SchoologyETLError as exc:
        return f"\n  the journal cannot be read: {exc}"
    text = "".join(f"\n  failed: {describe_failed_change(c)}" for c in failed)
    return text + f"\n  fix their cause, then: toolbelt runs apply {run['id']} (sends only the failed changes)"


def _summary(run: dict[str, Any]) -> str:
    from runner.status import status_label

    kind = "" if run.get("kind", "job") == "job" else f"{run['kind']} "
    status = status_label(run["status"], run["error_class"])
    text = f"{kind}run {run['id']} ({run['job']} for {run['client']}): {status}"
    if run["status"] == RunStatus.PARTLY_APPLIED:
        j = run.get("journal_counts") or {}
        text += f": {j.get('failed', '?')} of {j.get('total', '?')} changes failed" + _failed_changes_text(run)
    elif run["error_class"]:
        text += f" [{run['error_class']}] {run['error_message'] or ''}".rstrip()
    if run.get("plan_path"):
        counts = run.get("plan_counts") or {}
        text += f"\n  plan: {run['plan_path']} ({counts.get('total', '?')} changes)"
        if run["status"] == RunStatus.PLANNED:
            text += f"\n  review it, then: toolbelt runs apply {run['id']}"
    if run.get("journal_counts"):
        j = run["journal_counts"]
        text += (f"\n  applied {j.get('applied', 0)}, skipped (drifted) {j.get('skipped_drifted', 0)}, "
                 f"failed {j.get('failed', 0)}, unchanged {j.get('unchanged', 0)}; journal: {run['journal_path']}")
    if run["output_path"]:
        text += f"\n  output notebook: {run['output_path']}"
    for path in run["artifact_paths"]:
        text += f"\n  artifact: {path}"
    return text


def _exit_code(run: dict[str, Any]) -> int:
    if run.get("apply"):  # --apply: planned is not enough (an empty plan ends succeeded)
        return 0 if run["status"] in (RunStatus.SUCCEEDED, RunStatus.APPLIED) else 1
    return 0 if run["status"] in OK_STATUSES else 1


def _follow(run_id: int, as_json: bool) -> dict[str, Any]:
    """Wait for the run (streaming its log unless ``as_json``); Ctrl-C cancels it."""
    from runner import service

    try:
        if as_json:
            return service.wait_for_run(run_id)
        echo = LogPrinter(run_id)
        for line in service.iter_log(run_id, follow=True):
            echo(line)
        return service.get_run(run_id)
    except KeyboardInterrupt:
        click.echo(f"[toolbelt] interrupted: cancelling run {run_id}", err=True)
        service.cancel_run(run_id)
        return service.wait_for_run(run_id, timeout=30)


@click.command("run")
@click.argument("job")
@click.option("--client", "-c", required=True, help="Client profile name.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A job parameter (repeatable).")
@click.option("--apply", "apply_", is_flag=True, help="For a mutating job: apply the plan.")
@click.option("--no-wait", is_flag=True, help="Return once the run is queued.")
@click.option("--queue", is_flag=True, help="Leave the run to `toolbelt worker` instead of starting it here.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON (no streamed log).")
def run(job: str, client: str, params: tuple[str, ...], apply_: bool, no_wait: bool, queue: bool,
        as_json: bool) -> None:
    """Run JOB for a client; wait and stream its log unless --no-wait."""
    from runner import service
    from runner.params import parse_cli_params

    with _clear_errors():
        created = service.create_run(job, client, parse_cli_params(params), apply=apply_,
                                     dispatch=service.DISPATCH_WORKERS if queue else service.DISPATCH_LOCAL)
        run_id = created["id"]
        if no_wait:
            _echo_json(created) if as_json else click.echo(f"run {run_id} queued")
            return
        if not as_json:
            click.echo(f"[toolbelt] run {run_id} queued", err=True)
        final = _follow(run_id, as_json)
        _echo_json(final) if as_json else click.echo(_summary(final), err=True)
    raise SystemExit(_exit_code(final))


@click.group("runs")
def runs() -> None:
    """Look at, follow, cancel, apply and undo runs."""


@runs.command("list")
@click.option("--status", default=None, help="Only runs in this status.")
@click.option("--job", default=None, help="Only runs of this job.")
@click.option("--client", default=None, help="Only runs for this client.")
@click.option("--limit", default=50, show_default=True, help="At most this many, newest first.")
@click.option("--json", "as_json", is_flag=True)
def list_(status: str | None, job: str | None, client: str | None, limit: int, as_json: bool) -> None:
    """Recent runs, newest first."""
    from runner import service

    with _clear_errors():
        found = service.list_runs(limit=limit, status=status, job=job, client=client)
    if as_json:
        _echo_json(found)
        return
    from runner.status import status_label

    for r in found:
        error = f"  {r['error_class']}: {r['error_message']}" if r["error_class"] else ""
        click.echo(f"{r['id']:>6}  {r['created_at'][:19]}  {status_label(r['status']):<14} {r['job']:<30} "
                   f"{r['client']:<16} {r['requester']}{error}")


@runs.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def show(run_id: int, as_json: bool) -> None:
    """One run: status, error, timings, output notebook and artifacts."""
    from runner import service

    with _clear_errors():
        found = service.get_run(run_id)
    if as_json:
        _echo_json(found)
        return
    click.echo(_summary(found))
    for key in ("requester", "params", "created_at", "started_at", "finished_at", "duration_seconds", "worker_id",
                "cancel_requested_by", "parent_run_id", "kind", "plan_digest", "applied_by", "applied_at",
                "journal_counts"):
        if found[key] not in (None, {}, []):
            click.echo(f"  {key}: {found[key]}")


@runs.command("log")
@click.argument("run_id", type=int)
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the run ends.")
@click.option("--full", is_flag=True, help="Show errors' tracebacks in full (folded by default).")
def log_(run_id: int, follow: bool, full: bool) -> None:
    """The run's log (stdout, stderr, rich outputs as text, the runner's notes)."""
    from runner import service

    with _clear_errors():
        echo = LogPrinter(run_id, full=full)
        for line in service.iter_log(run_id, follow=follow):
            echo(line)


@runs.command("cancel")
@click.argument("run_id", type=int)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the run has stopped.")
@click.option("--json", "as_json", is_flag=True)
def cancel(run_id: int, wait: bool, as_json: bool) -> None:
    """Cancel a queued or running run."""
    from runner import service

    with _clear_errors():
        found = service.cancel_run(run_id)
        if wait:
            found = service.wait_for_run(run_id, timeout=60)
    _echo_json(found) if as_json else click.echo(_summary(found))


@runs.command("apply")
@click.argument("run_id", type=int)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait and stream the log until it ends.")
@click.option("--queue", is_flag=True, help="Leave the apply to `toolbelt worker` instead of starting it here.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON (no streamed log).")
@click.option("--confirm", "confirm", default=None, metavar="COUNT",
              help="The number of deletes, deactivations and unlinks in the plan, typed to confirm them "
                   "(asked for when the plan passes the threshold).")
def apply_(run_id: int, wait: bool, queue: bool, as_json: bool, confirm: str | None) -> None:
    """Apply the reviewed plan of a planned run (or resume an apply that stopped part-way)."""
    from runner import service
    from runner.confirm import needs_confirmation

    with _clear_errors():
        count = needs_confirmation(service.get_run(run_id).get("plan_counts"))
        if count is not None and confirm is None and not as_json and sys.stdin.isatty():
            confirm = click.prompt(f"The plan deletes, deactivates or unlinks {count} objects. "
                                   f"Type {count} to apply it", default="", show_default=False)
        started = service.apply_run(run_id, dispatch=service.DISPATCH_WORKERS if queue else service.DISPATCH_LOCAL,
                                    confirm=confirm)
        if not wait:
            _echo_json(started) if as_json else click.echo(f"run {run_id} applying")
            return
        final = _follow(run_id, as_json)
        _echo_json(final) if as_json else click.echo(_summary(final), err=True)
    raise SystemExit(0 if final["status"] == RunStatus.APPLIED else 1)


@runs.command("plan")
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="text: the summary and every change by name; csv: one row per changed field; json: both.")
@click.option("--operation", default=None, help="Only changes of this operation (e.g. update, enroll, unlink).")
@click.option("--search", default=None, help="Only changes whose name, field or values hold this text.")
def plan_(run_id: int, fmt: str, operation: str | None, search: str | None) -> None:
    """The plan review of a run, in names and titles: what each change does, before -> after."""
    import sys

    from runner import service
    from schoology_etl.plans import Plan
    from schoology_etl.plans.review import matches, review_rows, review_text, write_review_csv

    with _clear_errors():
        found = service.get_run(run_id)
        if not found.get("plan_path"):
            raise click.ClickException(f"run {run_id} has no plan")
        plan = Plan(found["plan_path"])
        summaries = plan.review_summary()
        if operation or search:
            def kept():  # noqa: ANN202 - filtered changes by their review rows
                for change in plan:
                    if any(matches(r, operation=operation, search=search) for r in review_rows([change])):
                        yield change
            changes = kept()
        else:
            changes = iter(plan)
        if fmt == "csv":
            write_review_csv(changes, sys.stdout)
        elif fmt == "json":
            _echo_json({"run_id": run_id, "total": len(plan), "status": found["status"],
                        "summary": [{"operation": s.title, "count": s.count, "line": s.line()} for s in summaries],
                        "changes": list(review_rows(changes))})
        else:
            click.echo(f"Run {run_id} ({found['job']} for {found['client']}): {found['status']}, {len(plan)} changes")
            for line in review_text(changes, summaries):
                click.echo(line)


@runs.command("undo")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def undo(run_id: int, as_json: bool) -> None:
    """Plan the undo of an applied run as a new run; review it, then `runs apply` it."""
    from runner import service

    with _clear_errors():
        planned = service.undo_run(run_id)
    if as_json:
        _echo_json(planned)
    else:
        echo = LogPrinter(planned["id"])
        for line in service.iter_log(planned["id"]):
            echo(line)
        click.echo(_summary(planned))
    raise SystemExit(0 if planned["status"] in (RunStatus.PLANNED, RunStatus.SUCCEEDED) else 1)


@click.command("worker")
@click.option("--concurrency", "-n", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Runs at once.")
@click.option("--once", is_flag=True, help="Stop when the queue is empty and started runs have ended.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Idle poll, seconds.")
def worker(concurrency: int, once: bool, poll: float) -> None:
    """Claim queued runs from the store and execute them."""
    import logging

    from runner.execution.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with _clear_errors():
        w = Worker(concurrency=concurrency, once=once, poll_seconds=poll,
                   on_start=lambda rid: click.echo(f"started run {rid}"))
        w.install_signal_handlers()
        w.run()
