"""The catalog: good and broken jobs side by side, mtime caching, unknown ids."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runner.catalog import BrokenJobError, Catalog, UnknownJobError


def write_job(path: Path, header: str, params: str = 'client = "sandbox"\n') -> Path:
    cells = [
        {"cell_type": "raw", "metadata": {}, "source": header},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [], "execution_count": None,
         "source": params},
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    write_job(tmp_path / "alpha_export.ipynb", "title: Alpha\ncategory: Users\n")
    write_job(tmp_path / "broken_job.ipynb", "title: Broken\nparams:\n  n: {type: int, default: x}\n")
    write_job(tmp_path / "zeta.ipynb", "title: Zeta\n")
    (tmp_path / "notes.txt").write_text("not a job")
    (tmp_path / ".hidden.ipynb").write_text("{}")
    return tmp_path


def test_broken_job_listed_and_never_hides_others(jobs_dir: Path) -> None:
    jobs = Catalog(jobs_dir).jobs()
    assert [j.id for j in jobs] == ["alpha_export", "broken_job", "zeta"]
    broken = jobs[1]
    assert broken.header is None and not broken.ok
    assert broken.error == f"{jobs_dir / 'broken_job.ipynb'}: params.n: default: expected an integer, got 'x'"
    assert jobs[0].header is not None and jobs[0].header.category == "Users"
    assert len(jobs[0].content_hash) == 64
    with pytest.raises(BrokenJobError, match="job 'broken_job' is broken"):
        broken.require_header()
    assert broken.to_dict()["ok"] is False and jobs[0].to_dict()["title"] == "Alpha"


def test_cache_by_mtime(jobs_dir: Path) -> None:
    catalog = Catalog(jobs_dir)
    first = catalog.get("zeta")
    assert catalog.get("zeta") is first  # cached
    path = write_job(jobs_dir / "zeta.ipynb", "title: Zeta two\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = catalog.get("zeta")
    assert second.header is not None and second.header.title == "Zeta two"
    assert second.content_hash != first.content_hash


def test_unknown_job_names_near_matches(jobs_dir: Path) -> None:
    with pytest.raises(UnknownJobError) as info:
        Catalog(jobs_dir).get("alpha_exprt")
    assert "no job 'alpha_exprt'" in str(info.value) and "did you mean alpha_export?" in str(info.value)
    with pytest.raises(UnknownJobError):
        Catalog(jobs_dir).get("../zeta")


def test_jobs_dir_from_env(jobs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_JOBS_DIR", str(jobs_dir))
    assert Catalog().jobs_dir == jobs_dir
    assert Catalog(jobs_dir / "nowhere").jobs() == []


def test_removed_job_disappears(jobs_dir: Path) -> None:
    catalog = Catalog(jobs_dir)
    assert len(catalog.jobs()) == 3
    (jobs_dir / "zeta.ipynb").unlink()
    assert [j.id for j in catalog.jobs()] == ["alpha_export", "broken_job"]
