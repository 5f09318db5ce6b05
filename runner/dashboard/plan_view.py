"""Plan review inside the Run view: counts by operation, a sample, the CSV, Apply; Undo after an apply."""

from __future__ import annotations

import html
import io
import csv
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard.downloads import data_link
from schoology_etl.plans import Plan
from schoology_etl.plans.plan import CSV_COLUMNS

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp


def plan_csv_bytes(plan: Plan) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(plan.iter_rows())
    return buf.getvalue().encode("utf-8")


class PlanView:
    """Shown for runs that carry a plan."""

    def __init__(self, app: "DashboardApp") -> None:
        self.app = app
        self.run: dict[str, Any] | None = None
        self.body = w.HTML("")
        self.body.add_class("tb-plan")
        self.apply = w.Button(description="Apply this plan", button_style="warning", icon="check")
        self.apply.add_class("tb-apply")
        self.apply.on_click(lambda _b: self.apply_plan())
        self.undo = w.Button(description="Undo", icon="undo")
        self.undo.add_class("tb-undo")
        self.undo.on_click(lambda _b: self.undo_run())
        self.message = w.HTML("")
        self.message.add_class("tb-plan-message")
        self.widget = w.VBox([self.body, w.HBox([self.apply, self.undo, self.message])])
        self.clear()

    def clear(self) -> None:
        self.run = None
        self.body.value = ""
        self.message.value = ""
        self.apply.layout.display = "none"
        self.undo.layout.display = "none"

    def show(self, run: dict[str, Any]) -> None:
        if not run.get("plan_path"):
            return
        if self.run is not None and self.run.get("status") == run["status"] and self.run["id"] == run["id"]:
            return  # unchanged: no widget traffic
        self.run = run
        try:
            plan = Plan(run["plan_path"])
        except Exception as exc:
            self.body.value = f'<span class="tb-error">plan unreadable: {html.escape(str(exc))}</span>'
            return
        journal = run.get("journal_counts") or {}
        journal_html = ""
        if journal:
            journal_html = "<p class='tb-journal'>Applied: " + ", ".join(
                f"{html.escape(str(k))} {html.escape(str(v))}" for k, v in journal.items()) + "</p>"
        self.body.value = (
            "<h4>Plan review</h4>" + plan._repr_html_() + journal_html
            + "<p>" + data_link(f"plan-run-{run['id']}.csv", plan_csv_bytes(plan), "text/csv") + "</p>"
        )
        self.apply.layout.display = None if run["status"] == "planned" and len(plan) else "none"
        self.undo.layout.display = None if run["status"] == "applied" else "none"

    def apply_plan(self) -> None:
        if self.run is None:
            return
        try:
            run = self.app.service.apply_run(self.run["id"], self.app.user)
        except Exception as exc:
            self.message.value = f'<span class="tb-error">{html.escape(str(exc))}</span>'
            return
        self.message.value = "Applying…"
        self.app.open_run(run["id"])

    def undo_run(self) -> None:
        if self.run is None:
            return
        try:
            run = self.app.service.undo_run(self.run["id"], self.app.user)
        except Exception as exc:
            self.message.value = f'<span class="tb-error">{html.escape(str(exc))}</span>'
            return
        self.message.value = f"Undo planned as run {run['id']}: review it, then apply."
        self.app.open_run(run["id"])
