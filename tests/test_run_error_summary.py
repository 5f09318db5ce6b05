"""Errors for people (issue 16): a failed run's log leads with one line (what failed, in which
cell, the message), the traceback follows folded; library network and API errors are said
as host, status and the API's message."""

from __future__ import annotations

import doctest
import importlib

import nbformat
import pytest
from click.testing import CliRunner

from runner import service
from runner.cli import cli
from runner.dashboard.app import DashboardApp
from runner.execution.errorsummary import describe_api_error, step_name, summarize_error
from runner.execution.kernel_output import strip_ansi
from schoology_etl.responses import error_for_status
from tests.fixtures.runner_jobs import RunnerEnv


def _lines(run_id: int) -> list[dict]:
    return list(service.iter_log(run_id))


def test_a_failing_jobs_first_log_line_after_the_failure_is_the_one_line_summary(runner_env: RunnerEnv) -> None:
    runner_env.write_job("broken", "x = 1",
                         "# Read the rows\nprint('reading', flush=True)\nrows = [1, 2]\ndef check(r):\n"
                         "    raise ValueError(f'bad row {r + 1}')\ncheck(rows[1])",
                         "print('never')")
    final = service.create_run("broken", runner_env.client, {}, "tester", wait=True)
    summary = "cell 4 (Read the rows) raised ValueError: bad row 3"
    assert (final["status"], final["error_class"], final["error_message"]) == ("failed", "cell_error", summary)
    lines = _lines(final["id"])
    texts = [ln["text"] for ln in lines]
    at = texts.index("reading")
    assert (lines[at + 1]["stream"], lines[at + 1]["text"]) == ("system", f"failed: {summary}")
    folded = [ln["text"] for ln in lines if ln["stream"] == "traceback"]
    assert folded and any("ValueError: bad row 3" in t for t in folded) and any("check(rows[1])" in t for t in folded)
    assert "never" not in texts

    shown = CliRunner().invoke(cli, ["runs", "log", str(final["id"])], catch_exceptions=False).output
    assert f"[toolbelt] failed: {summary}\n[toolbelt] (traceback folded: toolbelt runs log {final['id']} --full" \
        in shown
    assert "check(rows[1])" not in shown
    full = CliRunner().invoke(cli, ["runs", "log", str(final["id"]), "--full"], catch_exceptions=False).output
    assert "check(rows[1])" in full and "folded" not in full

    app = DashboardApp(user="tester")
    app.open_run(final["id"])
    app.run_view.refresh()
    page = app.run_view.log.value
    assert f"failed: {summary}</span>\n<details class=\"tb-log-traceback\"><summary>Traceback (" in page
    assert summary in app.run_view.status.value

    nb = nbformat.read(final["output_path"], as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and any("check(rows[1])" in strip_ansi(line) for line in errors[0]["traceback"])  # complete there


def test_a_network_error_from_the_library_is_said_with_its_host(runner_env: RunnerEnv) -> None:
    # the profile "acme" points at 127.0.0.1:9, where nothing listens
    runner_env.write_job("offline", "import schoology_etl as se\napi = se.connect(client, max_retries=0)",
                         "# Count the users\nprint(sum(1 for _ in api.iter_records('users')))")
    final = service.create_run("offline", runner_env.client, {}, "tester", wait=True)
    summary = ("cell 4 (Count the users) could not reach the Schoology API at 127.0.0.1:9 (GET /v1/users): "
               "network error: ConnectionError (connection refused)")
    assert final["error_message"] == summary
    system = [ln["text"] for ln in _lines(final["id"]) if ln["stream"] == "system"]
    assert f"failed: {summary}" in system
    assert not any("Traceback" in ln["text"] or "urllib3" in ln["text"] for ln in _lines(final["id"])
                   if ln["stream"] != "traceback")  # the chained tracebacks stay folded


def test_api_errors_are_said_as_host_status_and_the_apis_message() -> None:
    error = error_for_status(404, {}, '{"message": "User 9 not found"}', method="GET",
                             url="https://api.schoology.com/v1/users/9?oauth_signature=x")
    assert describe_api_error(type(error).__name__, str(error)) == \
        "the Schoology API at api.schoology.com answered 404 to GET /v1/users/9: User 9 not found"
    busy = error_for_status(429, {}, '{"message": "slow down"}', method="POST", url="https://h.example/v1/users")
    assert describe_api_error(type(busy).__name__, str(busy)) == \
        "the Schoology API at h.example kept answering 429 (rate limited) to POST /v1/users: rate limited: slow down"
    assert describe_api_error("ValueError", "x (HTTP 404, GET http://h/v1)") is None  # not the library's
    assert summarize_error("KeyError", "'school_uid'", cell=None) == "the notebook raised KeyError: 'school_uid'"
    assert step_name("\n\n# \n# Apply the plan\nplan.apply()") == "Apply the plan"
    assert step_name("x = " + "1" * 100).endswith("…") and len(step_name("x = " + "1" * 100)) == 60


@pytest.mark.parametrize("name", ["runner.execution.errorsummary", "runner.execution.logwriter",
                                  "schoology_etl.responses"])
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
