"""Cron expressions read in a time zone, and the next due time after a moment.

Five fields (minute, hour, day of month, month, day of week) or a nickname such as
``@daily``, read in an IANA time zone (``Europe/Paris``; default ``UTC``). Due times are
computed in that zone, so ``0 7 * * 1-5`` stays at 7:00 local across daylight saving
changes; a local time that does not exist that day (a spring-forward gap) moves to the
first minute after the gap. Due times are returned as aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from schoology_etl.errors import ConfigurationError


class ScheduleInvalid(ConfigurationError):
    """A schedule's cron expression, time zone or option is not usable; names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (IANA), or :class:`ScheduleInvalid` naming ``--tz``."""
    try:
        return ZoneInfo((name or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInvalid("tz", f"{name!r} is not a known time zone (e.g. UTC, Europe/Paris, "
                                    "America/New_York)") from None


def check_cron(expr: str) -> str:
    """``expr`` tidied (single spaces), or :class:`ScheduleInvalid` naming ``--cron``."""
    text = " ".join((expr or "").split())
    if not text:
        raise ScheduleInvalid("cron", "is empty; give five fields, e.g. \"0 7 * * 1-5\" (7:00 on weekdays)")
    if not text.startswith("@") and len(text.split()) != 5:
        raise ScheduleInvalid("cron", f"{text!r} has {len(text.split())} fields; give five: minute hour "
                                      "day-of-month month day-of-week")
    if not croniter.is_valid(text):
        raise ScheduleInvalid("cron", f"{text!r} is not a valid cron expression")
    return text


def next_due(expr: str, tz: str, after: datetime) -> datetime:
    """The first due time of ``expr`` in zone ``tz`` strictly after ``after``, as aware UTC."""
    start = after.astimezone(zone(tz))
    due = croniter(check_cron(expr), start).get_next(datetime)
    return due.astimezone(UTC)
