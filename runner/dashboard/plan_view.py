"""Plan review inside the Run view: by names, one summary line per operation, filter and
search over every change with paging, CSV and XLSX downloads, Apply; Undo after an apply.

The review is :mod:`schoology_etl.plans.review`'s, the same ``toolbelt runs plan`` prints.
Apply and undo are the service's (:func:`runner.service.apply_run`,
:func:`runner.service.undo_run`), the same the CLI calls. A plan whose destructive
changes pass the threshold shows a box where the reviewer types their count
(:mod:`runner.confirm`); the service checks it again.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard.downloads import MAX_BYTES, data_link
from runner.dashboard.widgets import error_html, set_if_changed
from runner.status import APPLIED_SOME, RunStatus
from schoology_etl.plans import Plan
from schoology_etl.plans.review import COLUMNS, find_rows, operations, review_csv_bytes, review_xlsx_bytes

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

PAGE_SIZE = 25
ALL = "every operation"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plan_download_links(plan: Plan, run_id: int, summaries: list[Any]) -> str:
    """Download links for the review as CSV and XLSX, or the CLI command when too big for the page."""
    links = []
    for name, make, mime in ((f"plan-run-{run_id}.csv", lambda: review_csv_bytes(plan), "text/csv"),
                             (f"plan-run-{run_id}.xlsx", lambda: review_xlsx_bytes(plan, summaries), XLSX_MIME)):
        payload = make()
        if len(payload) > MAX_BYTES:
            links.append(f'<span class="tb-too-big">{name} ({len(payload) // (1024 * 1024)} MB): '
                         f'<code>toolbelt runs plan {run_id} --format csv</code></span>')
        else:
            links.append(data_link(name, payload, mime))
    return " ".join(links)


def counts_html(counts: dict[str, Any] | None, title: str) -> str:
    if not counts:
        return ""
    items = ", ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in counts.items())
    return f"<p class='tb-journal'><b>{html.escape(title)}</b> {items}</p>"


def rows_html(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in COLUMNS) + "</tr>" for r in rows)
    return f'<table class="tb-plan-rows"><tr>{head}</tr>{body}</table>'


class PlanView:
    """Shown for runs that carry a plan."""

    def __init__(self, app: DashboardApp) -> None:
        self.app = app
        self.run: dict[str, Any] | None = None
        self.plan: Plan | None = None
        self.page = 1
        self.body = w.HTML("")
        self.body.add_class("tb-plan")
        self.operation = w.Dropdown(options=[ALL], value=ALL, description="Show")
        self.operation.add_class("tb-plan-operation")
        self.search = w.Text(placeholder="search names, fields, values", description="Search",
                             continuous_update=False)
        self.search.add_class("tb-plan-search")
        self.prev = w.Button(description="Previous", icon="chevron-left")
        self.prev.add_class("tb-plan-prev")
        self.next = w.Button(description="Next", icon="chevron-right")
        self.next.add_class("tb-plan-next")
        self.page_info = w.HTML("")
        self.page_info.add_class("tb-plan-page")
        self.rows = w.HTML("")
        self.rows.add_class("tb-plan-changes")
        self.downloads = w.HTML("")
        self.downloads.add_class("tb-plan-downloads")
        self.operation.observe(lambda _c: self._goto(1), names="value")
        self.search.observe(lambda _c: self._goto(1), names="value")
        self.prev.on_click(lambda _b: self._goto(self.page - 1))
        self.next.on_click(lambda _b: self._goto(self.page + 1))
        self.filters = w.VBox([w.HBox([self.operation, self.search]), self.rows,
                               w.HBox([self.prev, self.page_info, self.next])])
        self.confirm = w.Text(description="Type count", placeholder="the number of destructive changes")
        self.confirm.add_class("tb-plan-confirm")
        self.apply = w.Button(description="Apply this plan", button_style="warning", icon="check",
                              tooltip="Make exactly these changes in Schoology")
        self.apply.add_class("tb-apply")
        self.apply.on_click(lambda _b: self.apply_plan())
        self.undo = w.Button(description="Undo", icon="undo", tooltip="Plan the changes that restore the before values")
        self.undo.add_class("tb-undo")
        self.undo.on_click(lambda _b: self.undo_run())
        self.message = w.HTML("")
        self.message.add_class("tb-plan-message")
        self.widget = w.VBox([self.body, self.filters, self.downloads,
                              w.HBox([self.confirm, self.apply, self.undo, self.message])])
        self.clear()

    def clear(self) -> None:
        self.run = None
        self.plan = None
        self.body.value = self.rows.value = self.downloads.value = self.message.value = ""
        for widget in (self.apply, self.undo, self.confirm, self.filters):
            widget.layout.display = "none"

    def show(self, run: dict[str, Any]) -> None:
        """Draw the plan of ``run`` (a no-op when nothing changed since the last call)."""
        from runner.confirm import needs_confirmation

        if not run.get("plan_path"):
            return
        if self.run is not None and (self.run["id"], self.run["status"]) == (run["id"], run["status"]):
            return  # unchanged: no widget traffic
        self.run = run
        try:
            plan = Plan(run["plan_path"])
            summaries = plan.review_summary()
            links = plan_download_links(plan, run["id"], summaries)
        except Exception as exc:  # noqa: BLE001 - an unreadable plan is shown, never applied
            self.body.value = error_html(f"the plan cannot be read: {exc}")
            for widget in (self.apply, self.undo, self.confirm, self.filters):
                widget.layout.display = "none"
            return
        self.plan = plan
        empty = len(plan) == 0
        lines = "".join(f'<li class="tb-plan-summary-line">{html.escape(s.line())}</li>' for s in summaries)
        note = "<p><i>Nothing to change: the plan is empty.</i></p>" if empty else ""
        where = f" for {html.escape(plan.header.base_url)}" if plan.header.base_url else ""
        self.body.value = (f"<h4>Plan review: {len(plan)} changes{where}</h4>{note}"
                           f'<ul class="tb-plan-summary">{lines}</ul>'
                           + counts_html(run.get("journal_counts"), "Applied:"))
        self.downloads.value = f"<p>Download the review: {links}</p>"
        choices = [ALL, *operations(summaries)]
        if list(self.operation.options) != choices:
            self.operation.options = choices
        self.operation.value = ALL
        self.search.value = ""
        self._goto(1)
        self.filters.layout.display = None if not empty else "none"
        again = run["status"] == RunStatus.PARTLY_APPLIED
        self.apply.description = "Apply the failed changes again" if again else "Apply this plan"
        planned = (run["status"] == RunStatus.PLANNED or again) and not empty
        self.apply.layout.display = None if planned else "none"
        count = needs_confirmation(run.get("plan_counts")) if planned else None
        self.confirm.layout.display = None if count is not None else "none"
        self.confirm.value = ""
        self.confirm.description = f"Type {count}" if count is not None else "Type count"
        self.confirm.placeholder = (f"{count} deletes, deactivations or unlinks: type {count} to apply"
                                    if count is not None else "")
        self.undo.layout.display = None if run["status"] in APPLIED_SOME else "none"

    def _goto(self, page: int) -> None:
        if self.plan is None:
            return
        operation = None if self.operation.value == ALL else self.operation.value
        found = find_rows(self.plan, operation=operation, search=self.search.value.strip() or None,
                          page=page, page_size=PAGE_SIZE)
        self.page = found.page
        set_if_changed(self.rows, rows_html(found.rows) if found.rows else "<p><i>No change matches.</i></p>")
        set_if_changed(self.page_info, f" page {found.page} of {found.pages} ({found.matched} changed fields match) ")
        self.prev.disabled = found.page <= 1
        self.next.disabled = found.page >= found.pages

    def _busy(self, busy: bool) -> None:
        self.apply.disabled = self.undo.disabled = busy

    def apply_plan(self) -> None:
        if self.run is None:
            return
        self._busy(True)
        try:
            run = self.app.service.apply_run(self.run["id"], self.app.user, dispatch=self.app.dispatch,
                                             confirm=self.confirm.value.strip() or None)
        except Exception as exc:  # noqa: BLE001 - shown beside the button
            self.message.value = error_html(str(exc))
            return
        finally:
            self._busy(False)
        self.app.open_run(run["id"])
        self.message.value = "Applying…"

    def undo_run(self) -> None:
        if self.run is None:
            return
        undone = self.run["id"]
        self._busy(True)
        try:
            run = self.app.service.undo_run(undone, self.app.user)
        except Exception as exc:  # noqa: BLE001 - shown beside the button
            self.message.value = error_html(str(exc))
            return
        finally:
            self._busy(False)
        self.app.open_run(run["id"])
        self.message.value = (f"Undo of run {undone} planned as run {run['id']}: "
                              "review it, then apply.")
