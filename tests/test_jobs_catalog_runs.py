"""Every job of the catalog runs: each of its header's examples under papermill, and its
defaults unchanged as an analyst would run it in JupyterLab; each run writes the outputs its
header declares. Effects are checked in each job's own test file (tests/test_job_<id>.py)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.catalog import Catalog

CATALOG = Catalog()
JOBS = [job for job in CATALOG.jobs()]
HEADERS = {job.id: job.header for job in JOBS if job.header is not None}


def _has_rows(path: Path) -> bool:
    with path.open(newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) > 1  # more than the header line


#: Declared outputs (header ``outputs``) a run writes only under a condition, and why. The condition gets the
#: run's params (the header's defaults with the run's own over them) and its output folder; the output is there
#: exactly when the condition holds. Every other declared output is written by every run.
CONDITIONAL_OUTPUTS: dict[tuple[str, str], tuple[Callable[[dict[str, Any], Path], bool], str]] = {
    **{("reconcile_sis_with_schoology", f"reconcile_{kind}.csv"): (
        lambda params, _out, kind=kind: params["kind"] == kind,
        "a run compares one kind of file and writes reconcile_<kind>.csv for that kind only")
       for kind in ("users", "courses_sections", "enrollments", "parents")},
    ("login_activity_report", "login_activity.png"): (
        lambda _params, out: _has_rows(out / "login_activity.csv"),
        "the chart is drawn only when someone signed in during the weeks asked for (else 'No logins in this period.')"),
}


def assert_declared_outputs(job_id: str, params: dict[str, Any], output_dir: Path) -> None:
    header = HEADERS[job_id]
    effective = {**header.defaults(), **params}
    written = {path.name: path for path in output_dir.iterdir()}
    for name in header.outputs:
        condition, reason = CONDITIONAL_OUTPUTS.get((job_id, name), (lambda _p, _o: True, "always"))
        expected = condition(effective, output_dir)
        assert (name in written) == expected, (
            f"{job_id} with {params}: declared output {name} {'missing' if expected else 'written'} ({reason}); "
            f"the run wrote {sorted(written)}")
        assert name not in written or written[name].stat().st_size > 0, f"{job_id} with {params}: {name} is empty"
EXAMPLES = [
    pytest.param(job.id, index, example, id=f"{job.id}-example{index}")
    for job in JOBS if job.header is not None
    for index, example in enumerate(job.header.examples)
]


def test_catalog_has_no_broken_job():
    broken = {job.id: job.error for job in JOBS if job.header is None}
    assert not broken


def test_every_job_has_an_example():
    assert [job.id for job in JOBS if job.header is not None and not job.header.examples] == []


def test_conditional_outputs_name_declared_outputs():
    assert [key for key in CONDITIONAL_OUTPUTS if key[0] not in HEADERS or key[1] not in HEADERS[key[0]].outputs] == []


@pytest.mark.parametrize("job_id, index, example", EXAMPLES)
def test_job_example_runs(job_env, job_id, index, example):
    run = job_env.run(job_id, **example)
    assert run.notebook.cells, job_id
    assert_declared_outputs(job_id, example, run.output_dir)


#: Jobs whose defaults are refused by a guard on purpose (issue 15: never the default), with the words said.
REFUSED_BY_DEFAULT = {"reactivate_users": "no filter is set"}


@pytest.mark.parametrize("job_id", [job.id for job in JOBS])
def test_job_runs_with_its_defaults_as_an_analyst(job_env, job_id):
    if job_id in REFUSED_BY_DEFAULT:
        from nbclient.exceptions import CellExecutionError

        with pytest.raises(CellExecutionError, match=REFUSED_BY_DEFAULT[job_id]):
            job_env.run_as_analyst(job_id)
        return
    run = job_env.run_as_analyst(job_id)
    assert run.notebook.cells, job_id
    assert_declared_outputs(job_id, {}, run.output_dir)
