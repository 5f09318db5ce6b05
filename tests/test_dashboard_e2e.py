"""The dashboard end to end: a real Voila server, a real sandbox, a real browser (Debian's chromium).

One Voila server per test (starting one takes seconds), so the steps that share it are
one test each, written as a story: open the page, see the catalog, fill a form with a
CSV upload, see a validation error, execute, watch the live log, review the plan, apply
it and check the sandbox, undo it, look at History, and cancel a long run. Screenshots
of each step land in ``test-output/dashboard/``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_api

from tests.fixtures.dashboard import WAIT_MS, DashboardPage, Served
from tests.fixtures.runner_jobs import poll_until

pytestmark = pytest.mark.browser


def _positions(sandbox: Any, uids: list[str]) -> dict[str, str]:
    return {u["school_uid"]: u.get("position", "") for u in sandbox.state()["users"].values()
            if u["school_uid"] in uids}


def test_form_plan_apply_undo_history_and_cancel(browser_page: DashboardPage, dashboard_env: Served,
                                                 tmp_path: Path) -> None:
    from runner import service

    env, sandbox = dashboard_env.env, dashboard_env.sandbox
    ui = browser_page
    ui.open()

    # the catalog: by category, with descriptions; the broken job shown with its reason; others' jobs hidden
    ui.wait_text(".tb-job-list", "Tag users with a grade")
    ui.wait_text(".tb-job-list", "Set the position of the users listed")
    ui.wait_text(".tb-job-broken", r"broken_job.*broken")
    ui.wait_text(".tb-job-broken", "colour")
    assert "Provisioners only job" not in ui.page.locator(".tb-job-list").inner_text()
    ui.shot("01-jobs")
    ui.page.locator(".tb-job-search input").fill("count")
    playwright_api.expect(ui.page.locator(".tb-job-list")).not_to_contain_text("Tag users", timeout=WAIT_MS)
    ui.wait_text(".tb-job-list", "Count for a long time")
    ui.page.locator(".tb-job-search input").fill("")
    ui.wait_text(".tb-job-list", "Tag users with a grade")

    # the form: a CSV upload with its preview, and a bad value explained beside its field
    ui.page.locator(".tb-job-button", has_text="Tag users with a grade").click()
    ui.wait_text(".tb-job-title", "Tag users with a grade")
    uids = sorted(u["school_uid"] for u in sandbox.state()["users"].values() if u["school_uid"])[:3]
    before = _positions(sandbox, uids)
    assert len(before) == 3 and "Grade 10" not in before.values()
    big = tmp_path / "big-roster.csv"  # above tornado's default 10 MiB websocket message cap
    with big.open("w") as fh:
        fh.write("school_uid,note\n")
        fh.writelines(f"X{i:07d},{'n' * 100}\n" for i in range(120_000))
    with ui.page.expect_file_chooser(timeout=WAIT_MS) as chooser:
        ui.page.locator(".tb-field-users_file").first.click()
    chooser.value.set_files(str(big))
    ui.wait_text(".tb-field", "big-roster.csv: first rows")
    ui.wait_text(".tb-preview", "X0000004")
    upload = tmp_path / "tag-these.csv"
    upload.write_text("school_uid,note\n" + "".join(f"{uid},row {i}\n" for i, uid in enumerate(uids)))
    with ui.page.expect_file_chooser(timeout=WAIT_MS) as chooser:
        ui.page.locator(".tb-field-users_file").first.click()
    chooser.value.set_files(str(upload))
    ui.wait_text(".tb-field", "tag-these.csv: first rows")
    ui.wait_text(".tb-preview", uids[1])
    grade = ui.field_input("grade")
    grade.fill("13")
    grade.press("Tab")
    ui.click(".tb-execute")
    ui.wait_text(".tb-fieldbox-grade .tb-field-error", r"above the maximum 12")
    ui.wait_text(".tb-form-summary", "1 field to fix")
    ui.shot("02-validation-error")
    assert service.list_runs() == [], "a bad value reached the runner"

    # execute: the run view follows the log while the run is still going
    grade.fill("10")
    grade.press("Tab")
    ui.click(".tb-execute")
    ui.wait_text(".tb-run-log", "3 users in the file")
    ui.wait_text(".tb-run-log", "waiting for the test")
    run_id = ui.current_run_id()
    assert service.get_run(run_id)["status"] == "running", "the log should show before the run ends"
    ui.wait_text(".tb-run-params", "grade")
    ui.wait_text(".tb-run-meta", "requested by tester")
    ui.shot("03-live-log")
    env.gate("tag").touch()

    # the plan: counts, a sample, a CSV download; apply, and the sandbox changed
    ui.wait_status("planned")
    ui.wait_text(".tb-plan", r"3 users updated: position")
    ui.wait_text(".tb-plan-changes", "Grade 10")
    with ui.page.expect_download(timeout=WAIT_MS) as download:
        ui.page.locator(".tb-plan-downloads a[download$='.csv']").click()
    plan_csv = Path(download.value.path()).read_text()
    assert all(uid in plan_csv for uid in uids) and "Grade 10" in plan_csv
    ui.wait_text(".tb-downloads", rf"run-{run_id}-tag_users.html")
    ui.shot("04-plan")
    assert _positions(sandbox, uids) == before, "nothing changes before Apply"
    ui.click(".tb-apply")
    ui.wait_status("applied")
    poll_until(lambda: _positions(sandbox, uids) == {uid: "Grade 10" for uid in uids}, timeout=WAIT_MS / 1000)
    ui.shot("05-applied")

    # undo: a new plan to review, then apply it; the sandbox is back as it was
    ui.click(".tb-undo")
    poll_until(lambda: ui.current_run_id() != run_id, timeout=WAIT_MS / 1000)
    ui.wait_status("planned")
    ui.wait_text(".tb-plan-changes", "Grade 10")
    ui.shot("06-undo-plan")
    ui.click(".tb-apply")
    ui.wait_status("applied")
    poll_until(lambda: _positions(sandbox, uids) == before, timeout=WAIT_MS / 1000)

    # history: filter by job, open the first run again
    ui.nav("History")
    ui.wait_text(".tb-history", "tag_users")
    ui.page.locator(".tb-history-filter.tb-filter-status select").select_option("applied")
    ui.wait_text(".tb-history", f"#{run_id}")
    ui.shot("07-history")
    ui.click(f".tb-open-run-{run_id}")
    ui.wait_text(".tb-run-title", f"Run {run_id}")
    ui.wait_status("applied")
    ui.click(".tb-rerun")  # the same job, client and parameters, as a new run
    poll_until(lambda: ui.current_run_id() not in (run_id, run_id + 1), timeout=WAIT_MS / 1000)
    rerun = service.get_run(ui.current_run_id())
    first = service.get_run(run_id)
    assert (rerun["job"], rerun["params"], rerun["parent_run_id"]) == ("tag_users", first["params"], run_id)
    ui.wait_status("planned")

    # cancel a long run
    ui.nav("Jobs")
    ui.page.locator(".tb-job-button", has_text="Count for a long time").click()
    ui.wait_text(".tb-job-title", "Count for a long time")
    ui.click(".tb-execute")
    ui.wait_text(".tb-run-log", "tick 3")
    ui.shot("08-long-run")
    ui.click(".tb-cancel")
    ui.wait_status("cancelled")
    long_id = ui.current_run_id()
    assert service.get_run(long_id)["cancel_requested_by"] == "tester"
    ui.shot("09-cancelled")


@pytest.mark.parametrize("dashboard_env", ["X-Forwarded-User"], indirect=True)
def test_proxy_user_and_clients_add_test_edit_without_showing_secrets(browser_page: DashboardPage,
                                                                     dashboard_env: Served) -> None:
    """Behind a proxy that names the user; then the Clients view."""
    from runner import profile_store
    from runner.access import add_to_groups

    sandbox = dashboard_env.sandbox
    add_to_groups("alice", ["provisioners", "admins"])  # clients are administered by admins
    ui = browser_page
    ui.open()
    ui.wait_text(".tb-user", "Signed in as alice")
    ui.wait_text(".tb-job-list", "Provisioners only job")  # alice's groups decide the list
    ui.nav("Clients")
    for name, secret in (("district-b", sandbox.secret), ("wrong-secret", "not-" + secrets.token_hex(8))):
        ui.page.locator(".tb-client-name input").fill(name)
        ui.page.locator(".tb-client-url input").fill(sandbox.base_url)
        ui.page.locator(".tb-client-key input").fill(sandbox.key)
        ui.page.locator(".tb-client-secret input").fill(secret)
        ui.click(".tb-client-save")
        ui.wait_text(".tb-client-message", f"Saved {name}")
        ui.wait_text(".tb-clients", name)
        playwright_api.expect(ui.page.locator(".tb-client-secret input")).to_have_value("", timeout=WAIT_MS)
    ui.click(".tb-client-test-district-b")
    ui.wait_text(".tb-client-result-district-b", "ok")
    ui.click(".tb-client-test-wrong-secret")
    ui.wait_text(".tb-client-result-wrong-secret .tb-error", r"\w")
    ui.click(".tb-client-edit-district-b")
    ui.wait_text(".tb-client-message", "Editing district-b")
    playwright_api.expect(ui.page.locator(".tb-client-name input")).to_have_value("district-b", timeout=WAIT_MS)
    playwright_api.expect(ui.page.locator(".tb-client-url input")).to_have_value(sandbox.base_url, timeout=WAIT_MS)
    playwright_api.expect(ui.page.locator(".tb-client-key input")).to_have_value("", timeout=WAIT_MS)
    ui.shot("10-clients")
    assert sandbox.secret not in ui.page.content(), "a secret was sent back to the page"
    ui.click(".tb-client-save")  # saved with key and secret left empty: the stored ones are kept
    ui.wait_text(".tb-client-message", "Saved district-b")
    assert profile_store.get_profile("district-b").secret == sandbox.secret
    names = ui.page.locator(".tb-client-select select option").all_inner_texts()
    assert {"sandbox", "district-b", "wrong-secret"} <= set(names)
