"""Send each run's notifications once per status it reaches, whichever process gets there first.

The process that ran a job notifies as it ends (:func:`notify_run`); workers also look
for ended runs nobody notified (a run reaped as lost, one cancelled while queued, an
undo planned from the dashboard) with :func:`notify_pending`. Both first mark the run
``notified_status = status`` with a guarded update, so only one of them sends. The
run's log says who was told (e-mail addresses, webhook hosts), or why a delivery failed;
a failed delivery never changes the run's outcome.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from runner.notifications.email import send_email, smtp_settings
from runner.notifications.messages import EVENT_OF_STATUS, build_message
from runner.notifications.webhook import WebhookError, post_webhook, webhook_body
from runner.store import LogLine, NotificationRule, Run, get_engine, session_scope, utcnow

log = logging.getLogger(__name__)

PENDING_WINDOW = timedelta(days=1)


def _claim(run_id: int, status: str) -> bool:
    with get_engine().begin() as conn:
        return conn.execute(
            sa.update(Run).where(Run.id == run_id, Run.status == status,
                                 sa.or_(Run.notified_status.is_(None), Run.notified_status != status))
            .values(notified_status=status)
        ).rowcount == 1


def _rules_for(run: dict[str, Any], event: str) -> tuple[list[str], list[tuple[str, str]]]:
    """E-mail addresses and ``(webhook url, host)`` that want ``event`` for ``run``, each once."""
    from runner.secrets import decrypt

    match = NotificationRule.user == run["requester"]
    if run.get("schedule_id") is not None:
        match = sa.or_(match, NotificationRule.schedule_id == run["schedule_id"])
    emails: list[str] = []
    hooks: dict[str, str] = {}
    with session_scope() as s:
        for rule in s.scalars(sa.select(NotificationRule).where(match).order_by(NotificationRule.id)):
            if event not in (rule.events or []):
                continue
            if rule.channel == "email" and rule.address and rule.address.lower() not in map(str.lower, emails):
                emails.append(rule.address)
            elif rule.channel == "webhook" and rule.url_encrypted:
                hooks.setdefault(decrypt(rule.url_encrypted, what=f"notification rule {rule.id}'s webhook URL"),
                                 rule.url_host or "?")
    return emails, list(hooks.items())


def _log(run_id: int, text: str) -> None:
    """A line in the run's log (the run has ended: nothing else writes to it now)."""
    try:
        with get_engine().begin() as conn:
            seq = conn.execute(sa.select(sa.func.max(LogLine.seq)).where(LogLine.run_id == run_id)).scalar()
            conn.execute(sa.insert(LogLine).values(run_id=run_id, seq=int(seq or 0) + 1, ts=utcnow(),
                                                   stream="system", text=text))
    except sa.exc.IntegrityError:
        log.info("run %s: %s", run_id, text)


def notify_run(run_id: int) -> list[dict[str, Any]]:
    """Notify about run ``run_id``'s status if nobody has yet; the deliveries tried
    (``channel``, ``target``, ``ok``, ``error``)."""
    from runner.run_records import load_run  # the process itself, not a person: no rights to check

    run = load_run(run_id)
    message = build_message(run, schedule_id=run.get("schedule_id"))
    if message is None or not _claim(run_id, run["status"]):
        return []
    emails, hooks = _rules_for(run, message.event)
    deliveries: list[dict[str, Any]] = []
    if emails:
        try:
            settings = smtp_settings()
            if settings is None:
                raise RuntimeError("no SMTP server set up (TOOLBELT_SMTP_HOST)")
            send_email(settings, emails, message)
            deliveries.append({"channel": "email", "target": ", ".join(emails), "ok": True, "error": None})
        except Exception as exc:  # noqa: BLE001 - reported in the run's log, never raised
            deliveries.append({"channel": "email", "target": ", ".join(emails), "ok": False,
                               "error": f"{type(exc).__name__}: {exc}"})
    for url, host in hooks:
        try:
            post_webhook(url, host, webhook_body(run, message))
            deliveries.append({"channel": "webhook", "target": host, "ok": True, "error": None})
        except WebhookError as exc:
            deliveries.append({"channel": "webhook", "target": host, "ok": False, "error": str(exc)})
    for d in deliveries:
        what = "e-mail to " + d["target"] if d["channel"] == "email" else "webhook to " + d["target"]
        _log(run_id, f"notified ({message.event}): {what}" if d["ok"]
             else f"notification ({message.event}) by {what} failed: {d['error']}")
    return deliveries


def notify_pending(*, now: Any = None) -> list[int]:
    """Notify about runs that ended in the last day and that nobody notified yet; their ids."""
    since = (now or utcnow()) - PENDING_WINDOW
    with get_engine().connect() as conn:
        ids = conn.execute(
            sa.select(Run.id).where(Run.status.in_(tuple(EVENT_OF_STATUS)),
                                    sa.or_(Run.notified_status.is_(None), Run.notified_status != Run.status),
                                    sa.or_(Run.finished_at >= since, Run.created_at >= since))
            .order_by(Run.id)
        ).scalars().all()
    for run_id in ids:
        notify_run(int(run_id))
    return [int(i) for i in ids]
