"""The Run view: who ran what with which parameters, status, elapsed time, the live log,
the run's tables and plots, Cancel and Re-run, plan review, downloads.

While a run is open, an asyncio task in the page's kernel reads the store every half
second in a worker thread and then updates the widgets on the kernel's loop, only when
something changed (idle pages send no widget traffic, so Voila can cull abandoned
kernels).
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard import downloads
from runner.dashboard.logview import collapse, render_html
from runner.dashboard.plan_view import PlanView
from runner.dashboard.progress import progress_bars, progress_html
from runner.dashboard.rich_outputs import rich_outputs_html
from runner.dashboard.widgets import error_html, set_if_changed
from runner.roles import NotAllowedError
from runner.status import ACTIVE as ACTIVE_STATUSES
from runner.status import TERMINAL, RunStatus, status_label

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
UPLOADS_DIR = "uploads"  # below TOOLBELT_HOME: where the form saves uploaded files
FINAL = frozenset(s.value for s in TERMINAL)
ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)


def elapsed_text(run: dict[str, Any], now: datetime | None = None) -> str:
    """``"4.2s"`` or ``"3m 07s"``: run time so far (or in all), or time queued before it started."""
    if run.get("duration_seconds") is not None:
        seconds = float(run["duration_seconds"])
    elif run.get("created_at"):
        created = datetime.fromisoformat(run["created_at"])
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        seconds = ((now or datetime.now(UTC)) - created).total_seconds()
    else:
        return ""
    minutes, secs = divmod(int(max(seconds, 0)), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{max(seconds, 0):.1f}s"


def param_text(value: Any) -> str:
    """A parameter value as a person reads it (an uploaded file as its name, a list comma-separated)."""
    if isinstance(value, str) and f"{UPLOADS_DIR}/" in value.replace("\\", "/"):
        return Path(value).name
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return "" if value is None else str(value)


def params_html(params: dict[str, Any] | None) -> str:
    """The run's parameters as a small table."""
    if not params:
        return '<div class="tb-run-params"><i>No parameters.</i></div>'
    rows = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(param_text(value))}</td></tr>"
                   for name, value in params.items())
    return f'<table class="tb-run-params tb-kv">{rows}</table>'


@dataclass
class RunSnapshot:
    """What one poll read from the store (and files), before anything is drawn."""

    run: dict[str, Any]
    new_lines: list[dict[str, Any]] = field(default_factory=list)
    rich: str | None = None  # None: unchanged
    usual: float | None = None  # the job's usual run time, seconds
    downloads: str | None = None  # None: unchanged


