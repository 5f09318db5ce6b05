"""``toolbelt jobs``: list, show, lint through click's runner and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from tests.test_catalog import write_job
from tests.test_lint import GOOD_PARAMS, HEADER


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    write_job(tmp_path / "good.ipynb", HEADER.replace("title: T", "title: Good job\ncategory: Users"), GOOD_PARAMS)
    write_job(tmp_path / "bad.ipynb", "title: Bad\ntimeout: soon\n")
    return tmp_path


def invoke(*args: str, jobs_dir: Path) -> object:
    return CliRunner().invoke(cli, ["jobs", "--jobs-dir", str(jobs_dir), *args], catch_exceptions=False)


def test_list_text_shows_broken_job_and_the_others(jobs_dir: Path) -> None:
    result = invoke("list", jobs_dir=jobs_dir)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("bad ") and "BROKEN" in lines[0] and "timeout: expected a duration" in lines[0]
    assert lines[1].startswith("good") and "Users" in lines[1] and "Good job" in lines[1]


def test_list_json(jobs_dir: Path) -> None:
    data = json.loads(invoke("list", "--json", jobs_dir=jobs_dir).output)
    assert [(j["id"], j["ok"]) for j in data] == [("bad", False), ("good", True)]
    assert data[1]["params"]["behavior"] == {"type": "choice", "label": "Behavior", "required": False,
                                              "default": "add", "choices": ["add", "replace"]}


def test_show(jobs_dir: Path) -> None:
    text = invoke("show", "good", jobs_dir=jobs_dir).output
    assert "title:     Good job" in text and "behavior: choice, optional, default 'add', choices add|replace" in text
    data = json.loads(invoke("show", "good", "--json", jobs_dir=jobs_dir).output)
    assert data["timeout_seconds"] == 1800 and data["examples"] == [{"behavior": "replace", "limit": 3}]


def test_show_unknown_job(jobs_dir: Path) -> None:
    result = invoke("show", "goood", jobs_dir=jobs_dir)
    assert result.exit_code == 1 and "no job 'goood'" in result.output and "did you mean good?" in result.output


def test_lint_exit_codes(jobs_dir: Path) -> None:
    bad = invoke("lint", str(jobs_dir), jobs_dir=jobs_dir)
    assert bad.exit_code == 1
    assert bad.output.splitlines() == [f"{jobs_dir / 'bad.ipynb'}: timeout: expected a duration like 30m, 90s or 2h, got 'soon'"]
    good = CliRunner().invoke(cli, ["jobs", "lint", str(jobs_dir / "good.ipynb")])
    assert good.exit_code == 0, good.output


def test_lint_subprocess_on_the_repository() -> None:
    """What CI runs: the real command on the repository's jobs and templates."""
    env = {k: v for k, v in os.environ.items() if k != "TOOLBELT_JOBS_DIR"}
    proc = subprocess.run([str(Path(sys.executable).parent / "toolbelt"), "jobs", "lint"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.strip().startswith("ok: ")


def test_lint_subprocess_reports_problems(jobs_dir: Path) -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "toolbelt"), "jobs", "lint", str(jobs_dir)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "bad.ipynb: timeout:" in proc.stdout
