"""The dashboard's sign-in over real HTTP: Voila serving the dashboard with each method.

No request is ever mapped to the OS user unless it is the local, loopback dashboard:
a proxy header is required, a password login or JupyterHub's OAuth (against a fake
Hub API on loopback, through JupyterHub's own HubOAuth client) signs users in.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from click.testing import CliRunner
from cryptography.fernet import Fernet

from runner.dashboard.voila_launcher import start_voila, stop_voila, wait_until_serving
from runner.signin.passwords import set_password
from runner.store import dispose_engines
from tests.fixtures.ports import free_port


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOOLBELT_DB", f"sqlite:///{tmp_path / 'home' / 'toolbelt.db'}")
    monkeypatch.setenv("TOOLBELT_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    yield tmp_path
    dispose_engines()


class Served:
    def __init__(self, tmp_path: Path, **kwargs: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = start_voila(self.port, preheat=False, log_path=tmp_path / "voila.log", **kwargs)
        try:
            wait_until_serving(self.port, proc=self.proc, timeout=120)
        except BaseException:
            stop_voila(self.proc)
            raise

    def stop(self) -> None:
        stop_voila(self.proc)


def test_public_dashboard_refuses_to_start_without_a_sign_in() -> None:
    from runner.cli import cli

    result = CliRunner().invoke(cli, ["dashboard", "--public"])
    assert result.exit_code == 2 and "--public needs a sign-in" in result.output
    result = CliRunner().invoke(cli, ["dashboard", "--public", "--signin", "header"])
    assert result.exit_code == 2 and "needs --user-header" in result.output


def test_local_dashboard_refuses_foreign_hosts_keeps_xsrf_and_loads_nothing_from_elsewhere(home: Path) -> None:
    served = Served(home, local=True)
    try:
        page = requests.get(served.url, timeout=120)
        assert page.status_code == 200 and "_xsrf" in page.cookies
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)  # every asset from this server
        assert "cdn.jsdelivr" not in page.text
        rebound = requests.get(served.url, headers={"Host": "attacker.example"}, timeout=60)
        assert rebound.status_code == 403  # DNS rebinding: a foreign name for this server is refused
        forged = requests.post(served.url + "voila/api/shutdown/00000000-0000-0000-0000-000000000000", timeout=60)
        assert forged.status_code == 403  # a post from another page, without the XSRF token
        icons = re.findall(r'src="([^"]*voila-style[^"]*)"', page.text) or re.findall(r'src="([^"]*\.js[^"]*)"', page.text)
        assert icons and requests.get(urljoin(served.url, icons[0]), timeout=60).status_code == 200
    finally:
        served.stop()


def test_header_sign_in_refuses_a_request_without_the_header(home: Path) -> None:
    served = Served(home, local=True, user_header="X-Forwarded-User")
    try:
        refused = requests.get(served.url, timeout=60)
        assert refused.status_code == 403
        assert requests.get(served.url, headers={"X-Toolbelt-User": "admin"}, timeout=60).status_code == 403
        assert requests.get(served.url, headers={"X-Forwarded-User": "alice"}, timeout=120).status_code == 200
    finally:
        served.stop()


def test_password_sign_in(home: Path) -> None:
    set_password("pat", "correct horse battery")
    with pytest.raises(Exception, match="at least 12"):
        set_password("pat", "short")
    served = Served(home, local=True, signin="password")
    try:
        s = requests.Session()
        first = s.get(served.url, allow_redirects=False, timeout=60)
        assert first.status_code == 302 and "/login" in first.headers["Location"]
        form = s.get(served.url + "login", timeout=60)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        assert s.post(served.url + "login", data={"username": "pat", "password": "wrong one here"},
                      timeout=60).status_code == 403  # no XSRF token: refused before the password is looked at
        bad = s.post(served.url + "login", data={"username": "pat", "password": "wrong one here", "_xsrf": xsrf},
                     allow_redirects=False, timeout=60)
        assert bad.status_code == 401 and "Wrong name or password" in bad.text
        good = s.post(served.url + "login", data={"username": "pat", "password": "correct horse battery",
                                                  "_xsrf": xsrf, "next": "//evil.example/"},
                      allow_redirects=False, timeout=60)
        assert good.status_code == 302 and good.headers["Location"] == "/"  # never off to another host
        assert s.get(served.url, timeout=120).status_code == 200
    finally:
        served.stop()


class FakeHub:
    """The parts of JupyterHub's API a service's OAuth uses: authorize, token, user."""

    def __init__(self, user: str = "alice", scopes: tuple[str, ...] = ("access:services!service=toolbelt",)) -> None:
        self.calls: list[str] = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _json(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                hub.calls.append("GET " + url.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/hub/api/oauth2/authorize":
                    assert q["client_id"] == "service-toolbelt" and q.get("code_challenge")
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?code=code-{user}&state={q['state']}")
                    self.end_headers()
                elif url.path == "/hub/api/user":
                    token = self.headers.get("Authorization", "").split(" ", 1)[-1]
                    if token == f"tok-{user}":
                        self._json(200, {"kind": "user", "name": user, "scopes": list(scopes), "groups": []})
                    else:
                        self._json(403, {"message": "no such token"})
                else:
                    self._json(404, {})

            def do_POST(self) -> None:  # noqa: N802
                body = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                hub.calls.append("POST " + self.path)
                if self.path == "/hub/api/oauth2/token" and body["code"] == [f"code-{user}"] \
                        and body["client_secret"] == ["service-api-token"] and body.get("code_verifier"):
                    self._json(200, {"access_token": f"tok-{user}", "token_type": "Bearer"})
                else:
                    self._json(400, {"error": "invalid_grant"})

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        """What JupyterHub sets for a service."""
        return {"JUPYTERHUB_API_URL": self.url + "/hub/api", "JUPYTERHUB_API_TOKEN": "service-api-token",
                "JUPYTERHUB_CLIENT_ID": "service-toolbelt", "JUPYTERHUB_HOST": self.url,
                "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_SERVICE_PREFIX": "/",
                "JUPYTERHUB_OAUTH_CALLBACK_URL": "/oauth_callback",
                "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(["access:services!service=toolbelt"])}


@pytest.mark.parametrize("scopes", [("access:services!service=toolbelt",), ("access:services!service=other",)])
def test_jupyterhub_oauth_sign_in(home: Path, scopes: tuple[str, ...]) -> None:
    hub = FakeHub("alice", scopes)
    served = Served(home, local=True, signin="jupyterhub", env=hub.env())
    try:
        s = requests.Session()
        to_login = s.get(served.url, allow_redirects=False, timeout=60)
        assert to_login.status_code == 302 and "/login" in to_login.headers["Location"]
        to_hub = s.get(urljoin(served.url, to_login.headers["Location"]), allow_redirects=False, timeout=60)
        assert to_hub.headers["Location"].startswith(hub.url + "/hub/api/oauth2/authorize")
        back = s.get(to_hub.headers["Location"], allow_redirects=False, timeout=60)
        callback = s.get(urljoin(served.url, back.headers["Location"]), allow_redirects=False, timeout=60)
        assert callback.status_code == 302, callback.text
        page = s.get(served.url, allow_redirects=False, timeout=120)
        if scopes == ("access:services!service=toolbelt",):
            assert page.status_code == 200
        else:  # signed in at the Hub, but not granted access to this service
            assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert "POST /hub/api/oauth2/token" in hub.calls and "GET /hub/api/user" in hub.calls
        forged = requests.get(served.url, headers={"Authorization": "token tok-mallory"}, allow_redirects=False,
                              timeout=60)
        assert forged.status_code == 302  # a token the Hub does not know signs nobody in
    finally:
        served.stop()
        hub.httpd.shutdown()
