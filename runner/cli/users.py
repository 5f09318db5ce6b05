"""``toolbelt users``: who belongs to which group, roles, passwords and the trusted identity.

Every subcommand needs the admin role (the first user of an empty store becomes admin).
Roles are groups: ``viewers`` (see every run), ``appliers`` (apply and undo plans),
``admins`` (everything); jobs' ``access`` lists other groups.
"""

from __future__ import annotations

import os
import sys

import click

from schoology_etl.errors import SchoologyETLError


def _admin(action: str) -> str:
    from runner.cli.whoami import cli_user
    from runner.roles import ADMIN, require_role

    user = cli_user()
    try:
        require_role(user, ADMIN, action)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    return user


@click.group()
def users() -> None:
    """Users, their groups and roles (admin only)."""


@users.command("add")
@click.argument("name")
@click.option("--group", "groups", multiple=True, required=True,
              help="A group to join (repeatable); roles: viewers, appliers, admins.")
def add(name: str, groups: tuple[str, ...]) -> None:
    """Add user NAME (if new) to each --group."""
    from runner.access import add_to_groups

    _admin("add users to groups")
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

    _admin("remove users from groups")
    if not remove_from_group(name, group):
        raise click.ClickException(f"{name} is not a member of {group}")
    click.echo(f"{name}: left {group}")


@users.command("list")
def list_users() -> None:
    """Every user and their groups."""
    from runner.access import iter_users

    _admin("list users")
    for name, groups in iter_users():
        click.echo(f"{name}: {', '.join(groups) or '-'}")


@users.command("password")
@click.argument("name")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable (else stdin).")
def password(name: str, password_env: str | None) -> None:
    """Set NAME's password for the dashboard's own sign-in (--signin password)."""
    from runner.signin.passwords import set_password

    _admin("set passwords")
    if password_env:
        value = os.environ.get(password_env, "")
    elif sys.stdin.isatty():
        value = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        value = sys.stdin.readline().rstrip("\n")
    try:
        set_password(name, value)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: password set")


@users.command("trust")
@click.argument("source", type=click.Choice(["jupyterhub", "none"]))
def trust(source: str) -> None:
    """Believe JUPYTERHUB_USER for the CLI (a JupyterHub deployment), or nothing but the OS user."""
    from runner.identity import TRUST_SETTING
    from runner.roles import set_setting

    user = _admin("change which identity the toolbelt trusts")
    set_setting(TRUST_SETTING, None if source == "none" else source, user=user)
    click.echo("the CLI now takes the user from " + ("JUPYTERHUB_USER" if source == "jupyterhub" else "the OS user"))
