"""Usage analytics as SQLAlchemy Core queries that run on SQLite, PostgreSQL (Redshift) and MariaDB.

Jobs ``login_activity_report``, ``inactive_users_report``, ``usage_summary`` and
``license_adoption_report``. Every query reads the client's warehouse through a
:class:`~schoology_etl.provisioning.analytics.warehouse.WarehouseMap` (tables, columns, district
filter; default: today's layout), labels its result columns with the map's field names
whatever the warehouse calls them, and takes its dates as bound parameters; week buckets
start on Monday (:class:`week_start`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from schoology_etl.provisioning.analytics.warehouse import DEFAULT_WAREHOUSE, WarehouseMap


class week_start(FunctionElement):  # noqa: N801 - reads as a SQL function
    """The Monday (a DATE) of the week holding a timestamp or date expression."""

    type = sa.Date()
    inherit_cache = True
    name = "week_start"


@compiles(week_start)
def _week_start_default(element: week_start, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    # PostgreSQL and Redshift: date_trunc('week', ...) truncates to Monday.
    return f"CAST(date_trunc('week', {compiler.process(list(element.clauses)[0], **kw)}) AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    # 'weekday 0' moves forward to Sunday (or stays on it); six days back is that week's Monday.
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "mysql")
@compiles(week_start, "mariadb")
def _week_start_mysql(element: week_start, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    arg = compiler.process(list(element.clauses)[0], **kw)
    return f"DATE_SUB(DATE({arg}), INTERVAL WEEKDAY({arg}) DAY)"


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _between(ts: sa.ColumnElement[dt.datetime], first: dt.date, last: dt.date) -> list[sa.ColumnElement[bool]]:
    """``ts`` on days ``first``..``last`` (both included)."""
    return [ts >= _day_start(first), ts < _day_start(last + dt.timedelta(days=1))]


def logins_per_building_per_week(
    start: dt.date,
    end: dt.date,
    *,
    buildings: Iterable[str | int] | None = None,
    warehouse: WarehouseMap = DEFAULT_WAREHOUSE,
) -> sa.Select:
    """Rows ``building_id, week (Monday), logins, users`` for logins on days ``start``..``end``.

    ``buildings``: only logins at these building ids (``None`` or empty: every building).
    """
    bound = warehouse.bind()
    logins = bound.logins
    week = week_start(logins.c.ts).label("week")
    query = (
        sa.select(
            logins.c.building_id.label("building_id"),
            week,
            sa.func.count().label("logins"),
            sa.func.count(sa.distinct(logins.c.school_uid)).label("users"),
        )
        .where(*_between(logins.c.ts, start, end), *bound.where(logins))
        .group_by(logins.c.building_id, week)
        .order_by(logins.c.building_id, week)
    )
    chosen = sorted({str(b) for b in buildings or ()})
    return query.where(logins.c.building_id.in_(chosen)) if chosen else query


def signed_in_users(start: dt.date, end: dt.date, *, warehouse: WarehouseMap = DEFAULT_WAREHOUSE) -> sa.Select:
    """Rows ``school_uid``: each user with at least one login on days ``start``..``end``, once."""
    bound = warehouse.bind()
    logins = bound.logins
    return (
        sa.select(logins.c.school_uid.label("school_uid"))
        .where(*_between(logins.c.ts, start, end), *bound.where(logins))
        .distinct()
    )


def inactive_users(
    as_of: dt.date, days: int, *, warehouse: WarehouseMap = DEFAULT_WAREHOUSE, active_only: bool = True
) -> sa.Select:
    """Users with no login in the ``days`` days before ``as_of`` (never logged in included).

    Rows: ``school_uid, name_first, name_last, role_title, building_id, last_login``
    (``None`` for never), oldest first, never-logged-in users first. ``active_only`` leaves
    out users the warehouse marks inactive (a warehouse without ``users.active``: none).
    """
    bound = warehouse.bind()
    users, logins = bound.users, bound.logins
    cutoff = _day_start(as_of) - dt.timedelta(days=days)
    last = (
        sa.select(logins.c.school_uid.label("school_uid"), sa.func.max(logins.c.ts).label("last_login"))
        .where(logins.c.ts < _day_start(as_of + dt.timedelta(days=1)), *bound.where(logins))
        .group_by(logins.c.school_uid)
        .subquery("last_logins")
    )
    query = (
        sa.select(
            *(users.c[f].label(f) for f in ("school_uid", "name_first", "name_last", "role_title", "building_id")),
            last.c.last_login,
        )
        .select_from(users.outerjoin(last, last.c.school_uid == users.c.school_uid))
        .where(sa.or_(last.c.last_login.is_(None), last.c.last_login < cutoff), *bound.where(users))
        .order_by(last.c.last_login.is_not(None), last.c.last_login, users.c.school_uid)
    )
    return query.where(users.c.active.is_(True)) if active_only and "active" in users.c else query


def usage_summary(as_of: dt.date, days: int = 30, *, warehouse: WarehouseMap = DEFAULT_WAREHOUSE) -> sa.Select:
    """Per building, over the ``days`` days ending ``as_of``: users, active users, logins, events, minutes."""
    bound = warehouse.bind()
    users, logins, activity = bound.users, bound.logins, bound.activity
    since = as_of - dt.timedelta(days=days - 1)
    login_counts = (
        sa.select(
            logins.c.building_id.label("building_id"),
            sa.func.count().label("logins"),
            sa.func.count(sa.distinct(logins.c.school_uid)).label("active_users"),
        )
        .where(*_between(logins.c.ts, since, as_of), *bound.where(logins))
        .group_by(logins.c.building_id)
        .subquery("login_counts")
    )
    activity_sums = (
        sa.select(
            activity.c.building_id.label("building_id"),
            sa.func.sum(activity.c.events).label("events"),
            sa.func.sum(activity.c.minutes).label("minutes"),
        )
        .where(activity.c.day >= since, activity.c.day <= as_of, *bound.where(activity))
        .group_by(activity.c.building_id)
        .subquery("activity_sums")
    )
    active = [users.c.active.is_(True)] if "active" in users.c else []
    user_counts = (
        sa.select(users.c.building_id.label("building_id"), sa.func.count().label("users"))
        .where(*active, *bound.where(users))
        .group_by(users.c.building_id)
        .subquery("user_counts")
    )
    zero = sa.literal(0)
    return (
        sa.select(
            user_counts.c.building_id,
            user_counts.c.users,
            sa.func.coalesce(login_counts.c.active_users, zero).label("active_users"),
            sa.func.coalesce(login_counts.c.logins, zero).label("logins"),
            sa.func.coalesce(activity_sums.c.events, zero).label("events"),
            sa.func.coalesce(activity_sums.c.minutes, zero).label("minutes"),
        )
        .select_from(
            user_counts.outerjoin(login_counts, login_counts.c.building_id == user_counts.c.building_id).outerjoin(
                activity_sums, activity_sums.c.building_id == user_counts.c.building_id
            )
        )
        .order_by(user_counts.c.building_id)
    )
