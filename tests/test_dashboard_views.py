"""The dashboard's views on a real store and catalog, without a browser (the e2e test drives the page).

Runs are queued for workers here, so nothing executes: these check what each view shows
and that its actions go through the service (the same calls the CLI makes).
"""

from __future__ import annotations

import pytest

from runner import service
from runner.access import add_to_groups
from runner.dashboard.app import DashboardApp
from runner.dashboard.jobs_view import visible_jobs
from tests.fixtures.runner_jobs import RunnerEnv


@pytest.fixture
def jobs(runner_env: RunnerEnv) -> RunnerEnv:
    runner_env.write_job("count", "print(n)", category="Diagnostics", description="Counts to n.",
                         params={"n": {"type": "int", "label": "N", "default": 2, "min": 1, "max": 10}},
                         defaults={"n": 2})
    runner_env.write_job("secret_job", "print(1)", category="Users", access=["provisioners"])
    runner_env.write_job("broken", "print(1)", params={"x": {"type": "colour"}})
    return runner_env


def make_app(user: str = "tester") -> DashboardApp:
    return DashboardApp(user=user, dispatch=service.DISPATCH_WORKERS)


def test_jobs_list_shows_what_the_user_may_run_and_broken_jobs_with_their_reason(jobs: RunnerEnv) -> None:
    from runner.catalog import Catalog

    assert [j.id for j in visible_jobs(Catalog(), "tester")] == ["broken", "count"]
    add_to_groups("pat", ["provisioners"])
    assert [j.id for j in visible_jobs(Catalog(), "pat")] == ["broken", "count", "secret_job"]
    assert [j.id for j in visible_jobs(Catalog(), "pat", "counts TO")] == ["count"]
    listing = make_app().jobs.listing
    texts = " ".join(getattr(child, "value", "") for child in listing.children)
    assert "Diagnostics" in texts and "Broken" in texts and "colour" in texts and "Secret Job" not in texts


def test_bad_input_never_reaches_the_runner_and_good_input_opens_the_run(jobs: RunnerEnv) -> None:
    app = make_app()
    app.client.value = jobs.client
    app.jobs.open_job("count")
    field = app.jobs.form.fields["n"]
    assert "From 1 to 10" in field.box.children[0].children[1].value  # the limits are said up front
    field.input.value = "eleven"
    assert app.jobs.execute() is None
    assert "integer" in field.error.value and service.list_runs() == []
    assert app.jobs.execute_button.disabled is False
    field.input.value = "7"
    assert field.error.value == ""  # a changed value clears its message
    run = app.jobs.execute()
    assert run is not None and service.get_run(run["id"])["params"] == {"n": 7}
    assert app.jobs.execute() is None and len(service.list_runs()) == 1  # a double click runs once
    assert app.nav.index == 0 and app.run_view.run_id == run["id"]  # the run opens beside the form
    assert app.jobs.run_panel.children[1] is app.run_view.widget and app.jobs.form is not None
    assert "requested by <b>tester</b>" in app.run_view.title.value
    assert "<th>n</th><td>7</td>" in app.run_view.params.value
    assert app.run_view.cancel.layout.display is None  # queued: Cancel is offered


def test_cancel_and_rerun_from_the_run_view(jobs: RunnerEnv) -> None:
    app = make_app()
    first = service.create_run("count", jobs.client, {"n": 3}, "ann", dispatch=service.DISPATCH_WORKERS)
    app.open_run(first["id"])
    app.run_view.cancel_run()
    assert app.run_view.refresh()["status"] == "cancelled"
    assert service.get_run(first["id"])["cancel_requested_by"] == "tester"
    assert app.run_view.cancel.layout.display == "none" and app.run_view.rerun.layout.display is None
    app.run_view.rerun_run()
    again = service.get_run(app.run_view.run_id)
    assert (again["params"], again["parent_run_id"], again["requester"]) == ({"n": 3}, first["id"], "tester")


def test_history_filters_by_job_status_and_user(jobs: RunnerEnv) -> None:
    for user in ("ann", "bob"):
        service.create_run("count", jobs.client, {"n": 1}, user, dispatch=service.DISPATCH_WORKERS)
    service.cancel_run(1, "ann")
    app = make_app()
    history = app.history
    app.show("History")
    shown = lambda: [row.children[0].value for row in history.rows.children[1:]]  # noqa: E731
    assert len(shown()) == 2 and [o[0] for o in history.user.options] == ["any", "ann", "bob"]
    history.user.value = "bob"
    assert len(shown()) == 1 and "bob" in shown()[0]
    history.user.value = ""
    history.status.value = "cancelled"
    assert len(shown()) == 1 and "data-run='1'" in shown()[0]
    history.job.value = "count"
    history.status.value = "succeeded"
    assert "No runs match" in history.rows.children[1].value


def test_deep_link_opens_a_run(jobs: RunnerEnv) -> None:
    run = service.create_run("count", jobs.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    app = DashboardApp(user="tester", query_string=f"?run={run['id']}")
    assert app.nav.index == 0 and f"Run {run['id']}" in app.run_view.title.value


def test_a_bad_deep_link_is_said_and_the_page_still_works(jobs: RunnerEnv) -> None:
    app = DashboardApp(user="tester", query_string="?run=999")
    assert "no run 999" in app.notice.value and app.nav.index == 0
    app = DashboardApp(user="tester", query_string="?job=cont")
    assert "did you mean count" in app.notice.value
