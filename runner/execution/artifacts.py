"""A run's output files, the convention being: the notebook writes them into the folder
named by ``TOOLBELT_OUTPUT_DIR`` (also the kernel's working directory), and every file
there becomes an artifact, scrubbed of known secret values first.

A job lists the files it promises in its header's ``outputs``; a missing one is noted
in the log, not an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from runner.execution.scrub import Scrubber


def artifact_kind(path: Path) -> str:
    """A short kind from the file name (``csv``, ``xlsx``, ``png``...; ``file`` without a suffix)."""
    return path.suffix.lstrip(".").lower() or "file"


def collect_artifacts(outputs_dir: Path, scrubber: Scrubber) -> list[dict[str, Any]]:
    """One row per file under ``outputs_dir`` (recursively, sorted), each scrubbed in place."""
    rows: list[dict[str, Any]] = []
    if not outputs_dir.is_dir():
        return rows
    for path in sorted(p for p in outputs_dir.rglob("*") if p.is_file()):
        scrubber.file(path)
        rows.append({
            "name": path.relative_to(outputs_dir).as_posix(),
            "path": str(path),
            "size": path.stat().st_size,
            "kind": artifact_kind(path),
        })
    return rows


def missing_declared(declared: Iterable[str], rows: list[dict[str, Any]]) -> list[str]:
    """Declared outputs that the run did not produce."""
    names = {r["name"] for r in rows}
    return [d for d in declared if d not in names]
