"""The CLI's identity: the operating-system user (or a trusted ``JUPYTERHUB_USER``).

The first user to use an empty store becomes its admin (said once on stderr).
"""

from __future__ import annotations

import click


def cli_user() -> str:
    """The user this command acts for; makes them admin when the store has none yet."""
    from runner.identity import current_user
    from runner.roles import ensure_first_admin

    user = current_user()
    if ensure_first_admin(user):
        click.echo(f"{user} is the first user of this store and is now its admin", err=True)
    return user
