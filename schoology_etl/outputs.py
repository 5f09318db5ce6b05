"""Where a job writes what it produces.

Under the runner, ``TOOLBELT_OUTPUT_DIR`` names the run's output folder and every file
there becomes an artifact of the run. In JupyterLab it is unset and files go to the
current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from schoology_etl.errors import ConfigurationError

OUTPUT_DIR_ENV = "TOOLBELT_OUTPUT_DIR"


def output_dir() -> Path:
    """The folder a job writes its outputs to (created when missing)."""
    path = Path(os.environ.get(OUTPUT_DIR_ENV) or ".").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_path(name: str) -> Path:
    """``name`` inside :func:`output_dir`; ``name`` must be a plain file name."""
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ConfigurationError(f"output file name {name!r} must be a plain file name (no folders)")
    return output_dir() / name
