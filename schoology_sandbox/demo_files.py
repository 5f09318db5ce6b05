"""The demo district's SIS files and analytics database, written for the library.

The library finds them (:mod:`schoology_etl.demo_data`); this module writes them, and is
registered as the library's demo-data provider (entry point ``schoology_etl.demo_data``).
"""

from __future__ import annotations

from pathlib import Path

from schoology_etl.demo_data import demo_dir

DEMO_SEED = 1
DEMO_USERS = 300


def write_missing(folder: Path) -> None:
    """The provider hook: write the demo SIS files and analytics database into ``folder``."""
    write_demo_data(folder=folder)


def write_demo_data(*, seed: int = DEMO_SEED, users: int = DEMO_USERS, folder: Path | None = None) -> str:
    """(Re)write the demo SIS files and analytics database for a district; the analytics URL."""
    from schoology_sandbox.analytics import build_demo_analytics
    from schoology_sandbox.sis_files import write_demo_sis_files

    folder = folder or demo_dir()
    write_demo_sis_files(folder / "sis", seed=seed, users=users)
    url = f"sqlite:///{folder / 'analytics.db'}"
    build_demo_analytics(url, seed=seed, users=users)
    return url
