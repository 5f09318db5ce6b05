"""Tables for schedules and notifications.

- ``schedules``: a job with fixed parameters and a client, on a cron expression read in a
  time zone. ``next_run_at`` (UTC) is the next due time; a worker that moves it forward
  with a guarded update is the one that fires it (see :mod:`runner.scheduling.firing`).
- ``schedule_firings``: one row per due time of a schedule (unique), saying whether a run
  was started or why not (the previous run still going, the job broken...).
- ``notification_rules``: who hears about which runs, and how. A rule belongs to a user
  (runs they requested) or to a schedule (runs it started); its target is an e-mail
  address or a webhook URL, the URL stored encrypted (a Slack or Teams webhook URL is a
  credential).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from runner.store.models import Base, UTCDateTime, utcnow

FIRING_OUTCOMES = ("started", "skipped", "refused")
NOTIFY_CHANNELS = ("email", "webhook")
NOTIFY_EVENTS = ("finished", "failed", "planned")


class Schedule(Base):
    """A job run on a cron-like schedule, with fixed parameters, for one client."""

    __tablename__ = "schedules"
    __table_args__ = (sa.Index("ix_schedules_due", "paused", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(190))
    client: Mapped[str] = mapped_column(sa.String(190))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    cron: Mapped[str] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    owner: Mapped[str] = mapped_column(sa.String(190))
    paused: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    auto_apply_under: Mapped[int | None] = mapped_column(sa.Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduleFiring(Base):
    """What happened at one due time of a schedule (exactly one row per due time)."""

    __tablename__ = "schedule_firings"
    __table_args__ = (sa.UniqueConstraint("schedule_id", "due_at", name="uq_schedule_firings_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(16))  # started | skipped | refused
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    worker_id: Mapped[str | None] = mapped_column(sa.String(190))


class NotificationRule(Base):
    """Tell ``target`` (by ``channel``) when a run of ``user`` or of ``schedule_id`` reaches ``events``."""

    __tablename__ = "notification_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    user: Mapped[str | None] = mapped_column(sa.String(190), index=True)
    schedule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # email | webhook
    address: Mapped[str | None] = mapped_column(sa.String(320))  # e-mail address (not a secret)
    url_encrypted: Mapped[str | None] = mapped_column(sa.Text)  # webhook URL (a secret)
    url_host: Mapped[str | None] = mapped_column(sa.String(255))  # what may be shown of it
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: list(NOTIFY_EVENTS))
    created_by: Mapped[str] = mapped_column(sa.String(190))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
