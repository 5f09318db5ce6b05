"""The job kernel's environment: no store password in it.

The kernel inherits the executioner's environment and a notebook can print it, so
while the notebook runs ``TOOLBELT_DB`` is replaced by ``TOOLBELT_DB_FILE``, naming a
0600 file in the run's 0700 folder that holds the URL (the library's profile lookup
reads it through :func:`runner.store.database_url`); the file is removed afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from runner.store.database import DB_FILE_ENV

STORE_URL_FILE = ".store-url"


def hide_store_url(folder: Path) -> Callable[[], None]:
    """Move ``TOOLBELT_DB`` out of the environment into a private file; returns the undo."""
    url = os.environ.get("TOOLBELT_DB")
    if not url:
        return lambda: None
    path = folder / STORE_URL_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(url)
    os.environ[DB_FILE_ENV] = str(path)
    del os.environ["TOOLBELT_DB"]

    def restore() -> None:
        os.environ["TOOLBELT_DB"] = url
        os.environ.pop(DB_FILE_ENV, None)
        path.unlink(missing_ok=True)

    return restore
