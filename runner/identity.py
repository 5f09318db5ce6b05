"""Who is asking.

- The CLI (and anything else started from a shell) acts as the operating-system user.
  ``JUPYTERHUB_USER`` is believed only when an admin has configured the deployment to
  trust it (``toolbelt users trust jupyterhub``: the toolbelt runs inside JupyterHub
  single-user servers, where the Hub sets it); anyone can set an environment variable.
- The dashboard's page kernel acts as the user its server signed in
  (:mod:`runner.signin`): the server removes any ``X-Toolbelt-User`` header a browser
  sends and sets its own, which Voila hands to the kernel as ``HTTP_X_TOOLBELT_USER``.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

HUB_USER_ENV = "JUPYTERHUB_USER"
SIGNED_IN_HEADER = "X-Toolbelt-User"
SIGNED_IN_ENV = "HTTP_X_TOOLBELT_USER"
TRUST_SETTING = "trusted_identity"
TRUST_JUPYTERHUB = "jupyterhub"


def os_user() -> str:
    """The operating-system user of this process."""
    return getpass.getuser()


def trusted_identity() -> str | None:
    """The deployment's trusted identity source (``jupyterhub``) or None; None when the store is unreachable."""
    from runner.roles import get_setting
    from schoology_etl.errors import ConfigurationError

    try:
        return get_setting(TRUST_SETTING)
    except ConfigurationError:
        return None


def current_user(environ: Mapping[str, str] | None = None) -> str:
    """The name of the user this process acts for (CLI, workers, scripts)."""
    env = os.environ if environ is None else environ
    hub = env.get(HUB_USER_ENV, "").strip()
    if hub and trusted_identity() == TRUST_JUPYTERHUB:
        return hub
    return os_user()


def signed_in_user(environ: Mapping[str, str] | None = None) -> str | None:
    """The user the dashboard's server signed in for this page, or None (the page then refuses to work)."""
    env = os.environ if environ is None else environ
    return env.get(SIGNED_IN_ENV, "").strip() or None
