"""The Jobs view: the catalog by category, searchable, only what this user may run; the job form
with Execute (or a schedule); and the run, side by side so all three stay in view."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.access import may_run
from runner.catalog import Catalog, Job
from runner.dashboard.form import JobForm
from runner.dashboard.schedule_form import ScheduleChooser
from runner.dashboard.widgets import error_html
from runner.params import ParamsInvalid

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp

DOUBLE_CLICK_SECONDS = 2.0


def matches(job: Job, query: str) -> bool:
    """True when every word of ``query`` is in the job's id, title, description or category."""
    words = query.lower().split()
    parts = [job.id] if job.header is None else [job.id, job.header.title, job.header.description,
                                                  job.header.category]
    text = " ".join(parts).lower()
    return all(word in text for word in words)


def visible_jobs(catalog: Catalog, user: str, query: str = "") -> list[Job]:
    """The jobs ``user`` may run (and broken ones, so they are seen), filtered by ``query``."""
    return [job for job in catalog.jobs()
            if (job.header is None or may_run(user, job.header)) and matches(job, query)]


class JobsView:
    """A searchable list of jobs on the left and the selected job's form on the right.

    Each job's row is built once and kept; a search only changes which rows are shown
    (no new widgets per keystroke, no store query per keystroke).
    """

    def __init__(self, app: DashboardApp) -> None:
        self.app = app
        self.search = w.Text(placeholder="Search jobs", description="Search jobs", continuous_update=True,
                             layout=w.Layout(width="100%"), style={"description_width": "0px"})
        self.search.add_class("tb-job-search")
        self.search.observe(lambda _change: self.show_matching(), names="value")
        self.listing = w.VBox()
        self.listing.add_class("tb-job-list")
        self.detail = w.VBox([w.HTML('<h2 class="tb-section">Job</h2><p class="tb-empty">Choose a job in the '
                                     'list.</p>')])
        self.detail.add_class("tb-job-detail")
        self.detail.add_class("tb-column")
        self.run_panel = w.VBox([w.HTML('<h2 class="tb-section">Run</h2><p class="tb-empty">No run open. Execute '
                                        'a job or open one from History.</p>')])
        self.run_panel.add_class("tb-run-panel")
        self.run_panel.add_class("tb-column")
        self.form: JobForm | None = None
        self.job: Job | None = None
        self._jobs: list[Job] = []
        self._started_at = float("-inf")
        self._rows: dict[tuple[str, str], list[w.Widget]] = {}
        self._headings: dict[str, w.HTML] = {}
        self._empty = w.HTML('<i class="tb-empty">No job matches.</i>')
        self._button_layout = w.Layout(width="100%")  # one shared layout model for every job button
        catalog = w.VBox([w.HTML('<h2 class="tb-section">Jobs</h2>'), self.search, self.listing])
        catalog.add_class("tb-catalog")
        catalog.add_class("tb-column")
        self.widget = w.HBox([catalog, self.detail, self.run_panel])
        self.widget.add_class("tb-workspace")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the catalog and the user's access, then show the jobs matching the search."""
        self._jobs = visible_jobs(self.app.catalog, self.app.user)
        self.show_matching()

    def show_matching(self) -> None:
        """Show the rows of the jobs matching the search, by category (broken ones last)."""
        by_category: dict[str, list[Job]] = {}
        for job in self._jobs:
            if matches(job, self.search.value):
                by_category.setdefault(job.header.category if job.header else "Broken", []).append(job)
        children: list[w.Widget] = []
        for category in sorted(by_category, key=lambda c: (c == "Broken", c)):
            if category not in self._headings:
                self._headings[category] = w.HTML(f'<h3 class="tb-category">{html.escape(category)}</h3>')
            children.append(self._headings[category])
            for job in sorted(by_category[category], key=lambda j: j.id):
                key = (job.id, job.content_hash)
                if key not in self._rows:
                    self._rows[key] = self._job_row(job)
                children += self._rows[key]
        new = tuple(children or [self._empty])
        if self.listing.children != new:
            self.listing.children = new

    def _job_row(self, job: Job) -> list[w.Widget]:
        if job.header is None:
            reason = (job.error or "").replace(str(job.path), job.path.name)
            return [w.HTML(f'<div class="tb-job-broken"><b>{html.escape(job.id)}</b>: broken<br>'
                           f'<span class="tb-error">{html.escape(reason)}</span></div>')]
        button = w.Button(description=job.header.title, tooltip=job.id, layout=self._button_layout)
        button.add_class("tb-job-button")
        button.on_click(lambda _b, job_id=job.id: self.open_job(job_id))
        desc = w.HTML(f'<div class="tb-job-desc">{html.escape(job.header.description)}</div>')
        return [button, desc]

    def open_job(self, job_id: str) -> None:
        job = self.app.catalog.get(job_id)
        header = job.require_header()
        self.job = job
        loader: Callable[[str], list[tuple[str, str]]] = self.app.choices_for_client
        from runner.choices import load_records
        from runner.dashboard.map_editor import MapContext

        context = MapContext(client=lambda: self.app.client_name, job_id=job.id, user=self.app.user,
                             load_records=load_records)
        self.form = JobForm(job.id, header, upload_dir=self.app.upload_dir, load_choices=loader,
                            map_context=context)
        execute = w.Button(description="Execute", button_style="primary", icon="play")
        execute.add_class("tb-execute")
        execute.on_click(lambda _b: self.execute())
        self.execute_button = execute
        self.message = w.HTML("")
        self.message.add_class("tb-execute-message")
        badge = ' <span class="tb-badge">writes: plan, review, apply</span>' if header.mutates else ""
        self.chooser = ScheduleChooser(job.id, header, self.form, user=lambda: self.app.user,
                                       client=lambda: self.app.client_name)
        run_now = w.HBox([execute, self.message])
        self.chooser.on_switch = lambda scheduled: setattr(run_now.layout, "display", "none" if scheduled else None)
        self.detail.children = [
            w.HTML(f'<h2 class="tb-section tb-job-title">{html.escape(header.title)}{badge}</h2>'
                   f'<p class="tb-job-about">{html.escape(header.description)}</p>'),
            self.form.box,
            self.chooser.when,
            self.chooser.box,
            run_now,
        ]

    def execute(self) -> dict[str, Any] | None:
        """Validate the form; when every field is fine, create the run and show it. Returns the run."""
        if self.form is None or self.job is None:
            return None
        if time.monotonic() - self._started_at < DOUBLE_CLICK_SECONDS:
            return None  # a second click queued while the first was being handled: one run, not two
        self.execute_button.disabled = True  # no double runs while checking and queuing
        self.execute_button.description = "Checking…"
        try:
            return self._execute(self.job, self.form)
        finally:
            self.execute_button.disabled = False
            self.execute_button.description = "Execute"

    def _execute(self, job: Job, form: JobForm) -> dict[str, Any] | None:
        self.message.value = ""
        params = form.validate()
        if params is None:
            return None
        client = self.app.client_name
        if not client:
            self.message.value = error_html("Choose a client first (top right), or add one under Clients.")
            return None
        try:
            run = self.app.service.create_run(job.id, client, params, self.app.user, dispatch=self.app.dispatch)
        except ParamsInvalid as exc:  # the same validator; kept for a header changed since the form opened
            form.show_errors(exc.errors)
            return None
        except Exception as exc:  # noqa: BLE001 - one clear message, shown where the user looks
            self.message.value = error_html(str(exc))
            return None
        self._started_at = time.monotonic()
        self.message.value = f"Run {run['id']} started."
        self.app.open_run(run["id"])
        return run
