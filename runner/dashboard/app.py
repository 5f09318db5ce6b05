"""The dashboard application: a header (user, client), four views, deep links (``?run=N``, ``?job=ID``)."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable
from functools import lru_cache
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w

from runner import profile_store
from runner import service as run_service
from runner.catalog import Catalog
from runner.choices import load_choices
from runner.dashboard.clients_view import ClientsView
from runner.dashboard.history_view import HistoryView
from runner.dashboard.jobs_view import JobsView
from runner.dashboard.run_view import RunView
from runner.dashboard.style import CSS
from runner.dashboard.widgets import error_html
from runner.identity import signed_in_user
from runner.store.database import toolbelt_home

log = logging.getLogger(__name__)

VIEWS = ("Jobs", "History", "Clients")  # the run is shown beside the catalog and the form, in Jobs
DISPATCH_ENV = "TOOLBELT_DASHBOARD_DISPATCH"


class DashboardApp:
    """Everything on the page; the views call back into it to move between each other."""

    def __init__(self, *, user: str | None = None, catalog: Catalog | None = None,
                 service: ModuleType = run_service, query_string: str = "", dispatch: str | None = None) -> None:
        # who the server signed in for this page; "" (sees and may do nothing) until it is known
        self.user = user if user is not None else (signed_in_user() or "")
        # "local": runs start in their own process now; "workers": `toolbelt worker` picks them up
        self.dispatch = dispatch or os.environ.get(DISPATCH_ENV) or run_service.DISPATCH_LOCAL
        self.catalog = catalog or Catalog()
        self.service = service
        self.upload_dir = toolbelt_home() / "uploads"
        self.upload_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.client = w.Dropdown(description="Client", layout=w.Layout(width="260px"))
        self.client.add_class("tb-client-select")
        self.client.observe(lambda _c: self._client_changed(), names="value")
        self.nav = w.ToggleButtons(options=VIEWS, description="View", style={"description_width": "0px"})
        self.nav.add_class("tb-nav")
        self.clients_changed()
        self.jobs = JobsView(self)
        # the other views are built when first shown: fewer widgets for the browser to load up front
        self._views: dict[str, Any] = {"Jobs": self.jobs}
        self.stack = w.Stack([self.jobs.widget, *(w.HTML("<i>loading…</i>") for _ in VIEWS[1:])],
                             selected_index=0)
        w.jslink((self.nav, "index"), (self.stack, "selected_index"))
        self.nav.observe(self._on_nav, names="index")
        title = w.HTML(f"{CSS}<header class='tb-banner' role='banner'><h1 class='tb-title'>Provisioner's Toolbelt"
                       "</h1></header>")
        self.who = w.HTML(f"Signed in as <b>{html.escape(self.user)}</b>")
        self.who.add_class("tb-user")
        self.notice = w.HTML("")
        self.notice.add_class("tb-notice")
        top = w.HBox([title, self.who, self.client],
                     layout=w.Layout(justify_content="space-between", align_items="center"))
        top.add_class("tb-top")
        self.widget = w.VBox([top, self.nav, self.notice, self.stack])
        self.widget.add_class("tb-app")
        self.follow_query(query_string)

    # --- the views, built on first use ---------------------------------------------------
    def _view(self, name: str) -> Any:
        view = self._views.get(name)
        if view is None:
            makers: dict[str, Callable[[DashboardApp], Any]] = {"Run": RunView, "History": HistoryView,
                                                                 "Clients": ClientsView}
            view = self._views[name] = makers[name](self)
            if name == "Run":  # in the Jobs view's third column
                self.jobs.run_panel.children = [w.HTML('<h2 class="tb-section">Run</h2>'), view.widget]
                return view
            children = list(self.stack.children)
            children[VIEWS.index(name)] = view.widget
            self.stack.children = children
        return view

    @property
    def run_view(self) -> RunView:
        return self._view("Run")

    @property
    def history(self) -> HistoryView:
        return self._view("History")

    @property
    def clients(self) -> ClientsView:
        return self._view("Clients")

    def set_user(self, user: str | None) -> None:
        """Act for ``user``: the jobs list shows only what they may run (None: nobody signed in)."""
        if not user:
            self.user = ""
            self.who.value = "<b class='tb-not-signed-in'>Not signed in</b>"
            self.notice.value = error_html("nobody is signed in on this page; reload it to sign in")
            self.jobs.refresh()
            return
        if user == self.user:
            return
        self.user = user
        self.who.value = f"Signed in as <b>{html.escape(user)}</b>"
        self.jobs.refresh()

    # --- client selection -------------------------------------------------------------
    @property
    def client_name(self) -> str | None:
        return self.client.value

    def clients_changed(self) -> None:
        names = [p.name for p in profile_store.list_profiles()]
        if list(self.client.options) != names:
            current = self.client.value
            self.client.options = names
            self.client.value = current if current in names else (names[0] if names else None)

    def _client_changed(self) -> None:
        jobs = getattr(self, "jobs", None)  # None while the page is being built
        if jobs is not None and jobs.job is not None:
            jobs.open_job(jobs.job.id)  # reload client-data choices

    def choices_for_client(self, kind: str) -> list[tuple[str, str]]:
        """``[(title, id)]`` of the selected client's ``kind``; raises when they cannot be read."""
        if not self.client_name:
            raise ValueError("no client selected (top right)")
        return _cached_choices(self.client_name, kind)

    # --- navigation -----------------------------------------------------------------------
    def _on_nav(self, change: dict[str, Any]) -> None:
        name = VIEWS[change["new"]]
        view = self._view(name)
        if name == "History":
            view.refresh(reload_filters=True)

    def show(self, view: str) -> None:
        self.nav.index = VIEWS.index(view)

    def open_run(self, run_id: int) -> None:
        """Show the Run view following ``run_id``."""
        self.notice.value = ""
        self.show("Jobs")
        self.run_view.open(run_id)

    def rerun(self, run_id: int) -> dict[str, Any] | None:
        """Run ``run_id``'s job again for the same client with the same parameters, as this user."""
        try:
            old = self.service.get_run(run_id, self.user)
            run = self.service.create_run(old["job"], old["client"], old["params"], self.user,
                                          parent_run_id=old["id"], dispatch=self.dispatch)
        except Exception as exc:  # noqa: BLE001 - shown at the top of the page
            self.notice.value = error_html(f"cannot re-run run {run_id}: {exc}")
            return None
        self.open_run(run["id"])
        return run

    def follow_query(self, query_string: str) -> None:
        """Open what a link names: ``?run=N`` or ``?job=ID``; a bad link is said at the top of the page."""
        query = parse_qs(query_string.lstrip("?"))
        try:
            if query.get("run"):
                self.service.get_run(int(query["run"][0]), self.user)  # a clear error for an unknown or hidden run
                self.open_run(int(query["run"][0]))
            elif query.get("job"):
                self.jobs.open_job(query["job"][0])
        except Exception as exc:  # noqa: BLE001 - the page still works; the link did not
            log.warning("cannot follow the link %r: %s", query_string, exc)
            self.notice.value = error_html(f"cannot open the link: {exc}")


@lru_cache(maxsize=64)
def _cached_choices(client_name: str, kind: str) -> list[tuple[str, str]]:
    return load_choices(client_name, kind)


def build_app() -> DashboardApp:
    """The page, built before any request arrives (Voila pre-heats a kernel with it)."""
    preheating = os.environ.get("VOILA_PREHEAT") == "True"
    return DashboardApp(query_string="" if preheating else os.environ.get("QUERY_STRING", ""))


def personalize(app: DashboardApp) -> None:
    """Once the page's request is known: the user its server signed in, and deep links."""
    if os.environ.get("VOILA_PREHEAT") != "True":
        return  # built for this request already
    from voila.utils import wait_for_request

    wait_for_request()
    app.set_user(signed_in_user())
    app.follow_query(os.environ.get("QUERY_STRING", ""))
