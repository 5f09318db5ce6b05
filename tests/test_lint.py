"""Lint: header vs parameters cell, examples, and the repository's own notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.lint import ParametersCellError, lint_notebook, lint_paths, read_parameters_cell
from tests.test_catalog import write_job

HEADER = """title: T
params:
  behavior: {type: choice, choices: [add, replace], default: add}
  limit: {type: int, default: 10}
  since: {type: date, default: 2024-01-31}
  buildings: {type: buildings}
  note: {type: string}
examples:
  - {behavior: replace, limit: 3}
"""
GOOD_PARAMS = '''client = "sandbox"
behavior = "add"
limit = 10
since = "2024-01-31"
buildings = []
note = None  # no default in the header
'''


def test_good_notebook_passes(tmp_path: Path) -> None:
    assert lint_notebook(write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS)) == []


def test_mismatched_default(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS.replace('behavior = "add"', 'behavior = "replace"'))
    assert lint_notebook(nb) == [f"{nb}: params.behavior: parameters cell default 'replace' != header default 'add'"]


def test_missing_param(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS.replace("limit = 10\n", ""))
    assert lint_notebook(nb) == [f"{nb}: params.limit: declared in the header but missing from the parameters cell"]


def test_extra_param(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS + "dry_run = True\n")
    assert lint_notebook(nb) == [f"{nb}: dry_run: defined in the parameters cell but not declared in the header params"]


def test_missing_client(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS.replace('client = "sandbox"\n', ""))
    assert lint_notebook(nb) == [f'{nb}: client: missing from the parameters cell (e.g. client = "sandbox")']


def test_bad_example(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER + "  - {behavior: merge, nope: 1}\n", GOOD_PARAMS)
    assert sorted(lint_notebook(nb)) == [
        f"{nb}: examples[1].behavior: 'merge' is not one of the choices [add, replace]",
        f"{nb}: examples[1].nope: unknown parameter (this job takes: behavior, limit, since, buildings, note)",
    ]


def test_parameters_cell_not_executed(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", HEADER, GOOD_PARAMS + "import os\n")
    assert lint_notebook(nb) == [f"{nb}: cell 2: line 7: only 'name = <literal>' assignments are allowed"]


def test_header_errors_reported(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "j.ipynb", "title: T\ntimeout: never\n")
    assert lint_notebook(nb) == [f"{nb}: timeout: expected a duration like 30m, 90s or 2h, got 'never'"]


@pytest.mark.parametrize(
    ("source", "message"),
    [("x = os.getcwd()", "line 1: x is not assigned a literal"), ("x = 1\nx = 2", "line 2: x is assigned twice"),
     ("x =", "not valid Python"), ("a, b = 1, 2", "only 'name = <literal>'")],
)
def test_read_parameters_cell_refuses(source: str, message: str) -> None:
    with pytest.raises(ParametersCellError, match=message):
        read_parameters_cell(source)


def test_read_parameters_cell_values() -> None:
    assert read_parameters_cell('a = 1\nb: str = "x"\nc = [1, "2"]\nd = None\ne = -1.5') == {
        "a": 1, "b": "x", "c": [1, "2"], "d": None, "e": -1.5}


def test_lint_paths_folders_and_missing(tmp_path: Path) -> None:
    write_job(tmp_path / "a.ipynb", HEADER, GOOD_PARAMS)
    write_job(tmp_path / "b.ipynb", HEADER, GOOD_PARAMS.replace("limit = 10", "limit = 11"))
    problems = lint_paths([tmp_path, tmp_path / "missing.ipynb"])
    assert problems == [
        f"{tmp_path / 'b.ipynb'}: params.limit: parameters cell default 11 != header default 10",
        f"{tmp_path / 'missing.ipynb'}: no such file",
    ]


def test_repository_notebooks_pass() -> None:
    """The template and every job in the repository pass lint (what CI runs)."""
    root = Path(__file__).resolve().parents[1] / "notebooks"
    assert (root / "templates" / "job_template.ipynb").exists()
    assert lint_paths([root / "jobs", root / "templates"]) == []


def test_mutating_job_needs_apply_false_in_its_parameters_cell(tmp_path: Path) -> None:
    mutating = "mutates: true\n" + HEADER
    good = write_job(tmp_path / "m.ipynb", mutating, GOOD_PARAMS + "apply = False\n")
    assert lint_notebook(good) == []
    missing = write_job(tmp_path / "missing.ipynb", mutating, GOOD_PARAMS)
    assert lint_notebook(missing) == [
        f"{missing}: apply: missing from the parameters cell of a mutating job (add `apply = False`)"]
    eager = write_job(tmp_path / "eager.ipynb", mutating, GOOD_PARAMS + "apply = True\n")
    assert lint_notebook(eager) == [
        f"{eager}: apply: a mutating job's parameters cell must say `apply = False` (plan first)"]


def test_read_only_job_may_not_define_apply(tmp_path: Path) -> None:
    nb = write_job(tmp_path / "r.ipynb", HEADER, GOOD_PARAMS + "apply = False\n")
    assert lint_notebook(nb) == [f"{nb}: apply: defined in the parameters cell but not declared in the header params"]
