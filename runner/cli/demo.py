"""``toolbelt demo``: the sandbox, a worker and the dashboard on localhost, in one command."""

from __future__ import annotations

import signal
import threading

import click


@click.command("demo")
@click.option("--port", default=8866, show_default=True, help="Dashboard port.")
@click.option("--sandbox-port", default=0, help="Sandbox API port (default: a free one).")
@click.option("--seed", default=1, show_default=True, help="Seed of the demo district.")
@click.option("--users", default=300, show_default=True, help="Number of seeded students.")
def demo(port: int, sandbox_port: int, seed: int, users: int) -> None:
    """Start a demo district, a worker and the dashboard; stop with Ctrl-C."""
    from runner.demo_environment import DEMO_CLIENT, DemoEnvironment

    env = DemoEnvironment(port=port, sandbox_port=sandbox_port, seed=seed, users=users)
    click.echo("starting the sandbox district, a worker and the dashboard...", err=True)
    env.start()
    assert env.sandbox is not None
    click.echo(f"""
Provisioner's Toolbelt demo
  dashboard:  {env.url}
  sandbox:    {env.sandbox.base_url}   (client profile "{DEMO_CLIENT}")
  try:        toolbelt run export_users --client {DEMO_CLIENT}
Press Ctrl-C to stop.""")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping...", err=True)
        env.stop()
