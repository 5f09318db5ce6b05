"""``toolbelt users``: who belongs to which group (jobs' ``access`` lists groups)."""

from __future__ import annotations

import click

from schoology_etl.errors import SchoologyETLError


@click.group()
def users() -> None:
    """Users and their groups."""


@users.command("add")
@click.argument("name")
@click.option("--group", "groups", multiple=True, required=True, help="A group to join (repeatable).")
def add(name: str, groups: tuple[str, ...]) -> None:
    """Add user NAME (if new) to each --group."""
    from runner.access import add_to_groups

    try:
        add_to_groups(name, list(groups))
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: member of {', '.join(groups)}")


@users.command("remove")
@click.argument("name")
@click.option("--group", required=True, help="The group to leave.")
def remove(name: str, group: str) -> None:
    """Remove user NAME from --group."""
    from runner.access import remove_from_group

    if not remove_from_group(name, group):
        raise click.ClickException(f"{name} is not a member of {group}")
    click.echo(f"{name}: left {group}")


@users.command("list")
def list_users() -> None:
    """Every user and their groups."""
    from runner.access import iter_users

    for name, groups in iter_users():
        click.echo(f"{name}: {', '.join(groups) or '-'}")
