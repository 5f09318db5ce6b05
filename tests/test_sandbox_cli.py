"""``toolbelt sandbox`` as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import requests
from click.testing import CliRunner

from runner.cli import cli
from tests.fixtures.sandbox import SignedRequests


def test_sandbox_command_serves_until_terminated():
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from runner.cli import main; main()",
            "sandbox",
            "--users",
            "20",
            "--key",
            "cli-key",
            "--secret",
            "cli-secret",
            "--rate-limit",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        lines = dict(process.stdout.readline().split(":", 1) for _ in range(3))
        base_url = lines["base_url"].strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert (lines["key"].strip(), lines["secret"].strip()) == ("cli-key", "cli-secret")
        served = SimpleNamespace(base_url=base_url, key="cli-key", secret="cli-secret")
        assert SignedRequests(served).get("users").status_code == 200
        health = base_url.removesuffix("/v1") + "/_sandbox/health"
        assert requests.get(health, timeout=10).json()["status"] == "ok"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_key_without_secret_is_a_usage_error():
    result = CliRunner().invoke(cli, ["sandbox", "--key", "k"])
    assert result.exit_code == 2 and "--secret" in result.output


def test_help_lists_the_options():
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    for option in ("--port", "--seed", "--users", "--rate-limit", "--rate-window", "--latency-ms", "--fail-rate"):
        assert option in result.output
