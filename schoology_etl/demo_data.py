"""Where the demo district's SIS files and analytics database live.

``TOOLBELT_DEMO_DIR`` names the folder; else ``$TOOLBELT_HOME/demo`` (``~/.toolbelt/demo``).
The library only finds the files: they are written by a demo-data provider registered
under the ``schoology_etl.demo_data`` entry point (the sandbox package registers one), so
the library never imports the sandbox. ``toolbelt demo`` writes them for the sandbox it
starts; a job run in JupyterLab with its defaults reads them through :func:`demo_file` and
:func:`demo_analytics_url`, which ask the provider to write them when missing.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from schoology_etl.errors import ConfigurationError

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

DEMO_DIR_ENV = "TOOLBELT_DEMO_DIR"
PROVIDER_GROUP = "schoology_etl.demo_data"


def demo_dir() -> Path:
    """The demo data folder (created when missing)."""
    explicit = os.environ.get(DEMO_DIR_ENV)
    if explicit:
        path = Path(explicit)
    else:
        path = Path(os.environ.get("TOOLBELT_HOME") or Path.home() / ".toolbelt") / "demo"
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_with_provider(what: str) -> None:
    providers = list(entry_points(group=PROVIDER_GROUP))
    if not providers:
        raise ConfigurationError(
            f"the demo {what} is not in {demo_dir()} and no demo-data provider is installed "
            f"(entry point group {PROVIDER_GROUP!r}); run `toolbelt demo` once to write it"
        )
    providers[0].load()(demo_dir())


def demo_file(name: str) -> Path:
    """The demo SIS file ``name`` (e.g. ``"users.csv"``, ``"invalid/users_invalid.csv"``), written if missing."""
    folder = demo_dir() / "sis"
    path = folder / name
    if not path.exists():
        _write_with_provider(f"SIS file {name!r}")
    if not path.exists():
        known = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))
        raise FileNotFoundError(f"no demo SIS file {name!r}; the demo files are: {', '.join(known)}")
    return path


def demo_analytics_url() -> str:
    """A SQLAlchemy URL of the demo analytics database (SQLite), built if missing."""
    path = demo_dir() / "analytics.db"
    if not path.exists():
        _write_with_provider("analytics database")
    return f"sqlite:///{path}"


def is_sandbox(client: Any) -> bool:
    """Whether ``client`` (a client or a base URL) talks to a sandbox: one on this machine.

    A real district is never served from a loopback address; the sandbox only ever is.
    """
    base_url = client if isinstance(client, str) else getattr(getattr(client, "credentials", None), "base_url", "")
    host = (urlsplit(base_url or "").hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def input_file(value: Any, demo_name: str, *, client: Any, param: str) -> Path:
    """The file a job reads: ``value`` when given; the demo district's ``demo_name`` only for the sandbox.

    With a real client an empty file parameter is a :class:`ConfigurationError` naming
    the parameter: a real district's job never falls back to the demo district's file.
    """
    if value not in (None, ""):
        path = Path(str(value))
        if not path.is_file():
            raise ConfigurationError(f"parameter {param!r}: no file at {path}")
        return path
    if not is_sandbox(client):
        raise ConfigurationError(
            f"parameter {param!r} is empty: give the district's file. The demo district's file "
            f"({demo_name}) is used only with the sandbox client")
    return demo_file(demo_name)
