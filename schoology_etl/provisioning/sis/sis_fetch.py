"""Fetch an SIS export from an SFTP site and stage it for the import jobs (job ``fetch_sis_files``).

:func:`download_export` lists the remote folder, refuses an export whose matching files
are too old (:mod:`.sis_freshness`, before any download) and downloads every matching
file into a private staging folder. :func:`stage_export` checks every file
(:func:`.sis_checks.check_fetched_file`); only when all pass are they moved into the run's
outputs, and the manifest rows returned. The staging folder is removed either way, so a
bad file leaves nothing staged.
"""

from __future__ import annotations

import fnmatch
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from schoology_etl.errors import ConnectorError
from schoology_etl.outputs import output_path
from schoology_etl.progress import progress
from schoology_etl.provisioning.sis.sis_checks import check_fetched_file
from schoology_etl.provisioning.sis.sis_freshness import require_fresh_listing

#: The columns of ``sis_manifest.csv``, one row per staged file.
MANIFEST_COLUMNS = ["file", "kind", "rows", "columns", "bytes", "sha256", "checked", "remote", "modified", "age_hours"]


@dataclass
class FetchedFile:
    """One downloaded file: its ``name``, ``local`` copy, ``remote`` place and ``age`` (``modified``, ``age_hours``)."""

    name: str
    local: Path
    remote: str
    age: dict[str, Any]


@dataclass
class FetchedExport:
    """The files :func:`download_export` downloaded into ``staging``, in listing order."""

    staging: Path
    files: list[FetchedFile] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The downloaded files' names."""
        return [f.name for f in self.files]


def download_export(sftp: Any, remote_folder: str, pattern: str, *, max_age_hours: float) -> FetchedExport:
    """Download the files of ``remote_folder`` matching ``pattern`` (a shell pattern or one name).

    Args:
        sftp: an unopened ``SFTPConnection``; opened and closed here.
        remote_folder: relative to the login folder, or absolute.
        pattern: ``users*.csv``, ``*.csv`` or ``users.csv``.
        max_age_hours: the oldest acceptable file; 0 turns the check off.

    Raises:
        ConnectorError: no file matches (names the site and the pattern), or the site refuses.
        SourceFormatError: a matching file is older than ``max_age_hours``; nothing is downloaded.
    """
    staging = Path(tempfile.mkdtemp(prefix="sis-fetch-"))
    fetched = FetchedExport(staging)
    try:
        with sftp:
            entries = [e for e in sftp.listdir(remote_folder) if not e.is_dir and fnmatch.fnmatch(e.name, pattern)]
            if not entries:
                shown = sftp.where(str(PurePosixPath(remote_folder, pattern)))
                raise ConnectorError(f"no file matching {pattern!r} at {shown}")
            ages = require_fresh_listing(entries, where=sftp.where, max_age_hours=max_age_hours)  # before any download
            for entry, age in zip(progress(entries, desc="download", unit="file"), ages, strict=True):
                local = sftp.download(entry.path, staging / entry.name)
                fetched.files.append(FetchedFile(entry.name, local, sftp.where(entry.path), age))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return fetched


def stage_export(fetched: FetchedExport, *, stage: Callable[[str], Path] = output_path) -> list[dict[str, Any]]:
    """Check every fetched file, then move them all to ``stage(name)``; the manifest rows.

    Each row has :data:`MANIFEST_COLUMNS` (and ``missing_columns``). ``stage`` is the run's
    :func:`~schoology_etl.outputs.output_path` by default.

    Raises:
        SourceFormatError: a file of a known kind lacks required columns or data rows (names its
            remote place); no file is staged.
    """
    try:
        manifest = [{**check_fetched_file(f.local, remote=f.remote), **f.age} for f in fetched.files]
        for f in fetched.files:  # every file passed: stage them all
            shutil.move(f.local, stage(f.name))
    finally:
        shutil.rmtree(fetched.staging, ignore_errors=True)
    return manifest
