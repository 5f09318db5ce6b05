"""Every job of the catalog runs: each of its header's examples under papermill, and its
defaults unchanged as an analyst would run it in JupyterLab. Effects are checked in each
job's own test file (tests/test_job_<id>.py)."""

from __future__ import annotations

import pytest

from runner.catalog import Catalog

CATALOG = Catalog()
JOBS = [job for job in CATALOG.jobs()]
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


@pytest.mark.parametrize("job_id, index, example", EXAMPLES)
def test_job_example_runs(job_env, job_id, index, example):
    run = job_env.run(job_id, **example)
    assert run.notebook.cells, job_id


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
