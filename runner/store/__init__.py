"""The run store: SQLAlchemy models, the engine/session, and Alembic migrations.

::

    from runner.store import session_scope, Run
    with session_scope() as s:
        s.get(Run, 1)
"""

from __future__ import annotations

from runner.store.database import (
    StoreUnavailableError,
    changed_rows,
    database_url,
    dispose_engines,
    get_engine,
    session_scope,
    toolbelt_home,
)
from runner.store.models import (
    EXECUTING_STATUSES,
    TERMINAL_STATUSES,
    Artifact,
    Base,
    ClientLock,
    ClientProfileRow,
    ColumnMapRow,
    DeploymentSetting,
    Group,
    GroupMembership,
    LogLine,
    RateBudgetRow,
    Run,
    User,
    WarehouseMapRow,
    utcnow,
)
from runner.store.scheduling import NotificationRule, Schedule, ScheduleFiring

__all__ = [
    "Artifact",
    "Base",
    "ClientLock",
    "EXECUTING_STATUSES",
    "ClientProfileRow",
    "ColumnMapRow",
    "DeploymentSetting",
    "Group",
    "GroupMembership",
    "LogLine",
    "RateBudgetRow",
    "NotificationRule",
    "Run",
    "Schedule",
    "ScheduleFiring",
    "StoreUnavailableError",
    "TERMINAL_STATUSES",
    "User",
    "WarehouseMapRow",
    "changed_rows",
    "database_url",
    "dispose_engines",
    "get_engine",
    "session_scope",
    "toolbelt_home",
    "utcnow",
]
