"""What a notification says, and the link to the run in the dashboard.

The link is ``TOOLBELT_DASHBOARD_URL`` (the address people open the dashboard at, e.g.
``https://toolbelt.example.org/``) with ``?run=N``; without it, the local dashboard's
default address.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from runner.status import RunStatus

DASHBOARD_URL_ENV = "TOOLBELT_DASHBOARD_URL"
DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8866/"

# partly applied: the API refused some changes; someone has to look, as for a failure
EVENT_OF_STATUS = {RunStatus.SUCCEEDED: "finished", RunStatus.APPLIED: "finished", RunStatus.FAILED: "failed",
                   RunStatus.CANCELLED: "failed", RunStatus.PARTLY_APPLIED: "failed", RunStatus.PLANNED: "planned"}


@dataclass(frozen=True)
class Message:
    """One notification: the event, a subject line, the text and the run's link."""

    event: str
    subject: str
    text: str
    link: str


def run_link(run_id: int) -> str:
    """The dashboard's address for run ``run_id``."""
    base = os.environ.get(DASHBOARD_URL_ENV, "").strip() or DEFAULT_DASHBOARD_URL
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"run": run_id})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _what(run: dict[str, Any], event: str) -> str:
    if event == "planned":
        total = (run.get("plan_counts") or {}).get("total", "?")
        return f"has a plan of {total} changes waiting for review"
    if run["status"] == RunStatus.CANCELLED:
        return "was cancelled"
    if run["status"] == RunStatus.PARTLY_APPLIED:
        return "was only partly applied (the API refused some changes)"
    if event == "failed":
        return "failed"
    return "was applied" if run["status"] == RunStatus.APPLIED else "finished"


def build_message(run: dict[str, Any], *, schedule_id: int | None = None) -> Message | None:
    """The message for ``run`` (as :func:`runner.service.run_to_dict` gives it), or None when its
    status is not one people are told about."""
    event = EVENT_OF_STATUS.get(run["status"])
    if event is None:
        return None
    link = run_link(run["id"])
    what = _what(run, event)
    subject = f"[toolbelt] {run['job']} for {run['client']} {what} (run {run['id']})"
    lines = [f"Run {run['id']} of {run['job']} for client {run['client']} {what}."]
    if run.get("error_message"):
        lines.append(f"Why: {run['error_message']}")
    lines.append(f"Requested by {run['requester']}" + (f", started by schedule {schedule_id}" if schedule_id else "")
                 + ".")
    if event == "planned":
        lines.append("Review the plan and apply it, or leave it: nothing is changed until someone applies it.")
    lines.append(f"Open the run: {link}")
    return Message(event=event, subject=subject, text="\n".join(lines), link=link)
