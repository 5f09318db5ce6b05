"""Deliver a report file to a district's SFTP site as a reviewed plan (job ``deliver_report_sftp``).

:func:`plan_delivery` checks the names, stages a copy of the file with the run (the
planned bytes are what the apply uploads) and plans the upload; :func:`apply_delivery`
uploads it and checks the remote listing; :func:`receipt_row` is the report's one row.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from schoology_etl.errors import ConfigurationError, ConnectorError
from schoology_etl.plans.file_target import SFTPFileTarget, delivery_change, file_digest
from schoology_etl.plans.model import Change


@dataclass(frozen=True)
class Delivery:
    """One planned upload: the local file, its remote name and path, and whether it replaces a file."""

    path: Path
    name: str
    target: str
    site: str
    replaced: bool
    change: Change


def remote_file_name(path: Path, remote_name: str | None) -> str:
    """The plain file name to write on the site (``remote_name`` or the local file's name)."""
    name = remote_name or path.name
    if "/" in name or name in (".", ".."):
        raise ConfigurationError(f"remote_name must be a plain file name, not {name!r}")
    return name


def plan_delivery(sftp: Any, path: Path, remote_folder: str, *, remote_name: str | None = None,
                  overwrite: bool = False, staging: Callable[[str], Path]) -> Delivery:
    """Plan the upload of ``path`` into ``remote_folder``; ``staging(name)`` gives the run's copy's path.

    A file already at the target stops the plan unless ``overwrite`` is on.
    """
    if not path.is_file():
        raise ConfigurationError(f"file: no such file {path}")
    name = remote_file_name(path, remote_name)
    target = str(PurePosixPath(remote_folder, name))
    with sftp:
        replaced = sftp.exists(target)
        if replaced and not overwrite:
            raise ConnectorError(f"{sftp.where(target)} already exists; turn on overwrite to replace it")
        staged = staging(f"delivered-{name}")  # the planned bytes stay with the run until the apply
        shutil.copyfile(path, staged)
        change = delivery_change(sftp, staged, target)
    return Delivery(path, name, target, sftp.where(target), replaced, change)


def apply_delivery(plan: Any, sftp: Any, delivery: Delivery) -> Any:
    """Apply the plan's upload, then check the remote listing shows the file with its planned size."""
    report = plan.apply(SFTPFileTarget(sftp))
    folder = str(PurePosixPath(delivery.target).parent)
    with sftp:
        sizes = {entry.name: entry.size for entry in sftp.listdir(folder)}
    expected = delivery.path.stat().st_size
    if sizes.get(delivery.name) != expected:
        raise ConnectorError(f"{delivery.site} is not in the remote listing with {expected} bytes after the upload")
    return report


def receipt_row(delivery: Delivery, *, applied: bool) -> dict[str, Any]:
    """The delivery report's row: file, remote place, size, SHA-256, replaced, planned or delivered."""
    return {"file": str(delivery.path), "remote": delivery.site, "bytes": delivery.path.stat().st_size,
            "sha256": file_digest(delivery.path), "replaced": delivery.replaced,
            "status": "delivered" if applied else "planned"}
