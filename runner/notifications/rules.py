"""Who hears about which runs, and how.

A rule belongs to a user (runs that user requested, scheduled ones included) or to a
schedule (runs that schedule started). It names the events it wants (``finished``,
``failed``, ``planned``: a plan waiting for review) and one target: an e-mail address,
or a webhook URL. A webhook URL is a credential (anyone holding a Slack or Teams
webhook URL may post to the channel): it is stored encrypted and only its host is shown.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from runner.store import NotificationRule, Schedule, session_scope
from runner.store.scheduling import NOTIFY_CHANNELS, NOTIFY_EVENTS
from schoology_etl.errors import ConfigurationError

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class NotificationRuleInvalid(ConfigurationError):
    """A notification rule's field is not usable; names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> str:
    """``url`` if it is an https URL (http only to a loopback host); else :class:`NotificationRuleInvalid`."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise NotificationRuleInvalid("webhook", "must be an https:// URL (as Slack or Teams gives it)")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise NotificationRuleInvalid("webhook", f"http:// is only allowed to this machine; {parts.hostname} "
                                                 "needs https://")
    return url.strip()


def check_events(events: Iterable[str] | None) -> list[str]:
    """The events asked for (default: all), each one of ``finished``, ``failed``, ``planned``."""
    chosen = [e.strip() for e in (events or NOTIFY_EVENTS) if e and e.strip()]
    unknown = [e for e in chosen if e not in NOTIFY_EVENTS]
    if unknown or not chosen:
        raise NotificationRuleInvalid("on", f"{', '.join(unknown) or 'nothing'}: "
                                            f"choose from {', '.join(NOTIFY_EVENTS)}")
    return sorted(set(chosen), key=NOTIFY_EVENTS.index)


def rule_to_dict(row: NotificationRule) -> dict[str, Any]:
    """A rule as shown to people: the webhook only by its host."""
    return {"id": row.id, "user": row.user, "schedule_id": row.schedule_id, "channel": row.channel,
            "target": row.address if row.channel == "email" else f"webhook to {row.url_host}",
            "events": list(row.events or []), "created_by": row.created_by}


def add_rule(*, channel: str, target: str, created_by: str, user: str | None = None, schedule_id: int | None = None,
             events: Iterable[str] | None = None) -> dict[str, Any]:
    """Store a rule for ``user`` or ``schedule_id`` (exactly one); the rule as :func:`rule_to_dict` shows it.

    Only the user themself adds a rule for their own runs; a schedule's rule may be added
    by its owner or an admin.
    """
    from runner.access import ADMIN_GROUP, groups_of
    from runner.secrets import encrypt

    if channel not in NOTIFY_CHANNELS:
        raise NotificationRuleInvalid("channel", f"{channel!r}: choose from {', '.join(NOTIFY_CHANNELS)}")
    if (user is None) == (schedule_id is None):
        raise NotificationRuleInvalid("for", "give either a user or a schedule")
    chosen = check_events(events)
    row = NotificationRule(user=user, schedule_id=schedule_id, channel=channel, events=chosen, created_by=created_by)
    if channel == "email":
        if not EMAIL_PATTERN.match((target or "").strip()):
            raise NotificationRuleInvalid("email", f"{target!r} is not an e-mail address")
        row.address = target.strip()
    else:
        url = check_webhook_url(target)
        row.url_encrypted, row.url_host = encrypt(url), urlsplit(url).hostname
    with session_scope() as s:
        admin = ADMIN_GROUP in groups_of(created_by, s)
        if user is not None and user != created_by and not admin:
            raise NotificationRuleInvalid("user", f"{created_by!r} may only add notifications for themself")
        if schedule_id is not None:
            schedule = s.get(Schedule, schedule_id)
            if schedule is None:
                raise NotificationRuleInvalid("schedule", f"no schedule {schedule_id} in the store")
            if schedule.owner != created_by and not admin:
                raise NotificationRuleInvalid("schedule", f"only its owner ({schedule.owner}) or an admin may add "
                                                          f"notifications to schedule {schedule_id}")
        s.add(row)
        s.flush()
        return rule_to_dict(row)


def list_rules(*, user: str | None = None) -> list[dict[str, Any]]:
    """Every rule (or the ones ``user`` created), by id."""
    query = sa.select(NotificationRule).order_by(NotificationRule.id)
    if user is not None:
        query = query.where(NotificationRule.created_by == user)
    with session_scope() as s:
        return [rule_to_dict(r) for r in s.scalars(query)]


def remove_rule(rule_id: int, *, user: str) -> None:
    """Remove a rule; only its creator, the user it is for, or an admin may."""
    from runner.access import ADMIN_GROUP, groups_of

    with session_scope() as s:
        row = s.get(NotificationRule, rule_id)
        if row is None:
            raise NotificationRuleInvalid("id", f"no notification rule {rule_id}")
        if user not in (row.created_by, row.user) and ADMIN_GROUP not in groups_of(user, s):
            raise NotificationRuleInvalid("id", f"{user!r} may not remove notification rule {rule_id}")
        s.delete(row)