class RunView:
    """One run, live."""

    def __init__(self, app: DashboardApp) -> None:
        self.app = app
        self.run_id: int | None = None
        self.title = w.HTML('<i class="tb-empty">No run open. Execute a job or open one from History.</i>')
        self.title.add_class("tb-run-title-box")
        self.params = w.HTML("")
        self.status = w.HTML("")
        self.status.add_class("tb-run-status")
        self.cancel = w.Button(description="Cancel", button_style="danger", icon="stop")
        self.cancel.add_class("tb-cancel")
        self.cancel.on_click(lambda _b: self.cancel_run())
        self.rerun = w.Button(description="Re-run", icon="redo", tooltip="Run again with the same parameters")
        self.rerun.add_class("tb-rerun")
        self.rerun.on_click(lambda _b: self.rerun_run())
        self.message = w.HTML("")
        self.message.add_class("tb-run-message")
        self.log = w.HTML("")
        self.log.add_class("tb-run-log")
        self.progress = w.HTML("")
        self.progress.add_class("tb-run-progress")
        self.timing = w.HTML("")
        self.timing.add_class("tb-run-timing")
        self.rich = w.HTML("")
        self.rich.add_class("tb-run-rich")
        self.plan = PlanView(app)
        self.downloads = w.HTML("")
        self.downloads.add_class("tb-downloads")
        self.widget = w.VBox([
            self.title, self.params,
            w.HBox([self.status, self.cancel, self.rerun, self.message], layout=w.Layout(align_items="center")),
            self.timing, self.progress,
            w.HTML("<h3 class='tb-section'>Log</h3>"), self.log,
            self.rich, self.plan.widget, self.downloads,
        ])
        self._task: asyncio.Task | None = None
        self._reset()
        self._show_controls(None)

    def _reset(self) -> None:
        self._lines: list[tuple[str, str]] = []
        self._last_seq = 0
        self._rich_mtime: float | None = None
        self._downloads_for: tuple[int, str] | None = None
        self._usual: tuple[int, float | None] | None = None
        self._last_output_at: datetime | None = None

    def _show_controls(self, run: dict[str, Any] | None) -> None:
        active = run is not None and run["status"] in ACTIVE
        cancel = None if active else "none"
        rerun = None if run is not None and not active and run.get("kind", "job") == "job" else "none"
        if self.cancel.layout.display != cancel:
            self.cancel.layout.display = cancel
        if self.rerun.layout.display != rerun:
            self.rerun.layout.display = rerun

    # --- following a run ------------------------------------------------------------------
    def open(self, run_id: int) -> None:
        """Show ``run_id`` and follow it until it ends."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.run_id = run_id
        self._reset()
        for widget in (self.log, self.rich, self.downloads, self.message, self.params, self.progress, self.timing):
            widget.value = ""
        self.plan.clear()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (plain Python): read now, refresh() on demand
            self.refresh()
            return
        # the first read happens in the task, off this click's handler (a finished run renders its notebook)
        self.title.value = f'<h3 class="tb-run-title">Run {run_id}</h3><div class="tb-run-meta">loading…</div>'
        self._task = loop.create_task(self._follow(run_id))

    async def _follow(self, run_id: int) -> None:
        final_seen = False
        while self.run_id == run_id:
            try:
                snap = await asyncio.to_thread(self._read, run_id)
            except NotAllowedError as exc:
                self.message.value = error_html(str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - a store hiccup must not kill the live view
                log.warning("reading run %s failed: %s", run_id, exc)
                await asyncio.sleep(POLL_SECONDS * 4)
                continue
            if self.run_id != run_id:
                return  # another run was opened meanwhile
            self._render(snap)
            status = snap.run["status"]
            if status in FINAL and final_seen:
                return  # one more read after the end catches the last lines
            final_seen = status in FINAL
            await asyncio.sleep(POLL_SECONDS)

    def refresh(self) -> dict[str, Any] | None:
        """Read the run and its new log lines now and draw them (also used without a loop)."""
        if self.run_id is None:
            return None
        snap = self._read(self.run_id)
        self._render(snap)
        return snap.run

    def _read(self, run_id: int) -> RunSnapshot:
        """Everything to draw, read from the store and files (no widget is touched here)."""
        service = self.app.service
        run = service.get_run(run_id, self.app.user)  # someone else's run needs the view role
        snap = RunSnapshot(run, list(service.iter_log(run_id, after_seq=self._last_seq, user=self.app.user)))
        if self._usual is None or self._usual[0] != run_id:
            from runner.run_timing import usual_seconds

            self._usual = (run_id, usual_seconds(run["job"], run["client"]))
        snap.usual = self._usual[1]
        path = run.get("output_path")
        if path and Path(path).exists():
            mtime = Path(path).stat().st_mtime
            if mtime != self._rich_mtime:
                self._rich_mtime = mtime
                snap.rich = rich_outputs_html(path)
        key = (run["id"], run["status"])
        if run["status"] in FINAL and self._downloads_for != key:
            self._downloads_for = key
            snap.downloads = downloads.run_downloads_html(run)
        return snap

    def _render(self, snap: RunSnapshot) -> None:
        run = snap.run
        if snap.new_lines:
            self._last_seq = snap.new_lines[-1]["seq"]
            self._lines.extend((line["stream"], line["text"]) for line in snap.new_lines)
            self._last_output_at = datetime.fromisoformat(snap.new_lines[-1]["ts"])
            entries = collapse(self._lines)
            set_if_changed(self.log, render_html(entries))
            set_if_changed(self.progress, progress_html(progress_bars(entries)))
        elif not self._lines and run["status"] in (RunStatus.QUEUED, RunStatus.RUNNING):
            set_if_changed(self.log, '<pre class="tb-log"><i>Waiting for the first output…</i></pre>')
        set_if_changed(self.title, self._title_html(run))
        set_if_changed(self.params, params_html(run.get("params")))
        error = ""
        if run.get("error_message"):
            error = " " + error_html(f'{run.get("error_class") or "error"}: {run["error_message"]}')
        label = html.escape(status_label(run["status"], run.get("error_class")))
        set_if_changed(self.status, f'<span class="tb-status tb-status-{run["status"]}">{label}</span> '
                                    f'<span class="tb-elapsed">{elapsed_text(run)}</span>{error}')
        set_if_changed(self.timing, self._timing_html(run, snap.usual))
        self._show_controls(run)
        if run["status"] in FINAL and self.message.value.startswith("Cancel requested"):
            self.message.value = ""  # the status says it now
        if snap.rich is not None:
            set_if_changed(self.rich, snap.rich)
        if snap.downloads is not None:
            set_if_changed(self.downloads, snap.downloads)
        if run["status"] in FINAL:
            self.plan.show(run)

    def _timing_html(self, run: dict[str, Any], usual: float | None) -> str:
        """The job's usual time beside this run's, and a hint when a running run has gone quiet."""
        from runner.run_timing import duration_text, silent_for, stuck_seconds

        parts = []
        if usual is not None:
            parts.append(f'<span class="tb-usual">This job usually takes about {duration_text(usual)}.</span>')
        if run["status"] == RunStatus.RUNNING:
            since = self._last_output_at or (datetime.fromisoformat(run["started_at"]) if run.get("started_at")
                                             else None)
            quiet = silent_for(since, datetime.now(UTC))
            if quiet is not None and quiet >= stuck_seconds():
                parts.append(f'<span class="tb-stuck" role="status">No new output for {duration_text(quiet)}: the '
                             "job may be stuck (waiting on a server, or in a loop). It keeps running until its time "
                             "limit; Cancel stops it.</span>")
        return " ".join(parts)

    def _title_html(self, run: dict[str, Any]) -> str:
        started = (run.get("created_at") or "")[:19].replace("T", " ")
        parent = ""
        if run.get("parent_run_id"):
            what = "undo of run" if run.get("kind") == "undo" else "re-run of run"
            parent = f", {what} #{run['parent_run_id']}"
        if run.get("applied_by"):
            parent += f"; applied by <b>{html.escape(run['applied_by'])}</b>"
        return (f'<h3 class="tb-run-title">Run {run["id"]}: {html.escape(run["job"])}</h3>'
                f'<div class="tb-run-meta">client <b>{html.escape(run["client"])}</b>, requested by '
                f'<b>{html.escape(run["requester"])}</b> at {html.escape(started)} UTC{parent}</div>')

    # --- actions --------------------------------------------------------------------------
    def cancel_run(self) -> None:
        if self.run_id is None:
            return
        self.cancel.disabled = True
        try:
            self.app.service.cancel_run(self.run_id, self.app.user)
            self.message.value = "Cancel requested…"
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.message.value = error_html(str(exc))
        finally:
            self.cancel.disabled = False

    def rerun_run(self) -> None:
        if self.run_id is None:
            return
        self.app.rerun(self.run_id)
