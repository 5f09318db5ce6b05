"""Plan review inside the Run view: counts by operation, a sample, the CSV, Apply; Undo after an apply.

Apply and undo are the service's (:func:`runner.service.apply_run`,
:func:`runner.service.undo_run`), the same the CLI calls: an apply runs on the same run
(``planned`` -> ``applying`` -> ``applied``), an undo makes a new planned run to review.
"""

from __future__ import annotations

import csv
import html
import io
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard.downloads import MAX_BYTES, data_link
from runner.dashboard.widgets import error_html
from runner.status import APPLIED_SOME, RunStatus
from schoology_etl.plans import Plan
from schoology_etl.plans.plan import CSV_COLUMNS

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp


def plan_csv_bytes(plan: Plan) -> bytes:
    """The plan as CSV (one row per changed field), as the CLI's ``plan.to_csv`` writes it."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(plan.iter_rows())
    return buf.getvalue().encode("utf-8")


def plan_csv_link(plan: Plan, run_id: int) -> str:
    """A download link for the plan's CSV, or its location when it is too big for the page."""
    payload = plan_csv_bytes(plan)
    if len(payload) > MAX_BYTES:
        return f'<span class="tb-too-big">plan CSV ({len(payload) // (1024 * 1024)} MB): ' \
               f'<code>toolbelt runs show {run_id}</code> names the plan file</span>'
    return data_link(f"plan-run-{run_id}.csv", payload, "text/csv")


def counts_html(counts: dict[str, Any] | None, title: str) -> str:
    if not counts:
        return ""
    items = ", ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in counts.items())
    return f"<p class='tb-journal'><b>{html.escape(title)}</b> {items}</p>"


class PlanView:
    """Shown for runs that carry a plan."""

    def __init__(self, app: "DashboardApp") -> None:
        self.app = app
        self.run: dict[str, Any] | None = None
        self.body = w.HTML("")
        self.body.add_class("tb-plan")
        self.apply = w.Button(description="Apply this plan", button_style="warning", icon="check",
                              tooltip="Make exactly these changes in Schoology")
        self.apply.add_class("tb-apply")
        self.apply.on_click(lambda _b: self.apply_plan())
        self.undo = w.Button(description="Undo", icon="undo", tooltip="Plan the changes that restore the before values")
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
        """Draw the plan of ``run`` (a no-op when nothing changed since the last call)."""
        if not run.get("plan_path"):
            return
        if self.run is not None and (self.run["id"], self.run["status"]) == (run["id"], run["status"]):
            return  # unchanged: no widget traffic
        self.run = run
        try:
            plan = Plan(run["plan_path"])
            review = plan._repr_html_()
            link = plan_csv_link(plan, run["id"])
            empty = len(plan) == 0
        except Exception as exc:  # noqa: BLE001 - an unreadable plan is shown, never applied
            self.body.value = error_html(f"the plan cannot be read: {exc}")
            self.apply.layout.display = self.undo.layout.display = "none"
            return
        note = "<p><i>Nothing to change: the plan is empty.</i></p>" if empty else ""
        self.body.value = ("<h4>Plan review</h4>" + note + review
                           + counts_html(run.get("journal_counts"), "Applied:")
                           + f"<p>Download: {link}</p>")
        again = run["status"] == RunStatus.PARTLY_APPLIED
        self.apply.description = "Apply the failed changes again" if again else "Apply this plan"
        self.apply.layout.display = None if (run["status"] == "planned" or again) and not empty else "none"
        self.undo.layout.display = None if run["status"] in APPLIED_SOME else "none"

    def _busy(self, busy: bool) -> None:
        self.apply.disabled = self.undo.disabled = busy

    def apply_plan(self) -> None:
        if self.run is None:
            return
        self._busy(True)
        try:
            run = self.app.service.apply_run(self.run["id"], self.app.user, dispatch=self.app.dispatch)
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
