"""The History view: runs filterable by job, client, status and user; open one or run it again."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

STATUSES = ("queued", "running", "succeeded", "planned", "applying", "applied", "failed", "cancelled")
_ANY = ("any", None)


class HistoryView:
    def __init__(self, app: "DashboardApp") -> None:
        self.app = app
        self.job = w.Dropdown(description="Job", options=[_ANY], layout=w.Layout(width="260px"))
        self.client = w.Dropdown(description="Client", options=[_ANY], layout=w.Layout(width="220px"))
        self.status = w.Dropdown(description="Status", options=[_ANY, *[(s, s) for s in STATUSES]],
                                 layout=w.Layout(width="220px"))
        self.user = w.Dropdown(description="User", options=[_ANY], layout=w.Layout(width="220px"))
        for dropdown in (self.job, self.client, self.status, self.user):
            dropdown.add_class("tb-history-filter")
            dropdown.observe(lambda _c: self.refresh(), names="value")
        refresh = w.Button(description="Refresh", icon="refresh")
        refresh.on_click(lambda _b: self.refresh(reload_filters=True))
        self.rows = w.VBox()
        self.rows.add_class("tb-history")
        self.widget = w.VBox([w.HBox([self.job, self.client, self.status, self.user, refresh]), self.rows])

    def _fill_filters(self, runs: list[dict[str, Any]]) -> None:
        for dropdown, key in ((self.job, "job"), (self.client, "client"), (self.user, "requester")):
            values = sorted({r[key] for r in runs})
            options = [_ANY, *[(v, v) for v in values]]
            if list(dropdown.options) != options:
                current = dropdown.value
                dropdown.options = options
                dropdown.value = current if current in values else None

    def refresh(self, *, reload_filters: bool = False) -> None:
        service = self.app.service
        if reload_filters or len(self.job.options) == 1:
            self._fill_filters(service.list_runs(limit=500))
        runs = service.list_runs(limit=200, job=self.job.value, client=self.client.value,
                                 status=self.status.value, requester=self.user.value)
        rows: list[w.Widget] = [w.HTML(
            "<div class='tb-history-head'><span>run</span><span>job</span><span>client</span>"
            "<span>status</span><span>by</span><span>created</span></div>")]
        for run in runs:
            rows.append(self._row(run))
        if len(rows) == 1:
            rows.append(w.HTML("<i class='tb-empty'>No runs match.</i>"))
        self.rows.children = rows

    def _row(self, run: dict[str, Any]) -> w.Widget:
        text = w.HTML(
            f"<div class='tb-history-row' data-run='{run['id']}'><span>#{run['id']}</span>"
            f"<span>{html.escape(run['job'])}</span><span>{html.escape(run['client'])}</span>"
            f"<span class='tb-status tb-status-{run['status']}'>{run['status']}</span>"
            f"<span>{html.escape(run['requester'])}</span><span>{(run['created_at'] or '')[:19]}</span></div>",
            layout=w.Layout(width="760px"))
        open_button = w.Button(description="Open", layout=w.Layout(width="80px"))
        open_button.add_class(f"tb-open-run-{run['id']}")
        open_button.on_click(lambda _b, run_id=run["id"]: self.app.open_run(run_id))
        return w.HBox([text, open_button])
