""""Run now" or "On a schedule": the part of a job's form that chooses when it runs.

On a schedule, the same parameters (validated by the same form) go into a schedule made
with :func:`runner.scheduling.schedules.add_schedule`, the function the CLI calls, so the
checks are the same: cron and time zone, parameters, the user's access, the client.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from runner.dashboard.widgets import error_html, ok_html

if TYPE_CHECKING:
    from runner.dashboard.form import JobForm
    from runner.header import JobHeader

RUN_NOW, ON_SCHEDULE = "Run now", "On a schedule"
_STYLE = {"description_width": "200px"}
_LAYOUT = w.Layout(width="420px")


def next_run_words(schedule: dict[str, Any]) -> str:
    """``"next run 2026-12-02 07:00 Europe/Paris"``: the next due time in the schedule's own zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    due = datetime.fromisoformat(schedule["next_run_at"]).astimezone(ZoneInfo(schedule["timezone"]))
    return f"next run {due:%Y-%m-%d %H:%M} {schedule['timezone']}"


class ScheduleChooser:
    """The "when" toggle, and the schedule fields shown when "On a schedule" is chosen."""

    def __init__(self, job_id: str, header: JobHeader, form: JobForm, *, user: Callable[[], str],
                 client: Callable[[], str | None]) -> None:
        self.job_id, self.header, self.form = job_id, header, form
        self._user, self._client = user, client
        self.when = w.ToggleButtons(options=[RUN_NOW, ON_SCHEDULE], value=RUN_NOW, description="When",
                                    style=_STYLE, tooltips=["Start one run now", "Start runs on a cron schedule"])
        self.when.add_class("tb-when")
        self.cron = w.Text(description="Cron (5 fields)", placeholder="0 7 * * 1-5", style=_STYLE, layout=_LAYOUT)
        self.cron.add_class("tb-schedule-cron")
        self.tz = w.Text(description="Time zone", value="UTC", placeholder="Europe/Paris", style=_STYLE, layout=_LAYOUT)
        self.tz.add_class("tb-schedule-tz")
        self.auto_apply = w.IntText(description="Apply plans under (changes)", value=0, style=_STYLE,
                                    layout=_LAYOUT)
        self.auto_apply.add_class("tb-schedule-auto-apply")
        hint = ("0: every plan waits for review. N: a plan with fewer than N changes applies by itself."
                if header.mutates else "")
        help_text = w.HTML(f'<p class="tb-help">Five cron fields: minute hour day-of-month month day-of-week '
                           f'(e.g. <code>0 7 * * 1-5</code>: 7:00 on weekdays), read in the time zone. '
                           f'{html.escape(hint)}</p>')
        self.add = w.Button(description="Add schedule", button_style="primary", icon="calendar")
        self.add.add_class("tb-add-schedule")
        self.add.on_click(lambda _b: self.add_schedule())
        self.message = w.HTML("")
        self.message.add_class("tb-schedule-message")
        fields: list[w.Widget] = [self.cron, self.tz] + ([self.auto_apply] if header.mutates else [])
        self.box = w.VBox([*fields, help_text, w.HBox([self.add, self.message])],
                          layout=w.Layout(display="none"))
        self.box.add_class("tb-schedule-box")
        self.when.observe(lambda _c: self._switch(), names="value")
        self.on_switch: Callable[[bool], None] | None = None

    @property
    def scheduled(self) -> bool:
        return self.when.value == ON_SCHEDULE

    def _switch(self) -> None:
        self.box.layout.display = None if self.scheduled else "none"
        if self.on_switch is not None:
            self.on_switch(self.scheduled)

    def add_schedule(self) -> dict[str, Any] | None:
        """Validate the form and the schedule's fields; store the schedule; say when it runs next."""
        from runner.scheduling.schedules import add_schedule

        self.message.value = ""
        params = self.form.validate()
        if params is None:
            return None
        client = self._client()
        if not client:
            self.message.value = error_html("Choose a client first (top right).")
            return None
        limit = self.auto_apply.value if self.header.mutates and self.auto_apply.value else None
        try:
            made = add_schedule(self.job_id, client, self.cron.value, tz=self.tz.value, params=params,
                                user=self._user(), auto_apply_under=limit)
        except Exception as exc:  # noqa: BLE001 - one clear message beside the button
            self.message.value = error_html(str(exc))
            return None
        self.message.value = ok_html(f"Schedule {made['id']} added for {client}: {next_run_words(made)}.")
        return made
