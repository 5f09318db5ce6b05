"""``toolbelt demo`` end to end: the real job catalog run from the dashboard against the demo district.

The environment is :class:`runner.demo_environment.DemoEnvironment`, the same the command starts
(sandbox, demo data, a ``sandbox`` client, a worker, Voila), in a throwaway home.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright import sync_api as playwright_api

from tests.fixtures.dashboard import CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT_MS, DashboardPage
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from runner.demo_environment import DemoEnvironment
    from runner.store import dispose_engines

    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOOLBELT_DB", f"sqlite:///{tmp_path / 'home' / 'toolbelt.db'}")
    monkeypatch.setenv("TOOLBELT_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("TOOLBELT_JOBS_DIR", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)  # the local dashboard is the OS user
    (tmp_path / "home").mkdir()
    env = DemoEnvironment(port=free_port(), users=60)
    env.start()
    try:
        yield env
    finally:
        env.stop()
        dispose_engines()


def test_demo_runs_export_users_from_the_form(demo: object) -> None:
    from runner import service

    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        try:
            ui = DashboardPage(page, demo.url)  # type: ignore[attr-defined]
            ui.open()
            playwright_api.expect(page.locator(".tb-client-select select")).to_have_value("sandbox")
            page.locator(".tb-job-button", has_text="Export users").click()
            ui.wait_text(".tb-job-title", "Export users")
            # the roles field is filled from the demo district's own roles
            assert page.locator(".tb-field-roles select option", has_text="Student").count() >= 1
            ui.click(".tb-execute")
            ui.wait_status("succeeded")
            ui.wait_text(".tb-downloads", "users.csv")
            with page.expect_download(timeout=WAIT_MS) as download:
                page.locator(".tb-downloads a[download='users.csv']").click()
            rows = Path(download.value.path()).read_text().splitlines()
            ui.shot("11-demo-export-users")
            run = service.list_runs(limit=1)[0]
            assert (run["job"], run["status"], run["requester"]) == ("export_users", "succeeded", getpass.getuser())
            assert len(rows) > 60  # a header and every user of the demo district
        finally:
            page.goto("about:blank")
            context.close()
            browser.close()
