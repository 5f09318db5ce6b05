"""The History view: runs filterable by job, client, status and user; open one or run it again."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard.run_view import elapsed_text, param_text
from runner.dashboard.widgets import set_if_changed
from runner.status import RunStatus, status_label

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

STATUSES = tuple(s.value for s in RunStatus)
_ANY = ("any", "")  # not None: a Dropdown shows None as no selection
SHOWN = 100


def _params_summary(params: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={param_text(v)}" for k, v in (params or {}).items() if v not in (None, [], ""))


class HistoryView:
    """A filter bar and the newest runs that pass it, each with Open and Re-run."""

    def __init__(self, app: DashboardApp) -> None:
        self.app = app
        self.job = w.Dropdown(description="Job", options=[_ANY], layout=w.Layout(width="260px"))
        self.client = w.Dropdown(description="Client", options=[_ANY], layout=w.Layout(width="220px"))
        self.status = w.Dropdown(description="Status", options=[_ANY, *[(RunStatus(s).label, s) for s in STATUSES]],
                                 layout=w.Layout(width="200px"))
        self.user = w.Dropdown(description="User", options=[_ANY], layout=w.Layout(width="220px"))
        for dropdown, name in ((self.job, "job"), (self.client, "client"), (self.status, "status"),
                               (self.user, "user")):
            dropdown.add_class("tb-history-filter")
            dropdown.add_class(f"tb-filter-{name}")
            dropdown.observe(lambda _c: self._filters_changed(), names="value")
        refresh = w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="100px"))
        refresh.add_class("tb-history-refresh")
        refresh.on_click(lambda _b: self.refresh(reload_filters=True))
        self.summary = w.HTML("")
        self.summary.add_class("tb-history-summary")
        self.rows = w.VBox()
        self.rows.add_class("tb-history")
        self.widget = w.VBox([w.HBox([self.job, self.client, self.status, self.user, refresh]),
                              self.summary, self.rows])
        self._filling = False

    def _filters_changed(self) -> None:
        if not self._filling:
            self.refresh()

    def _fill_filters(self, runs: list[dict[str, Any]]) -> None:
        self._filling = True
        try:
            for dropdown, key in ((self.job, "job"), (self.client, "client"), (self.user, "requester")):
                values = sorted({r[key] for r in runs})
                options = [_ANY, *[(v, v) for v in values]]
                if list(dropdown.options) != options:
                    current = dropdown.value
                    dropdown.options = options
                    dropdown.value = current if current in values else ""
        finally:
            self._filling = False

    def refresh(self, *, reload_filters: bool = False) -> None:
        """Read the runs that pass the filters and redraw the list."""
        service = self.app.service
        if reload_filters or len(self.job.options) == 1:
            self._fill_filters(service.list_runs(limit=1000, user=self.app.user))
        runs = service.list_runs(limit=SHOWN, job=self.job.value or None, client=self.client.value or None,
                                 status=self.status.value or None, requester=self.user.value or None,
                                 user=self.app.user)  # only the runs this user may see
        set_if_changed(self.summary, f"<i>{len(runs)}{'+' if len(runs) == SHOWN else ''} runs, newest first.</i>")
        rows: list[w.Widget] = [w.HTML(
            "<div class='tb-history-head'><span>run</span><span>job</span><span>client</span>"
            "<span>status</span><span>by</span><span>created (UTC)</span><span>took</span>"
            "<span>parameters</span></div>")]
        rows += [self._row(run) for run in runs]
        if not runs:
            rows.append(w.HTML("<i class='tb-empty'>No runs match.</i>"))
        self.rows.children = rows

    def _row(self, run: dict[str, Any]) -> w.Widget:
        error = f" title='{html.escape(run['error_message'] or '', quote=True)}'" if run.get("error_message") else ""
        params = _params_summary(run.get("params"))
        undo = f" <small>(undo of #{run['parent_run_id']})</small>" if run.get("kind") == "undo" else ""
        if run.get("schedule_id"):
            undo += f" <span class='tb-schedule-tag'>(schedule #{run['schedule_id']})</span>"
        text = w.HTML(
            f"<div class='tb-history-row' data-run='{run['id']}'><span>#{run['id']}</span>"
            f"<span>{html.escape(run['job'])}{undo}</span><span>{html.escape(run['client'])}</span>"
            f"<span><span class='tb-status tb-status-{run['status']}'{error}>"
            f"{html.escape(status_label(run['status'], run.get('error_class')))}</span></span>"
            f"<span>{html.escape(run['requester'])}</span>"
            f"<span>{html.escape((run['created_at'] or '')[:19].replace('T', ' '))}</span>"
            f"<span>{elapsed_text(run) if run.get('duration_seconds') is not None else ''}</span>"
            f"<span class='tb-history-params' title='{html.escape(params, quote=True)}'>"
            f"{html.escape(params)}</span></div>",
            layout=w.Layout(width="980px"))
        open_button = w.Button(description="Open", layout=w.Layout(width="70px"))
        open_button.add_class(f"tb-open-run-{run['id']}")
        open_button.on_click(lambda _b, run_id=run["id"]: self.app.open_run(run_id))
        buttons: list[w.Widget] = [text, open_button]
        if run.get("kind", "job") == "job":  # an undo is re-done by undoing again, not by re-running
            rerun = w.Button(description="Re-run", layout=w.Layout(width="80px"),
                             tooltip="Run again with the same parameters")
            rerun.add_class(f"tb-rerun-run-{run['id']}")
            rerun.on_click(lambda _b, run_id=run["id"]: self.app.rerun(run_id))
            buttons.append(rerun)
        return w.HBox(buttons)
