"""``toolbelt clients``: add, list, remove and test client profiles.

Secrets never come from a command-line argument (shells keep history, ``ps`` shows
arguments): the API secret is read from ``--secret-env VAR`` or stdin, the SQL URL
from ``--sql-url-env VAR``, an SFTP password from ``--sftp-password-env VAR``.
"""

from __future__ import annotations

import json
import os
import sys

import click

from schoology_etl.errors import SchoologyETLError


def _from_env(var: str, what: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise click.UsageError(f"environment variable {var} (the {what}) is not set or empty")
    return value


def _read_secret(secret_env: str | None) -> str:
    if secret_env:
        return _from_env(secret_env, "secret")
    if sys.stdin.isatty():
        return click.prompt("API secret", hide_input=True)
    value = sys.stdin.readline().strip()
    if not value:
        raise click.UsageError("no secret on stdin; pipe it in or use --secret-env VAR")
    return value


@click.group()
def clients() -> None:
    """Client profiles (secrets encrypted at rest)."""


@clients.command("add")
@click.argument("name")
@click.option("--base-url", required=True, help="API base URL, e.g. https://api.schoology.com/v1")
@click.option("--key", required=True, help="OAuth consumer key.")
@click.option("--secret-env", metavar="VAR", help="Read the secret from this environment variable (else stdin).")
@click.option("--signature-method", type=click.Choice(["HMAC-SHA1", "PLAINTEXT"], case_sensitive=False),
              default="HMAC-SHA1", show_default=True)
@click.option("--sql-url-env", metavar="VAR", help="Read the client's SQL URL from this environment variable.")
@click.option("--sftp-host")
@click.option("--sftp-port", type=int, default=None)
@click.option("--sftp-user")
@click.option("--sftp-host-key", help="The server's public host key line (known_hosts format).")
@click.option("--sftp-password-env", metavar="VAR", help="Read the SFTP password from this environment variable.")
@click.option("--replace", is_flag=True, help="Overwrite a profile of the same name.")
@click.option("--insecure", is_flag=True, help="Allow http:// to a host other than this machine (unencrypted).")
@click.option("--rate-limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="The key's budget: at most N requests per --rate-window (default 40).")
@click.option("--rate-window", type=click.FloatRange(min=0, min_open=True), default=None, metavar="S",
              help="The budget's window in seconds (default 5).")
def add(name: str, base_url: str, key: str, secret_env: str | None, signature_method: str,
        sql_url_env: str | None, sftp_host: str | None, sftp_port: int | None, sftp_user: str | None,
        sftp_host_key: str | None, sftp_password_env: str | None, replace: bool, insecure: bool,
        rate_limit: int | None, rate_window: float | None) -> None:
    """Store client NAME (admin only)."""
    from runner.cli.whoami import cli_user
    from runner.client_admin import add_client

    sftp = None
    if sftp_host or sftp_user or sftp_host_key or sftp_password_env or sftp_port:
        sftp = {"host": sftp_host, "port": sftp_port, "username": sftp_user, "host_key": sftp_host_key,
                "password": _from_env(sftp_password_env, "SFTP password") if sftp_password_env else None}
    sql_url = _from_env(sql_url_env, "SQL URL") if sql_url_env else None
    secret = _read_secret(secret_env)
    try:
        info = add_client(cli_user(), name, base_url=base_url, key=key, secret=secret,
                          signature_method=signature_method, sql_url=sql_url, sftp=sftp, replace=replace,
                          insecure=insecure, rate_limit=rate_limit, rate_window=rate_window)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"stored client {info.name} ({info.base_url}, budget {info.budget})")


@clients.command("edit")
@click.argument("name")
@click.option("--rate-limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="The key's budget: at most N requests per window.")
@click.option("--rate-window", type=click.FloatRange(min=0, min_open=True), default=None, metavar="S",
              help="The budget's window in seconds.")
def edit(name: str, rate_limit: int | None, rate_window: float | None) -> None:
    """Change client NAME's rate budget (admin only); what is not given stays."""
    from runner.cli.whoami import cli_user
    from runner.client_admin import update_client

    changes = {k: v for k, v in (("rate_limit", rate_limit), ("rate_window", rate_window)) if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --rate-limit and/or --rate-window")
    try:
        info = update_client(cli_user(), name, **changes)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"updated client {info.name}: budget {info.budget}")


@clients.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_clients(as_json: bool) -> None:
    """Stored clients (never their secrets)."""
    from runner.profile_store import list_profiles

    try:
        infos = list_profiles()
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([i.to_dict() for i in infos], indent=2, sort_keys=True))
        return
    if not infos:
        click.echo("no clients; add one with: toolbelt clients add NAME --base-url URL --key KEY")
    for i in infos:
        extras = [x for x in ("sql" if i.has_sql else "", f"sftp {i.sftp_host}" if i.sftp_host else "") if x]
        click.echo(f"{i.name}  {i.base_url}  key {i.key_hint}  {i.signature_method}  {i.budget}"
                   + (f"  ({', '.join(extras)})" if extras else ""))


@clients.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete client NAME (admin only)."""
    from runner.cli.whoami import cli_user
    from runner.client_admin import remove_client

    try:
        remove_client(cli_user(), name)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed client {name}")


@clients.command("test")
@click.argument("name")
def test(name: str) -> None:
    """One signed request with client NAME's credentials: ok, or the error (admin only)."""
    from runner.cli.whoami import cli_user
    from runner.client_admin import test_client

    try:
        result = test_client(cli_user(), name)
    except SchoologyETLError as exc:
        raise click.ClickException(str(exc)) from None
    if not result.ok:
        raise click.ClickException(f"client {name}: {result.error_class}: {result.message}")
    click.echo(f"client {name}: {result.message}")
