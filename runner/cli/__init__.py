"""The ``toolbelt`` command.

Each command group lives in its own module of this package and is imported only
when it is called, so ``toolbelt --help`` and quick commands stay fast.
"""

from __future__ import annotations

import importlib
from typing import NoReturn

import click

# command name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "sandbox": "runner.cli.sandbox:sandbox",
    "clients": "runner.cli.clients:clients",
    "jobs": "runner.cli.jobs:jobs",
    "run": "runner.cli.runs:run",
    "runs": "runner.cli.runs:runs",
    "worker": "runner.cli.runs:worker",
    "users": "runner.cli.users:users",
    "schedules": "runner.cli.schedules:schedules",
    "notify": "runner.cli.notify:notify",
    "dashboard": "runner.cli.dashboard:dashboard",
    "demo": "runner.cli.demo:demo",
    "maps": "runner.cli.maps:maps",
    "warehouse": "runner.cli.warehouse:warehouse",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a group not built yet in this checkout
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Provisioner's Toolbelt: run Schoology jobs safely."""


def main() -> None:
    """Run the CLI; a toolbelt error (store, rights, bad input) is one line on stderr and exit 1."""
    import sys

    from runner.store.database import private_umask
    from schoology_etl.errors import SchoologyETLError

    private_umask()  # everything the toolbelt writes (store, runs, uploads) is the user's alone
    try:
        cli()
    except SchoologyETLError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def entry() -> NoReturn:
    """The ``toolbelt`` command: :func:`main`, then leave without the interpreter's teardown.

    Freeing the few hundred modules a command loads (SQLAlchemy's above all) took 0.2-0.3 s
    after every command, about a seventh of a warm ``toolbelt run --queue``. Exit handlers
    still run (after the other threads have finished, as at a normal exit), the store's
    connections are closed and the output is flushed first; a crash (any other exception)
    leaves the ordinary way, with its traceback.
    """
    import atexit
    import logging
    import os
    import sys
    import threading

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for thread in threading.enumerate():  # as the interpreter would: its other threads finish first
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    store = sys.modules.get("runner.store.database")
    if store is not None:
        store.dispose_engines()
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)
