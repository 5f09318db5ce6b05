"""A district's file in Schoology's import layout through the dashboard, in a real browser:
upload it, fix one role value that maps to nothing in the map editor, review the plan by
names, filter it, apply it, and find the change in the sandbox."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright import sync_api as playwright_api

from runner.dashboard.voila_launcher import start_voila, stop_voila, wait_until_serving
from tests.fixtures.dashboard import CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT_MS, DashboardPage
from tests.fixtures.ports import free_port
from tests.fixtures.runner_jobs import poll_until

pytestmark = pytest.mark.browser

JOBS = Path(__file__).resolve().parents[1] / "notebooks" / "jobs"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_factory: Callable[..., Any]) -> Iterator[Any]:
    """The demo district in a sandbox, a store whose ``tester`` is a provisioner, the real import_users job, Voila."""
    from runner import profile_store, service
    from runner.access import add_to_groups
    from runner.store import dispose_engines

    home, jobs = tmp_path / "home", tmp_path / "jobs"
    home.mkdir()
    jobs.mkdir()
    for name, value in {"TOOLBELT_HOME": str(home), "TOOLBELT_JOBS_DIR": str(jobs),
                        "TOOLBELT_DB": f"sqlite:///{home / 'toolbelt.db'}", "JUPYTERHUB_USER": "tester",
                        "TOOLBELT_SECRET_KEY": Fernet.generate_key().decode()}.items():
        monkeypatch.setenv(name, value)
    shutil.copy(JOBS / "import_users.ipynb", jobs / "import_users.ipynb")
    sandbox = sandbox_factory(seed=1, users=60)
    profile_store.add_profile("sandbox", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)
    from runner.store import DeploymentSetting, session_scope

    with session_scope() as s:  # the deployment believes JUPYTERHUB_USER (the local page is "tester")
        s.add(DeploymentSetting(name="trusted_identity", value="jupyterhub"))
    add_to_groups("tester", ["provisioners", "appliers"])  # runs the import, applies its plan
    port = free_port()
    voila = start_voila(port, local=True, log_path=tmp_path / "voila.log")
    try:
        wait_until_serving(port, proc=voila, timeout=WAIT_MS / 1000)
        yield sandbox, f"http://127.0.0.1:{port}/", service
    finally:
        stop_voila(voila)
        dispose_engines()


def test_schoology_layout_file_mapped_reviewed_by_names_filtered_and_applied(served: Any, tmp_path: Path) -> None:
    sandbox, url, service = served
    users = sorted((u for u in sandbox.state()["users"].values() if str(u["school_uid"]).startswith("S")),
                   key=lambda u: u["school_uid"])[:2]
    buildings = {b["id"]: b for b in sandbox.state()["buildings"].values()}
    upload = tmp_path / "Schoology users.csv"  # saved by Excel on Windows: cp1252
    with open(upload, "w", newline="", encoding="cp1252") as fh:
        writer = csv.writer(fh)
        writer.writerow(["User Unique ID", "First Name", "Last Name", "E-mail", "Role", "School"])
        writer.writerow(["T900001", "Zoë", "Núñez", "zoe.nunez@example.org", "Teacher (NG)", "Northgate Academy"])
        for u in users:  # existing students whose last name changes
            writer.writerow([u["school_uid"], u["name_first"], u["name_last"] + "-Reyes", u["primary_email"],
                             "Student", buildings[u["building_id"]]["building_code"]])

    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(WAIT_MS)
        ui = DashboardPage(context.new_page(), url)
        try:
            ui.open()
            ui.page.locator(".tb-job-button", has_text="Import users from the SIS").click()
            ui.wait_text(".tb-job-title", "Import users from the SIS")
            with ui.page.expect_file_chooser(timeout=WAIT_MS) as chooser:
                ui.page.locator(".tb-field-users_csv").first.click()
            chooser.value.set_files(str(upload))

            # the map editor, next to the upload: Schoology's headers known, one role value unknown
            ui.wait_text(".tb-map-editor", "Column map")
            ui.wait_text(".tb-map-problems", "'Teacher \\(NG\\)' map to nothing")
            ui.wait_text(".tb-map-preview", "Zoë")
            ui.shot("20-map-editor-unmapped")
            ui.page.locator(".tb-map-value select").first.select_option("Teacher (Northgate)")
            ui.wait_text(".tb-map-preview", "Every column and value maps")
            ui.wait_text(".tb-map-preview", "Teacher \\(Northgate\\)")
            ui.click(".tb-map-save")
            ui.wait_text(".tb-map-message", "Saved")
            ui.shot("21-map-editor-mapped")

            ui.click(".tb-execute")
            ui.wait_status("planned")
            run_id = ui.current_run_id()

            # the review by names: summary, changes in words, filtered
            ui.wait_text(".tb-plan", "1 user created")
            ui.wait_text(".tb-plan", "2 users updated: last name \\(2\\)")
            changes = ui.page.locator(".tb-plan-changes")
            ui.wait_text(".tb-plan-changes", "Zoë Núñez \\(T900001\\)")
            ui.wait_text(".tb-plan-changes", "Teacher \\(Northgate\\)")
            ui.wait_text(".tb-plan-changes", "Northgate Academy")
            ui.wait_text(".tb-plan-changes", f"{users[0]['name_last']} → |{users[0]['name_last']}-Reyes")
            ui.page.locator(".tb-plan-operation select").select_option("create")
            playwright_api.expect(changes).not_to_contain_text(users[0]["school_uid"], timeout=WAIT_MS)
            ui.wait_text(".tb-plan-page", "match")
            ui.page.locator(".tb-plan-operation select").select_option("every operation")
            search = ui.page.locator(".tb-plan-search input")
            search.fill(users[1]["school_uid"])
            search.press("Enter")
            playwright_api.expect(changes).not_to_contain_text("T900001", timeout=WAIT_MS)
            ui.wait_text(".tb-plan-changes", users[1]["school_uid"])
            ui.shot("22-plan-by-names-filtered")

            ui.click(".tb-apply")
            ui.wait_status("applied")
            ui.shot("23-applied")
        finally:
            ui.page.goto("about:blank")
            context.close()
            browser.close()

    state = sandbox.state()
    created = next(u for u in state["users"].values() if u["school_uid"] == "T900001")
    role = state["building_roles"][str(created["role_id"])] if str(created["role_id"]) in state["building_roles"] \
        else state["building_roles"].get(created["role_id"])
    assert role["title"] == "Teacher (Northgate)" and created["name_first"] == "Zoë"
    renamed = {u["school_uid"]: u["name_last"] for u in state["users"].values()}
    assert all(renamed[u["school_uid"]] == u["name_last"] + "-Reyes" for u in users)
    assert service.get_run(run_id)["status"] == "applied"
    assert poll_until(lambda: service.get_run(run_id)["journal_counts"], timeout=30)["applied"] == 3
