"""Where the demo district's SIS files and analytics database live, made on first use.

``TOOLBELT_DEMO_DIR`` names the folder; else ``$TOOLBELT_HOME/demo`` (``~/.toolbelt/demo``).
``toolbelt demo`` writes them for the sandbox it starts; a job run in JupyterLab with its
defaults reads them through :func:`demo_file` and :func:`demo_analytics_url`.
"""

from __future__ import annotations

import os
from pathlib import Path

DEMO_DIR_ENV = "TOOLBELT_DEMO_DIR"
DEMO_SEED = 1
DEMO_USERS = 300


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


def demo_file(name: str) -> Path:
    """The demo SIS file ``name`` (e.g. ``"users.csv"``, ``"invalid/users_invalid.csv"``), written if missing."""
    from schoology_etl.sandbox.sis_files import write_demo_sis_files

    folder = demo_dir() / "sis"
    path = folder / name
    if not path.exists():
        write_demo_sis_files(folder, seed=DEMO_SEED, users=DEMO_USERS)
    if not path.exists():
        known = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))
        raise FileNotFoundError(f"no demo SIS file {name!r}; the demo files are: {', '.join(known)}")
    return path


def demo_analytics_url() -> str:
    """A SQLAlchemy URL of the demo analytics database (SQLite), built if missing."""
    from schoology_etl.sandbox.analytics import build_demo_analytics

    path = demo_dir() / "analytics.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        build_demo_analytics(url, seed=DEMO_SEED, users=DEMO_USERS)
    return url


def write_demo_data(*, seed: int = DEMO_SEED, users: int = DEMO_USERS) -> str:
    """(Re)write the demo SIS files and analytics database for a district; the analytics URL."""
    from schoology_etl.sandbox.analytics import build_demo_analytics
    from schoology_etl.sandbox.sis_files import write_demo_sis_files

    folder = demo_dir()
    write_demo_sis_files(folder / "sis", seed=seed, users=users)
    url = f"sqlite:///{folder / 'analytics.db'}"
    build_demo_analytics(url, seed=seed, users=users)
    return url
