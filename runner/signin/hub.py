"""Signing in through JupyterHub's OAuth, with JupyterHub's own client code
(``jupyterhub.services.auth.HubOAuth``), the way Hub services and jhub-apps do it.

The Hub starts the dashboard as a service (or it runs under a user's server) and
sets ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_CLIENT_ID``,
``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_OAUTH_CALLBACK_URL`` and
``JUPYTERHUB_OAUTH_ACCESS_SCOPES``; HubOAuth reads them. A browser without the Hub's
cookie for this service is sent to the Hub's authorize page (with PKCE and a state
cookie), comes back to ``oauth_callback`` with a code, which is exchanged for a token;
every later request is identified by asking the Hub API who that token belongs to
(cached a minute), and must hold one of the access scopes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado.httputil import url_concat


class HubSignin:
    """The HubOAuth client and the two things the identity provider asks of it."""

    def __init__(self) -> None:
        from jupyterhub.services.auth import HubOAuth

        self.auth = HubOAuth.instance(cache_max_age=60)
        if not self.auth.api_token or not self.auth.oauth_client_id:
            raise ValueError("sign-in through JupyterHub needs JUPYTERHUB_API_TOKEN and JUPYTERHUB_CLIENT_ID "
                             "(set by the Hub for its services and servers)")

    async def user_name(self, handler: Any) -> str | None:
        """The Hub user of this request (token or the Hub's cookie for this service), or None."""
        model = await self.auth.get_user(handler, sync=False)
        if not model or model.get("kind", "user") != "user":
            return None
        scopes = self.auth.access_scopes
        if scopes and not self.auth.check_scopes(scopes, model):
            return None
        return str(model["name"])

    def login_redirect(self, handler: Any, next_url: str) -> str:
        """The Hub's authorize URL with PKCE and a fresh state cookie."""
        params: dict[str, str] = {}
        verifier = None
        if self.auth.pkce_enabled:
            verifier, challenge, method = self.auth.generate_pkce_code_challenge()
            params.update(code_challenge=challenge, code_challenge_method=method)
        params["state"] = self.auth.set_state_cookie(handler, next_url=next_url, code_verifier=verifier)
        return url_concat(self.auth.login_url, params)


def make_hub_auth() -> HubSignin:
    return HubSignin()


class HubLoginHandler(JupyterHandler):
    """``/login``: off to the Hub to sign in, then back to where the user was going."""

    @allow_unauthenticated
    def get(self) -> None:
        from runner.signin.login import _safe_next

        hub: HubSignin = self.identity_provider.hub  # type: ignore[attr-defined]
        self.redirect(hub.login_redirect(self, _safe_next(self, self.get_argument("next", self.base_url))))


def callback_handler() -> list[tuple[str, object]]:
    """JupyterHub's own callback handler, at the path the Hub redirects back to."""
    import os

    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler

    path = urlsplit(HubOAuth.instance().oauth_redirect_uri or os.environ.get("JUPYTERHUB_OAUTH_CALLBACK_URL", "")).path
    return [(path or "/oauth_callback", HubOAuthCallbackHandler)]
