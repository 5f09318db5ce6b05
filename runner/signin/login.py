"""The toolbelt's own login page (``--signin password``): a name and a password checked
against the store's hashes (``toolbelt users password NAME``), then a signed cookie."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import JupyterHandler

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sign in: Provisioner's Toolbelt</title>
<style>body{{font-family:sans-serif;max-width:22em;margin:4em auto}}label{{display:block;margin:.6em 0}}
input{{width:100%;padding:.3em}}.tb-login-error{{color:#b00020}}</style></head><body>
<h2>Provisioner's Toolbelt</h2><p>Sign in to continue.</p>{error}
<form method="post" action="{action}">{xsrf}
<label>Name <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<input type="hidden" name="next" value="{next}"><button type="submit">Sign in</button></form></body></html>"""


def _safe_next(handler: JupyterHandler, value: str) -> str:
    """Only a path on this server (never another host) to go to after signing in."""
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return handler.base_url
    return value


class PasswordLoginHandler(JupyterHandler):
    def _page(self, error: str = "") -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(PAGE.format(
            error=f"<p class='tb-login-error'>{html.escape(error)}</p>" if error else "",
            action=html.escape(self.request.path), xsrf=self.xsrf_form_html(),
            next=html.escape(_safe_next(self, self.get_argument("next", self.base_url)))))

    @allow_unauthenticated
    def get(self) -> None:
        self._page()

    @allow_unauthenticated
    def post(self) -> None:
        from runner.signin.passwords import verify_password

        name = self.get_argument("username", "").strip()
        if name and verify_password(name, self.get_argument("password", "")):
            self.identity_provider.set_login_cookie(self, User(username=name, name=name, display_name=name))
            self.redirect(_safe_next(self, self.get_argument("next", self.base_url)))
            return
        self.log.warning("failed sign-in for %r from %s", name, self.request.remote_ip)
        self.set_status(401)
        self._page("Wrong name or password.")


class LogoutHandler(JupyterHandler):
    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.redirect(self.base_url + "login")
