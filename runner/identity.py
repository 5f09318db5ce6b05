"""Who is asking: the user name from the hosting environment.

In order: ``JUPYTERHUB_USER`` (JupyterHub sets it in every single-user server and
kernel); a trusted proxy header that Voila copies into the kernel's environment
(``--VoilaConfiguration.http_header_envs=X_FORWARDED_USER``), named by
``TOOLBELT_USER_HEADER``; else the operating-system user.

Only name a proxy header in ``TOOLBELT_USER_HEADER`` when an authenticating proxy in
front of Voila sets it and strips it from client requests; otherwise anyone could
claim any name.
"""

from __future__ import annotations

import getpass
import os
from typing import Mapping

HUB_USER_ENV = "JUPYTERHUB_USER"
HEADER_ENV = "TOOLBELT_USER_HEADER"


def current_user(environ: Mapping[str, str] | None = None) -> str:
    """The name of the user this process acts for."""
    env = os.environ if environ is None else environ
    hub = env.get(HUB_USER_ENV, "").strip()
    if hub:
        return hub
    header_var = env.get(HEADER_ENV, "").strip()
    if header_var:
        for candidate in (header_var, header_var.upper().replace("-", "_"), f"HTTP_{header_var.upper().replace('-', '_')}"):
            value = env.get(candidate, "").strip()
            if value:
                return value
    return getpass.getuser()
