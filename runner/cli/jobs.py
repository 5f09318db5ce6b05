"""``toolbelt jobs``: list, show and lint the job catalog."""

from __future__ import annotations

import json
from typing import Any

import click

from runner.catalog import TEMPLATES_DIR, Catalog, Job
from runner.lint import default_lint_paths, expand_paths, lint_paths
from schoology_etl.errors import SchoologyETLError


def _catalog(ctx: click.Context) -> Catalog:
    return Catalog(ctx.obj.get("jobs_dir") if ctx.obj else None)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


@click.group()
@click.option("--jobs-dir", type=click.Path(file_okay=False), envvar="TOOLBELT_JOBS_DIR",
              help="Folder of job notebooks (default: the repository's notebooks/jobs).")
@click.pass_context
def jobs(ctx: click.Context, jobs_dir: str | None) -> None:
    """The job catalog."""
    ctx.ensure_object(dict)
    ctx.obj["jobs_dir"] = jobs_dir


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def list_jobs(ctx: click.Context, as_json: bool) -> None:
    """Every job, by id; broken ones are marked with their error."""
    found = _catalog(ctx).jobs()
    if as_json:
        _echo_json([job.to_dict() for job in found])
        return
    if not found:
        click.echo(f"no jobs in {_catalog(ctx).jobs_dir}")
        return
    width = max(len(job.id) for job in found)
    for job in found:
        if job.header is None:
            first = (job.error or "").splitlines()[0]
            click.echo(f"{job.id:<{width}}  BROKEN  {first}")
        else:
            flag = "mutates" if job.header.mutates else "reads"
            click.echo(f"{job.id:<{width}}  {job.header.category:<12} {flag:<7}  {job.header.title}")


def _show_text(job: Job) -> None:
    click.echo(f"{job.id}  ({job.path})")
    if job.header is None:
        click.echo(f"BROKEN:\n{job.error}")
        return
    h = job.header
    click.echo(f"  title:     {h.title}")
    if h.description:
        click.echo(f"  about:     {h.description}")
    click.echo(f"  category:  {h.category}")
    click.echo(f"  access:    {', '.join(h.access) if h.access is not None else 'every signed-in user'}")
    click.echo(f"  mutates:   {'yes (plan, review, apply)' if h.mutates else 'no'}")
    click.echo(f"  timeout:   {h.timeout}")
    click.echo("  params:" if h.params else "  params:    none")
    for name, spec in h.params.items():
        bits = [spec.type, "required" if spec.required else "optional", f"default {spec.effective_default!r}"]
        if spec.choices:
            bits.append("choices " + "|".join(map(str, spec.choices)))
        for key in ("min", "max", "pattern"):
            if getattr(spec, key) is not None:
                bits.append(f"{key} {getattr(spec, key)}")
        click.echo(f"    {name}: {', '.join(bits)}" + (f"  -- {spec.help}" if spec.help else ""))
    if h.outputs:
        click.echo(f"  outputs:   {', '.join(h.outputs)}")


@jobs.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def show_job(ctx: click.Context, job_id: str, as_json: bool) -> None:
    """One job's header: params, access, timeout."""
    try:
        job = _catalog(ctx).get(job_id)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(job.to_dict())
    else:
        _show_text(job)


@jobs.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Check headers, parameters cells and examples (default: jobs and templates)."""
    targets: list[Any] = list(paths) or default_lint_paths()
    if not paths and ctx.obj.get("jobs_dir"):
        targets = [ctx.obj["jobs_dir"], TEMPLATES_DIR]
    problems = lint_paths(targets)
    for line in problems:
        click.echo(line)
    if problems:
        raise SystemExit(1)
    count = len(expand_paths(targets))
    click.echo(f"ok: {count} notebook{'s' if count != 1 else ''}", err=True)
