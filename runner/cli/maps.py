"""``toolbelt maps``: district files' column maps saved per client and job."""

from __future__ import annotations

import json
from pathlib import Path

import click

from runner.cli.runs import _clear_errors, _echo_json


@click.group("maps")
def maps() -> None:
    """Save, show and remove the column maps of district files (per client and job)."""


@maps.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """Every saved map."""
    from runner.column_maps import list_maps

    with _clear_errors():
        found = list_maps()
    if as_json:
        _echo_json(found)
        return
    for m in found:
        click.echo(f"{m['client']:<16} {m['job']:<30} {len(m['map'].get('columns', {}))} columns, "
                   f"saved by {m['saved_by']} at {m['saved_at'][:19]}")


@maps.command("show")
@click.argument("job")
@click.option("--client", "-c", required=True)
def show(job: str, client: str) -> None:
    """The map saved for JOB and a client, as JSON (what `-p column_map=...` takes)."""
    from runner.column_maps import get_map

    with _clear_errors():
        found = get_map(client, job)
    if found is None:
        raise click.ClickException(f"no column map saved for job {job!r} and client {client!r}")
    _echo_json(found)


@maps.command("save")
@click.argument("job")
@click.argument("map_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--client", "-c", required=True)
def save(job: str, map_file: Path, client: str) -> None:
    """Save MAP_FILE (JSON: kind, columns, values) as the map of JOB for a client."""
    from runner.column_maps import save_map
    from runner.identity import current_user

    with _clear_errors():
        saved = save_map(client, job, map_file.read_text(encoding="utf-8"), current_user())
    click.echo(f"saved the column map of {job} for {client}: {json.dumps(saved['columns'])}")


@maps.command("remove")
@click.argument("job")
@click.option("--client", "-c", required=True)
def remove(job: str, client: str) -> None:
    """Forget the map of JOB for a client."""
    from runner.column_maps import remove_map
    from runner.identity import current_user

    with _clear_errors():
        gone = remove_map(client, job, current_user())
    click.echo("removed" if gone else f"no column map saved for job {job!r} and client {client!r}")
