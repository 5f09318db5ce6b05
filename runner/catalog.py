"""The job catalog: every ``<job_id>.ipynb`` in the jobs folder, its header parsed and cached.

A broken header makes its job show as broken (``job.error``); it never hides the others.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.header import HeaderError, JobHeader, parse_header
from schoology_etl.errors import ConfigurationError

JOBS_DIR_ENV = "TOOLBELT_JOBS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JOBS_DIR = REPO_ROOT / "notebooks" / "jobs"
TEMPLATES_DIR = REPO_ROOT / "notebooks" / "templates"


class UnknownJobError(ConfigurationError):
    """No job with that id in the catalog."""

    def __init__(self, job_id: str, jobs_dir: Path, near: list[str]) -> None:
        self.job_id = job_id
        self.near = near
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        super().__init__(f"no job {job_id!r} in {jobs_dir}{hint}")


class BrokenJobError(ConfigurationError):
    """The job exists but its header is invalid."""


@dataclass(frozen=True)
class Job:
    """One notebook of the catalog.

    Attributes:
        id: the file stem.
        path: the notebook.
        header: the parsed header, or None when broken.
        error: the header problem, one line per problem, or None.
        content_hash: sha256 of the notebook file, recorded with each run.
    """

    id: str
    path: Path
    header: JobHeader | None
    error: str | None
    content_hash: str

    @property
    def ok(self) -> bool:
        return self.header is not None

    def require_header(self) -> JobHeader:
        """The header, or :class:`BrokenJobError` naming the problem."""
        if self.header is None:
            raise BrokenJobError(f"job {self.id!r} is broken: {self.error}")
        return self.header

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (stable keys for ``jobs list --json``)."""
        out: dict[str, Any] = {
            "id": self.id,
            "path": str(self.path),
            "ok": self.ok,
            "error": self.error,
            "content_hash": self.content_hash,
        }
        if self.header is not None:
            out.update(self.header.to_dict())
        return out


def default_jobs_dir() -> Path:
    """``$TOOLBELT_JOBS_DIR`` or the repository's ``notebooks/jobs``."""
    env = os.environ.get(JOBS_DIR_ENV)
    return Path(env).expanduser() if env else DEFAULT_JOBS_DIR


def load_job(path: Path) -> Job:
    """Read one notebook into a :class:`Job` (never raises for a bad header)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        header, error = parse_header(path), None
    except HeaderError as exc:
        header, error = None, str(exc)
    return Job(id=path.stem, path=path, header=header, error=error, content_hash=digest)


class Catalog:
    """The jobs of one folder, re-read only when a file's mtime or size changes.

    Args:
        jobs_dir: the folder; default :func:`default_jobs_dir`.
    """

    def __init__(self, jobs_dir: str | Path | None = None) -> None:
        self.jobs_dir = Path(jobs_dir).expanduser() if jobs_dir is not None else default_jobs_dir()
        self._cache: dict[Path, tuple[tuple[int, int], Job]] = {}
        self._lock = threading.Lock()

    def _paths(self) -> list[Path]:
        if not self.jobs_dir.is_dir():
            return []
        return sorted(p for p in self.jobs_dir.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))

    def _load(self, path: Path) -> Job | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        job = load_job(path)
        with self._lock:
            self._cache[path] = (stamp, job)
        return job

    def jobs(self) -> list[Job]:
        """Every job, broken ones included, sorted by id."""
        found = [job for job in map(self._load, self._paths()) if job is not None]
        with self._lock:
            live = {job.path for job in found}
            for stale in set(self._cache) - live:
                del self._cache[stale]
        return found

    def ids(self) -> list[str]:
        return [p.stem for p in self._paths()]

    def get(self, job_id: str) -> Job:
        """The job ``job_id`` (possibly broken: check ``job.ok`` or call ``require_header()``).

        Raises:
            UnknownJobError: no such job; names near matches.
        """
        path = self.jobs_dir / f"{job_id}.ipynb"
        if "/" not in job_id and "\\" not in job_id and not job_id.startswith("."):
            job = self._load(path)
            if job is not None:
                return job
        near = difflib.get_close_matches(job_id, self.ids(), n=3, cutoff=0.5)
        raise UnknownJobError(job_id, self.jobs_dir, near)
