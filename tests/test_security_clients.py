"""Security findings about client profiles, each reproduced the way an attacker would try it.

The critical one goes through the dashboard's Clients view: point a stored client at a
server of one's own, switch to PLAINTEXT, press Test. Also: apply refuses a plan made
for another base URL; bad base URLs and short secrets are refused with one clear line.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner import service
from runner.access import add_to_groups
from runner.apply_requests import BaseUrlChangedError
from runner.dashboard.app import DashboardApp
from runner.profile_store import SecretRequiredError, get_profile, list_profiles, update_profile
from tests.fixtures.runner_jobs import RunnerEnv
from tests.fixtures.runner_plans import plan_and_wait


class CaptureServer:
    """An attacker's HTTP server on loopback: records every request it receives."""

    def __init__(self) -> None:
        seen: list[str] = []
        self.seen = seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append(self.path + " " + str(self.headers.get("Authorization")))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer()
    yield server
    server.httpd.shutdown()


def test_clients_view_cannot_send_a_stored_secret_to_another_server(runner_env: RunnerEnv,
                                                                   capture: CaptureServer) -> None:
    add_to_groups("mallory", ["admins"])  # even an admin must know the secret to move it
    view = DashboardApp(user="mallory", dispatch=service.DISPATCH_WORKERS).clients
    view.edit("acme")
    view.base_url.value, view.method.value = capture.url, "PLAINTEXT"
    view.save()
    assert "needs its secret entered again" in view.message.value
    assert get_profile("acme").base_url == "http://127.0.0.1:9/v1" and get_profile("acme").signature_method == "HMAC-SHA1"
    view.test("acme", view._rows["acme"].children[-1])
    assert capture.seen == []  # Test went to the stored server, never to the attacker's
    # with a secret of their own they may repoint it: the stored secret is gone, theirs is sent
    view.edit("acme")
    view.base_url.value, view.method.value, view.secret.value = capture.url, "PLAINTEXT", "mallorys-own-secret"
    view.save()
    view.test("acme", view._rows["acme"].children[-1])
    assert capture.seen and all(runner_env.secret not in line for line in capture.seen)


def test_clients_view_is_read_only_without_the_admin_role(runner_env: RunnerEnv, capture: CaptureServer) -> None:
    view = DashboardApp(user="eve", dispatch=service.DISPATCH_WORKERS).clients
    assert not view.is_admin and len(view._rows["acme"].children) == 2  # no Test, no Edit
    view.name.value, view.base_url.value, view.secret.value = "acme", capture.url, "a-long-enough-secret"
    view.key.value = "k"
    view.save()  # a crafted message still reaches the kernel: refused there
    assert "admin role" in view.message.value and get_profile("acme").base_url == "http://127.0.0.1:9/v1"
    result = view._rows["acme"].children[-1]
    view.test("acme", result)
    assert "admin role" in result.value and capture.seen == []


def test_update_profile_refuses_moving_the_secret_without_it(runner_env: RunnerEnv) -> None:
    for change in ({"base_url": "http://127.0.0.1:8/v1"}, {"key": "other-key"}, {"signature_method": "plaintext"}):
        with pytest.raises(SecretRequiredError, match="secret entered again"):
            update_profile("acme", **change)
    update_profile("acme", base_url="http://127.0.0.1:9/v1/")  # the same URL: no secret needed
    assert get_profile("acme").secret == runner_env.secret


def test_apply_refuses_a_plan_made_for_another_base_url(positions_env: RunnerEnv, sandbox: Any) -> None:
    run = plan_and_wait(positions_env, count=2, position="Moved")
    assert run["status"] == "planned"
    update_profile("acme", base_url="http://127.0.0.1:9/v1", secret=sandbox.secret)
    with pytest.raises(BaseUrlChangedError, match="was made for .* now points at http://127.0.0.1:9/v1"):
        service.apply_run(run["id"], "tester")
    assert service.get_run(run["id"], "tester")["status"] == "planned"


@pytest.mark.parametrize(("base_url", "secret", "extra", "said"), [
    ("http://[::1", "long-enough-1", [], "is not a valid URL"),
    ("ftp://example.org/v1", "long-enough-1", [], "must be http(s)"),
    ("http://api.example.org/v1", "long-enough-1", [], "http:// is allowed only for this machine"),
    ("https://api.example.org/v1", "short", [], "at least 8"),
    ("https://u:p@api.example.org/v1", "long-enough-1", [], "must not hold a user"),
])
def test_clients_add_bad_input_is_one_line_and_nothing_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 base_url: str, secret: str, extra: list[str],
                                                                 said: str) -> None:
    from runner.cli import cli
    from runner.store import dispose_engines

    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    try:
        assert "is now its admin" in CliRunner().invoke(cli, ["users", "list"]).output  # the store is set up
        result = CliRunner().invoke(cli, ["clients", "add", "c", "--base-url", base_url, "--key", "k", *extra],
                                    input=secret + "\n")
        assert result.exit_code == 1 and said in result.output
        assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
        assert list_profiles() == []
        ok = CliRunner().invoke(cli, ["clients", "add", "c", "--base-url", "http://api.example.org/v1", "--key", "k",
                                      "--insecure"], input="long-enough-1\n")
        assert ok.exit_code == 0 and get_profile("c").base_url == "http://api.example.org/v1"
    finally:
        dispose_engines()


def test_unwritable_toolbelt_home_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TOOLBELT_HOME", str(blocker / "home"))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.setattr("sys.argv", ["toolbelt", "clients", "list"])
    with pytest.raises(SystemExit) as code:
        main()
    assert code.value.code == 1


def test_toolbelt_users_needs_the_admin_role_and_the_environment_names_nobody(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.access import iter_users
    from runner.cli import cli
    from runner.store import dispose_engines

    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    try:
        add_to_groups("boss", ["admins"])  # someone else set the store up
        for env in ({}, {"JUPYTERHUB_USER": "boss"}):  # claiming to be the admin in the environment is not enough
            result = CliRunner().invoke(cli, ["users", "add", "me", "--group", "admins"], env=env)
            assert result.exit_code == 1 and "needs the admin role" in result.output
        assert dict(iter_users()) == {"boss": ["admins"]}
    finally:
        dispose_engines()
