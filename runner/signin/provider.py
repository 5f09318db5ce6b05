"""The dashboard's sign-in, as a Jupyter Server identity provider that Voila loads
(``--Voila.identity_provider_class=runner.signin.provider.ToolbeltIdentityProvider``).

The method comes from the server's environment, set by ``toolbelt dashboard``:
``TOOLBELT_SIGNIN`` = ``local`` | ``header`` | ``password`` | ``jupyterhub`` and, for
``header``, ``TOOLBELT_USER_HEADER``. On every request, whatever the method, any
``X-Toolbelt-User`` header the browser sent is removed; a signed-in request gets the
server's own, which Voila hands to the page's kernel (``HTTP_X_TOOLBELT_USER``). A
request nobody signed in is redirected to the login page or refused; it never becomes
the OS user. Each page also gets the ``_xsrf`` cookie, so Voila's shutdown beacon
(which sends it) frees the page's kernel with the XSRF check on.
"""

from __future__ import annotations

import os
import re
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web

from runner.identity import SIGNED_IN_HEADER, current_user

SIGNIN_ENV = "TOOLBELT_SIGNIN"
HEADER_ENV = "TOOLBELT_USER_HEADER"
METHODS = ("local", "header", "password", "jupyterhub")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,189}")


def is_loopback_host(host_header: str) -> bool:
    """True when a ``Host`` header names this machine (localhost, 127.0.0.0/8, [::1])."""
    from runner.profile_store import is_loopback_host as loopback

    match = re.match(r"^\[?([^\]]*?)\]?(:\d+)?$", host_header.strip())
    return match is not None and loopback(match.group(1))


class ToolbeltIdentityProvider(IdentityProvider):
    """Signs a request in by the method the deployment chose; see the module's docstring."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["token"] = ""  # never Jupyter's own token login
        super().__init__(**kwargs)
        self.method = os.environ.get(SIGNIN_ENV, "local")
        if self.method not in METHODS:
            raise ValueError(f"{SIGNIN_ENV} must be one of {', '.join(METHODS)}, got {self.method!r}")
        self.user_header = os.environ.get(HEADER_ENV, "")
        if self.method == "header" and not self.user_header:
            raise ValueError(f"sign-in by header needs {HEADER_ENV} (e.g. X-Forwarded-User)")
        self.hub = None
        if self.method == "jupyterhub":
            from runner.signin.hub import make_hub_auth

            self.hub = make_hub_auth()

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return self.method in ("password", "jupyterhub")

    @property
    def logout_available(self) -> bool:
        return self.method == "password"

    def get_handlers(self) -> list[tuple[str, object]]:
        from jupyter_server.utils import url_path_join

        base = getattr(self.parent, "base_url", "/") or "/"
        if self.method == "password":
            from runner.signin.login import LogoutHandler, PasswordLoginHandler

            return [(url_path_join(base, "/login"), PasswordLoginHandler),
                    (url_path_join(base, "/logout"), LogoutHandler)]
        if self.method == "jupyterhub":
            from runner.signin.hub import HubLoginHandler, callback_handler

            return [(url_path_join(base, "/login"), HubLoginHandler), *callback_handler()]
        return []

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        headers = handler.request.headers
        if SIGNED_IN_HEADER in headers:
            del headers[SIGNED_IN_HEADER]  # only this server says who is signed in
        name = await self._name(handler)
        if not name:
            return None
        if not _NAME.fullmatch(name):
            raise web.HTTPError(403, "the signed-in user name has characters the toolbelt does not accept")
        headers[SIGNED_IN_HEADER] = name
        user = User(username=name, name=name, display_name=name)
        handler._current_user = user  # what prepare() is about to set; xsrf_token reads it
        handler.xsrf_token  # noqa: B018 - sets the _xsrf cookie that Voila's shutdown beacon sends back
        return user

    async def _name(self, handler: web.RequestHandler) -> str | None:
        if self.method == "local":
            if not is_loopback_host(handler.request.host or ""):
                raise web.HTTPError(403, "this dashboard answers only to localhost (Host header refused)")
            return current_user()
        if self.method == "header":
            value = handler.request.headers.get(self.user_header, "").strip()
            if not value:
                raise web.HTTPError(403, f"sign-in required: the request has no {self.user_header} header; "
                                         "this dashboard is reachable only through its signing-in proxy")
            return value
        if self.method == "password":
            user = self.get_user_cookie(handler)
            if user is not None and not isinstance(user, User):
                user = await user
            return user.username if user else None
        return await self.hub.user_name(handler)  # type: ignore[union-attr]
