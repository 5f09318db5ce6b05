"""A run's output files, the convention being: the notebook writes them into the folder
named by ``TOOLBELT_OUTPUT_DIR`` (also the kernel's working directory), and every file
there becomes an artifact, scrubbed of known secret values first.

Symbolic links are never followed nor collected (a link could point anywhere on the
host, and scrubbing rewrites the files it finds), and a file too large to scrub is
withheld: not an artifact, and named in the run's log.

A job lists the files it promises in its header's ``outputs``; a missing one is noted
in the log, not an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from runner.execution.scrub import MAX_SCRUBBED_FILE_BYTES, Scrubber, TooLargeToScrub


def artifact_kind(path: Path) -> str:
    """A short kind from the file name (``csv``, ``xlsx``, ``png``...; ``file`` without a suffix)."""
    return path.suffix.lstrip(".").lower() or "file"


def _files(outputs_dir: Path, note: Callable[[str], None]) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(outputs_dir, followlinks=False):
        base = Path(folder)
        for name in list(dirs):
            if (base / name).is_symlink():
                dirs.remove(name)
                note(f"not collected: {(base / name).relative_to(outputs_dir).as_posix()} is a symbolic link")
        for name in files:
            path = base / name
            if path.is_symlink():
                note(f"not collected: {path.relative_to(outputs_dir).as_posix()} is a symbolic link")
            elif path.is_file():
                found.append(path)
    return sorted(found)


def collect_artifacts(outputs_dir: Path, scrubber: Scrubber,
                      note: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One row per regular file under ``outputs_dir`` (recursively, sorted), each scrubbed in place;
    ``note`` receives a line for each file not collected and why."""
    rows: list[dict[str, Any]] = []
    note = note or (lambda _text: None)
    if not outputs_dir.is_dir() or outputs_dir.is_symlink():
        return rows
    for path in _files(outputs_dir, note):
        name = path.relative_to(outputs_dir).as_posix()
        try:
            scrubber.file(path)
        except TooLargeToScrub:
            note(f"withheld: {name} ({path.stat().st_size // (1024 * 1024)} MB, or more once decompressed) is "
                 f"too large to check for secrets (limit {MAX_SCRUBBED_FILE_BYTES // (1024 * 1024)} MB)")
            continue
        rows.append({
            "name": name,
            "path": str(path),
            "size": path.stat().st_size,
            "kind": artifact_kind(path),
        })
    return rows


def missing_declared(declared: Iterable[str], rows: list[dict[str, Any]]) -> list[str]:
    """Declared outputs that the run did not produce."""
    names = {r["name"] for r in rows}
    return [d for d in declared if d not in names]
