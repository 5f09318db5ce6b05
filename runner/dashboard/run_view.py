"""The Run view: status, elapsed time, the live log, the run's tables and plots, Cancel, plan review, downloads.

While a run is open, an asyncio task in the page's kernel polls the store every half
second and updates the widgets only when something changed (idle pages send no widget
traffic, so Voila can cull abandoned kernels).
"""

from __future__ import annotations

import asyncio
import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard import downloads
from runner.dashboard.logview import collapse, render_html
from runner.dashboard.plan_view import PlanView

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

POLL_SECONDS = 0.5
FINAL = {"succeeded", "failed", "cancelled", "planned", "applied"}
_RICH = ("text/html", "image/png", "image/svg+xml")


def _set(widget: w.Widget, value: Any) -> None:
    """Assign only on change: no widget traffic for nothing."""
    if widget.value != value:
        widget.value = value


def _elapsed(run: dict[str, Any]) -> str:
    if run.get("duration_seconds") is not None:
        seconds = float(run["duration_seconds"])
    elif run.get("created_at"):
        seconds = (datetime.now(timezone.utc) - datetime.fromisoformat(run["created_at"])).total_seconds()
    else:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{seconds:.1f}s"


def rich_outputs_html(notebook_path: str | Path) -> str:
    """Tables and plots from the (partly) executed output notebook, as HTML."""
    try:
        nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    parts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if "image/png" in data:
                png = data["image/png"]
                png = "".join(png) if isinstance(png, list) else png
                parts.append(f'<img class="tb-plot" src="data:image/png;base64,{png.strip()}"/>')
            elif "text/html" in data:
                body = data["text/html"]
                parts.append(f'<div class="tb-table">{"".join(body) if isinstance(body, list) else body}</div>')
    return "\n".join(parts)


class RunView:
    """One run, live."""

    def __init__(self, app: "DashboardApp") -> None:
        self.app = app
        self.run_id: int | None = None
        self.title = w.HTML('<i class="tb-empty">No run open. Execute a job or open one from History.</i>')
        self.status = w.HTML("")
        self.status.add_class("tb-run-status")
        self.cancel = w.Button(description="Cancel", button_style="danger", icon="stop")
        self.cancel.add_class("tb-cancel")
        self.cancel.on_click(lambda _b: self.cancel_run())
        self.rerun = w.Button(description="Re-run", icon="redo")
        self.rerun.add_class("tb-rerun")
        self.rerun.on_click(lambda _b: self.rerun_run())
        self.message = w.HTML("")
        self.log = w.HTML("")
        self.log.add_class("tb-run-log")
        self.rich = w.HTML("")
        self.rich.add_class("tb-run-rich")
        self.plan = PlanView(app)
        self.downloads = w.HTML("")
        self.downloads.add_class("tb-downloads")
        self.widget = w.VBox([
            self.title,
            w.HBox([self.status, self.cancel, self.rerun, self.message]),
            w.HTML("<h4>Log</h4>"), self.log,
            self.rich, self.plan.widget, self.downloads,
        ])
        self._task: asyncio.Task | None = None
        self._lines: list[tuple[str, str]] = []
        self._last_seq = 0
        self._rich_mtime: float | None = None
        self._final_seen = False
        self._show_controls(None)

    def _show_controls(self, run: dict[str, Any] | None) -> None:
        running = run is not None and run["status"] in ("queued", "running")
        self.cancel.layout.display = None if running else "none"
        self.rerun.layout.display = None if run is not None and not running else "none"

    def open(self, run_id: int) -> None:
        """Show ``run_id`` and follow it until it ends."""
        if self._task is not None:
            self._task.cancel()
        self.run_id = run_id
        self._lines, self._last_seq, self._rich_mtime, self._final_seen = [], 0, None, False
        self.log.value = ""
        self.rich.value = ""
        self.downloads.value = ""
        self.message.value = ""
        self.plan.clear()
        self.refresh()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (plain Python): refresh() on demand
        self._task = loop.create_task(self._follow(run_id))

    async def _follow(self, run_id: int) -> None:
        while self.run_id == run_id:
            run = await asyncio.to_thread(self.refresh)
            if run is None or (run["status"] in FINAL and self._final_seen):
                return
            self._final_seen = run["status"] in FINAL
            await asyncio.sleep(POLL_SECONDS)

    def refresh(self) -> dict[str, Any] | None:
        """Read the run and its new log lines from the store; update what changed."""
        if self.run_id is None:
            return None
        service = self.app.service
        run = service.get_run(self.run_id)
        new = list(service.iter_log(self.run_id, after_seq=self._last_seq))
        if new:
            self._last_seq = new[-1]["seq"]
            self._lines.extend((line["stream"], line["text"]) for line in new)
            _set(self.log, render_html(collapse(self._lines)))
        _set(self.title, f'<h3 class="tb-run-title">Run {run["id"]}: {html.escape(run["job"])} '
                         f'<small>for {html.escape(run["client"])}, by {html.escape(run["requester"])}</small></h3>')
        error = ""
        if run.get("error_message"):
            error = f' <span class="tb-error">{html.escape(run["error_class"] or "")}: {html.escape(run["error_message"])}</span>'
        _set(self.status, f'<span class="tb-status tb-status-{run["status"]}">{run["status"]}</span> '
                          f'<span class="tb-elapsed">{_elapsed(run)}</span>{error}')
        self._show_controls(run)
        self._refresh_rich(run)
        if run["status"] in FINAL:
            self._refresh_downloads(run)
            self.plan.show(run)
        return run

    def _refresh_rich(self, run: dict[str, Any]) -> None:
        path = run.get("output_path")
        if not path or not Path(path).exists():
            return
        mtime = Path(path).stat().st_mtime
        if mtime != self._rich_mtime:
            self._rich_mtime = mtime
            _set(self.rich, rich_outputs_html(path))

    def _refresh_downloads(self, run: dict[str, Any]) -> None:
        links = []
        if run.get("output_path"):
            links.append(downloads.notebook_html_link(run["output_path"]))
        links += [downloads.file_link(a["path"], name=a["name"]) for a in run.get("artifacts", [])]
        _set(self.downloads, "<h4>Downloads</h4>" + " ".join(links) if links else "")

    def cancel_run(self) -> None:
        if self.run_id is None:
            return
        try:
            self.app.service.cancel_run(self.run_id, self.app.user)
            self.message.value = "Cancel requested."
        except Exception as exc:
            self.message.value = f'<span class="tb-error">{html.escape(str(exc))}</span>'

    def rerun_run(self) -> None:
        if self.run_id is None:
            return
        old = self.app.service.get_run(self.run_id)
        try:
            run = self.app.service.create_run(old["job"], old["client"], old["params"], self.app.user,
                                              parent_run_id=old["id"])
        except Exception as exc:
            self.message.value = f'<span class="tb-error">{html.escape(str(exc))}</span>'
            return
        self.open(run["id"])
