"""Signing in to the dashboard: one method is always on.

- ``local``: the OS user, only on 127.0.0.1 with loopback ``Host`` headers (no DNS rebinding).
- ``header``: a trusted proxy header names the user; a request without it is refused.
- ``password``: the toolbelt's own login page against password hashes in the store.
- ``jupyterhub``: JupyterHub's OAuth (the dashboard runs as a Hub service or under a
  user's server), through ``jupyterhub.services.auth.HubOAuth``.

:mod:`runner.signin.provider` is the Jupyter Server identity provider Voila loads;
it also hands the signed-in name to the page's kernel (see :mod:`runner.identity`).
"""
