"""A district's file on its SFTP site, planned and applied like any other write.

:func:`delivery_change` plans one upload: a ``create`` when the remote file is absent, an
``update`` (before: the remote file's SHA-256 and size) when it would be overwritten.
:class:`SFTPFileTarget` applies it: it re-reads the remote file (drift: someone replaced it
since planning, and it is skipped), checks the staged local file is still the planned one,
and uploads it atomically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from schoology_etl.errors import ConnectorError
from schoology_etl.plans.model import CREATE, UPDATE, Change
from schoology_etl.plans.targets import ItemResult

REALM = "sftp_files"


def file_digest(path: str | Path) -> str:
    """SHA-256 of a local file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def remote_state(sftp: Any, remote: str) -> dict[str, Any] | None:
    """``{"sha256", "size"}`` of the remote file, or ``None`` when there is none."""
    if not sftp.exists(remote):
        return None
    h, size = hashlib.sha256(), 0
    with sftp.open(remote, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"sha256": h.hexdigest(), "size": size}


def delivery_change(sftp: Any, local: str | Path, remote: str) -> Change:
    """The change that puts ``local`` at ``remote`` (create, or update of the file there now)."""
    local = Path(local)
    folder = str(PurePosixPath(remote).parent)
    if folder not in ("", ".") and not sftp.exists(folder):
        raise ConnectorError(f"{sftp.where(remote)}: the folder {folder!r} does not exist on the site")
    after = {"sha256": file_digest(local), "size": local.stat().st_size, "source": str(local)}
    now = remote_state(sftp, remote)
    key = {"path": remote, "site": sftp.where(remote)}
    if now is None:
        return Change(1, CREATE, REALM, key, None, {}, after)
    return Change(1, UPDATE, REALM, key, remote, {**now, "source": str(local)}, after)


class SFTPFileTarget:
    """Applies :data:`REALM` changes through an :class:`~schoology_etl.io.sftp.SFTPConnection`."""

    concurrency = 1

    def __init__(self, sftp: Any) -> None:
        self.sftp = sftp
        self._requests = 0

    def prepare(self, counts: Mapping[str, int], current_counts: Mapping[str, int],
                fields: Mapping[str, Sequence[str]] | None = None) -> None:
        return None

    def read(self, changes: Sequence[Change]) -> dict[int, dict[str, Any] | None]:
        out: dict[int, dict[str, Any] | None] = {}
        for change in changes:
            self._requests += 1
            now = remote_state(self.sftp, change.key["path"])
            out[change.seq] = (None if now is None
                               else {**now, "source": change.after.get("source"), "id": change.key["path"]})
        return out

    def write(self, realm: str, op: str, changes: Sequence[Change]) -> list[ItemResult]:
        results = []
        for change in changes:
            source = Path(str(change.after["source"]))
            if not source.is_file() or file_digest(source) != change.after["sha256"]:
                results.append(ItemResult(False, 409, None, f"{source} is not the file that was planned"))
                continue
            self._requests += 1
            self.sftp.upload(source, change.key["path"])
            results.append(ItemResult(True, 200, change.key["path"], None))
        return results

    def counters(self) -> dict[str, float]:
        return {"requests": self._requests, "retries": 0, "throttled_seconds": 0.0}

    def rate(self) -> tuple[int, float] | None:
        return None
