"""Usage analytics as SQLAlchemy Core queries that run on SQLite, PostgreSQL (Redshift) and MariaDB.

Jobs ``login_activity_report``, ``inactive_users_report`` and ``usage_summary``. The
tables (see :func:`analytics_tables`)::

    analytics_users     school_uid (key), uid, name_first, name_last, role_title, building_id, active
    analytics_logins    id, school_uid, building_id, ts (timestamp, UTC)
    analytics_activity  school_uid, day, building_id, events, minutes

Table names and schema can be changed to fit a client's warehouse. Every query takes
its dates as bound parameters; week buckets start on Monday (:class:`week_start`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


@dataclass(frozen=True)
class AnalyticsTables:
    """The three analytics tables, bound to one :class:`sqlalchemy.MetaData`."""

    metadata: sa.MetaData
    users: sa.Table
    logins: sa.Table
    activity: sa.Table


def analytics_tables(
    *,
    users: str = "analytics_users",
    logins: str = "analytics_logins",
    activity: str = "analytics_activity",
    schema: str | None = None,
) -> AnalyticsTables:
    """Table definitions for the analytics database (names and schema configurable)."""
    md = sa.MetaData(schema=schema)
    users_t = sa.Table(
        users,
        md,
        sa.Column("school_uid", sa.String(64), primary_key=True),
        sa.Column("uid", sa.String(32)),
        sa.Column("name_first", sa.String(100)),
        sa.Column("name_last", sa.String(100)),
        sa.Column("role_title", sa.String(64)),
        sa.Column("building_id", sa.String(32), index=True),
        sa.Column("active", sa.Boolean, nullable=False, default=True),
    )
    logins_t = sa.Table(
        logins,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("school_uid", sa.String(64), nullable=False, index=True),
        sa.Column("building_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.DateTime, nullable=False, index=True),
    )
    activity_t = sa.Table(
        activity,
        md,
        sa.Column("school_uid", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("building_id", sa.String(32), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
    )
    return AnalyticsTables(md, users_t, logins_t, activity_t)


DEFAULT_TABLES = analytics_tables()


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


def logins_per_building_per_week(
    start: dt.date, end: dt.date, *, tables: AnalyticsTables = DEFAULT_TABLES
) -> sa.Select:
    """Rows ``building_id, week (Monday), logins, users`` for logins on days ``start``..``end``."""
    logins = tables.logins
    week = week_start(logins.c.ts).label("week")
    return (
        sa.select(
            logins.c.building_id,
            week,
            sa.func.count().label("logins"),
            sa.func.count(sa.distinct(logins.c.school_uid)).label("users"),
        )
        .where(logins.c.ts >= _day_start(start), logins.c.ts < _day_start(end + dt.timedelta(days=1)))
        .group_by(logins.c.building_id, week)
        .order_by(logins.c.building_id, week)
    )


def inactive_users(
    as_of: dt.date, days: int, *, tables: AnalyticsTables = DEFAULT_TABLES, active_only: bool = True
) -> sa.Select:
    """Users with no login in the ``days`` days before ``as_of`` (never logged in included).

    Rows: ``school_uid, name_first, name_last, role_title, building_id, last_login``
    (``None`` for never), oldest first, never-logged-in users first.
    """
    users, logins = tables.users, tables.logins
    cutoff = _day_start(as_of) - dt.timedelta(days=days)
    last = (
        sa.select(logins.c.school_uid, sa.func.max(logins.c.ts).label("last_login"))
        .where(logins.c.ts < _day_start(as_of + dt.timedelta(days=1)))
        .group_by(logins.c.school_uid)
        .subquery("last_logins")
    )
    query = (
        sa.select(
            users.c.school_uid,
            users.c.name_first,
            users.c.name_last,
            users.c.role_title,
            users.c.building_id,
            last.c.last_login,
        )
        .select_from(users.outerjoin(last, last.c.school_uid == users.c.school_uid))
        .where(sa.or_(last.c.last_login.is_(None), last.c.last_login < cutoff))
        .order_by(last.c.last_login.is_not(None), last.c.last_login, users.c.school_uid)
    )
    return query.where(users.c.active.is_(True)) if active_only else query


def usage_summary(as_of: dt.date, days: int = 30, *, tables: AnalyticsTables = DEFAULT_TABLES) -> sa.Select:
    """Per building, over the ``days`` days ending ``as_of``: users, active users, logins, events, minutes."""
    users, logins, activity = tables.users, tables.logins, tables.activity
    since, until = _day_start(as_of) - dt.timedelta(days=days - 1), _day_start(as_of + dt.timedelta(days=1))
    login_counts = (
        sa.select(
            logins.c.building_id,
            sa.func.count().label("logins"),
            sa.func.count(sa.distinct(logins.c.school_uid)).label("active_users"),
        )
        .where(logins.c.ts >= since, logins.c.ts < until)
        .group_by(logins.c.building_id)
        .subquery("login_counts")
    )
    activity_sums = (
        sa.select(
            activity.c.building_id,
            sa.func.sum(activity.c.events).label("events"),
            sa.func.sum(activity.c.minutes).label("minutes"),
        )
        .where(activity.c.day >= since.date(), activity.c.day <= as_of)
        .group_by(activity.c.building_id)
        .subquery("activity_sums")
    )
    user_counts = (
        sa.select(users.c.building_id, sa.func.count().label("users"))
        .where(users.c.active.is_(True))
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
