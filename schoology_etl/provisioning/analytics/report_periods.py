"""The days a usage report covers, from a job's ``days`` / ``weeks`` and ``as_of`` parameters.

Jobs ``usage_summary``, ``inactive_users_report``, ``license_adoption_report`` and
``login_activity_report``. ``as_of`` is the last day counted (empty: today); a window of
``days`` days ends on it, a window of ``weeks`` weeks starts on the Monday ``weeks - 1``
weeks before the week holding it. A bad value raises
:class:`~schoology_etl.errors.ConfigurationError` naming the parameter.

>>> day_window(7, "2026-03-12")
(datetime.date(2026, 3, 6), datetime.date(2026, 3, 12))
>>> week_window(2, "2026-03-12")  # a Thursday: this week and the one before, from Monday
(datetime.date(2026, 3, 2), datetime.date(2026, 3, 12))
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schoology_etl.errors import ConfigurationError


def as_of_date(value: Any, *, parameter: str = "as_of") -> dt.date:
    """``value`` (a date or ``YYYY-MM-DD``) as a date; empty means today."""
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ConfigurationError(f"{parameter}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _at_least_one(count: Any, parameter: str) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise ConfigurationError(f"{parameter} must be a whole number, got {count!r}")
    if count < 1:
        raise ConfigurationError(f"{parameter} must be at least 1, got {count}")
    return count


def day_window(days: Any, as_of: Any = None) -> tuple[dt.date, dt.date]:
    """``(first, last)``: the ``days`` days that end on ``as_of`` (empty: today), both counted."""
    days = _at_least_one(days, "days")
    last = as_of_date(as_of)
    return last - dt.timedelta(days=days - 1), last


def week_window(weeks: Any, as_of: Any = None) -> tuple[dt.date, dt.date]:
    """``(monday, last)``: from the Monday ``weeks - 1`` weeks before ``as_of``'s week, to ``as_of``."""
    weeks = _at_least_one(weeks, "weeks")
    last = as_of_date(as_of)
    return last - dt.timedelta(days=last.weekday(), weeks=weeks - 1), last


def week_starts(first: dt.date, weeks: int) -> list[dt.date]:
    """The ``weeks`` Mondays from ``first`` (a Monday, as :func:`week_window` gives it)."""
    return [first + dt.timedelta(weeks=i) for i in range(weeks)]
