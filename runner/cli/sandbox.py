"""``toolbelt sandbox``: serve the demo Schoology API on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import signal
import threading

import click


@click.command("sandbox")
@click.option("--port", default=0, show_default=True, help="TCP port (0 picks a free one).")
@click.option("--key", default=None, help="Consumer key (default: random).")
@click.option("--secret", default=None, help="Consumer secret (default: random).")
@click.option("--seed", default=1, show_default=True, help="Seed of the demo district.")
@click.option("--users", default=300, show_default=True, type=click.IntRange(min=1), help="Number of seeded students.")
@click.option(
    "--rate-limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=0),
    help="Requests per window per key (0: unlimited).",
)
@click.option(
    "--rate-window", default=5.0, show_default=True, type=click.FloatRange(min=0.001), help="Rate window in seconds."
)
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(min=0), help="Delay added per request.")
@click.option(
    "--fail-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of requests answered 500/503.",
)
def sandbox(
    port: int,
    key: str | None,
    secret: str | None,
    seed: int,
    users: int,
    rate_limit: int,
    rate_window: float,
    latency_ms: int,
    fail_rate: float,
) -> None:
    """Serve a seeded demo district as a local Schoology API (strict OAuth, paging, bulk caps, 429s).

    Prints the base URL, key and secret when ready: they are the sandbox's own throwaway
    credentials.
    """
    from schoology_sandbox import SandboxConfig, SandboxServer

    if (key is None) != (secret is None):
        raise click.UsageError("give --key and --secret together, or neither")
    config = SandboxConfig(
        port=port,
        key=key,
        secret=secret,
        seed=seed,
        users=users,
        rate_limit=rate_limit or None,
        rate_window=rate_window,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
    )
    click.echo(f"seeding the demo district ({users} students)...", err=True)
    server = SandboxServer(config).start()
    click.echo(f"base_url: {server.base_url}")
    click.echo(f"key:      {server.key}")
    click.echo(f"secret:   {server.secret}")
    click.echo(f"state:    {server.root_url}/_sandbox/state", err=True)
    click.echo("Press Ctrl-C to stop.", err=True)
    stopped = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        click.echo("sandbox stopped", err=True)
