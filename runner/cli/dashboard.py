"""``toolbelt dashboard``: serve the Voila dashboard, with a sign-in that is always on."""

from __future__ import annotations

import click

SIGNIN_HELP = ("local: the OS user, on 127.0.0.1 only. header: a trusted proxy header names the user "
               "(--user-header); requests without it are refused. password: the toolbelt's own login "
               "(`toolbelt users password NAME`). jupyterhub: JupyterHub's OAuth (as a Hub service).")


@click.command("dashboard")
@click.option("--port", default=8866, show_default=True)
@click.option("--public", is_flag=True,
              help="Listen on every interface (needs --signin header, password or jupyterhub).")
@click.option("--signin", type=click.Choice(["local", "header", "password", "jupyterhub"]), default=None,
              help=SIGNIN_HELP + "  [default: local, or header with --user-header]")
@click.option("--user-header", default=None, metavar="HEADER",
              help="Trusted proxy header naming the user (e.g. X-Forwarded-User); only behind a proxy that sets it.")
def dashboard(port: int, public: bool, signin: str | None, user_header: str | None) -> None:
    """Serve the dashboard (Voila)."""
    import os

    from runner.dashboard.voila_launcher import signin_env, store_url_env, voila_command
    from runner.store.database import toolbelt_home

    signin = signin or ("header" if user_header else "local")
    if public and signin == "local":
        raise click.UsageError("--public needs a sign-in: --signin header --user-header X-Forwarded-User (behind "
                               "an authenticating proxy), --signin password, or --signin jupyterhub")
    if signin == "header" and not user_header:
        raise click.UsageError("--signin header needs --user-header NAME")
    if signin == "local" and user_header:
        raise click.UsageError("--user-header goes with --signin header")
    toolbelt_home()  # a clear error now rather than in the page
    os.environ.update(signin_env(signin, user_header))
    os.environ.update(store_url_env(dict(os.environ)))  # page kernels get no store password in their environment
    os.environ.pop("TOOLBELT_DB", None)
    cmd = voila_command(port, local=not public, user_header=user_header)
    click.echo(f"dashboard on http://{'0.0.0.0' if public else '127.0.0.1'}:{port}/ (sign-in: {signin})", err=True)
    os.execvp(cmd[0], cmd)
