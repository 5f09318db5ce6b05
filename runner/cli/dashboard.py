"""``toolbelt dashboard``: serve the Voila dashboard for a real deployment."""

from __future__ import annotations

import click

from runner.dashboard.launch import voila_command


@click.command("dashboard")
@click.option("--port", default=8866, show_default=True)
@click.option("--public", is_flag=True, help="Listen on every interface (only behind an authenticating proxy).")
@click.option("--user-header", default=None, metavar="HEADER",
              help="Trusted proxy header naming the user (e.g. X-Forwarded-User); only behind a proxy that sets it.")
def dashboard(port: int, public: bool, user_header: str | None) -> None:
    """Serve the dashboard (Voila). Behind JupyterHub the user comes from JUPYTERHUB_USER."""
    import os

    if user_header:
        os.environ["TOOLBELT_USER_HEADER"] = "HTTP_" + user_header.upper().replace("-", "_")
    cmd = voila_command(port, local=not public, user_header=user_header)
    click.echo(f"dashboard on http://{'0.0.0.0' if public else '127.0.0.1'}:{port}/", err=True)
    os.execvp(cmd[0], cmd)
