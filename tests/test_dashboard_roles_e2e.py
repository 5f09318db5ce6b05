"""Two users with different roles sign in to the same dashboard (behind a proxy that names
them) and see and do different things. A real Voila server and Debian's chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright import sync_api as playwright_api

from runner import service
from runner.access import add_to_groups
from tests.fixtures.dashboard import CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT_MS, DashboardPage, Served
from tests.fixtures.runner_jobs import poll_until

pytestmark = pytest.mark.browser
HEADER = "X-Forwarded-User"


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_for(browser: Any, url: str, headers: dict[str, str]) -> tuple[Any, DashboardPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, extra_http_headers=headers)
    context.set_default_timeout(WAIT_MS)
    return context, DashboardPage(context.new_page(), url)


@pytest.mark.parametrize("dashboard_env", [HEADER], indirect=True)
def test_a_provisioner_and_an_admin_see_and_do_different_things(dashboard_env: Served, browser: Any) -> None:
    add_to_groups("ann", ["provisioners"])
    add_to_groups("ada", ["admins"])
    client = dashboard_env.env.client
    anns = service.create_run("long_count", client, {}, "ann", dispatch=service.DISPATCH_WORKERS)["id"]
    adas = service.create_run("long_count", client, {}, "ada", dispatch=service.DISPATCH_WORKERS)["id"]
    SHOTS.mkdir(parents=True, exist_ok=True)

    # ann: a provisioner without roles, whose browser also claims to be ada (the server ignores it)
    context, ann = page_for(browser, dashboard_env.url, {HEADER: "ann", "X-Toolbelt-User": "ada"})
    try:
        ann.open()
        ann.wait_text(".tb-user", "Signed in as ann")
        ann.nav("History")
        ann.wait_text(".tb-history", f"#{anns}")
        playwright_api.expect(ann.page.locator(f".tb-history-row[data-run='{adas}']")).to_have_count(0)
        ann.nav("Clients")
        ann.wait_text(".tb-clients-readonly", "Only an admin")
        playwright_api.expect(ann.page.locator("button.tb-client-save")).to_have_count(0)
        playwright_api.expect(ann.page.locator(f"button.tb-client-test-{client}")).to_have_count(0)
        ann.shot("20-roles-provisioner")
        ann.page.goto(dashboard_env.url + f"?run={adas}")
        ann.wait_text(".tb-notice", f"may not see run {adas} of ada")
        # leaving the page frees its kernel: Voila's beacon carries the XSRF token the sign-in set
        kernel = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', ann.page.content()).group(1)
        kernel_url = f"{dashboard_env.url}api/kernels/{kernel}"
        assert requests.get(kernel_url, headers={HEADER: "ann"}, timeout=60).status_code == 200
        ann.page.goto("about:blank")
        poll_until(lambda: requests.get(kernel_url, headers={HEADER: "ann"}, timeout=60).status_code == 404,
                   timeout=60, every=0.5)
    finally:
        context.close()

    # ada: an admin sees every run, opens ann's, and administers clients
    context, ada = page_for(browser, dashboard_env.url, {HEADER: "ada"})
    try:
        ada.page.goto(dashboard_env.url + f"?run={anns}", timeout=WAIT_MS)  # a deep link to ann's run
        ada.wait_text(".tb-user", "Signed in as ada")
        ada.wait_text(".tb-run-meta", "requested by")
        ada.wait_text(".tb-run-meta", "ann")
        ada.nav("History")
        ada.wait_text(f".tb-history-row[data-run='{adas}']", f"#{adas}")
        ada.wait_text(f".tb-history-row[data-run='{anns}']", f"#{anns}")
        ada.nav("Clients")
        playwright_api.expect(ada.page.locator("button.tb-client-save")).to_have_count(1)
        ada.click(f".tb-client-test-{client}")
        ada.wait_text(f".tb-client-result-{client}", "ok")
        ada.shot("21-roles-admin")
        ada.page.goto("about:blank")
    finally:
        context.close()
    assert service.get_run(anns, "ann")["status"] == "queued"
