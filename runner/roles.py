"""Roles: who may view other people's runs, apply or undo plans, and administer.

Roles are held in the store as membership of three reserved groups, so an admin
grants them with ``toolbelt users add NAME --group GROUP``:

=========  ============  =====================================================
role       group         allows
=========  ============  =====================================================
view       ``viewers``   seeing every run, its log, parameters and artifacts
apply      ``appliers``  applying and undoing plans, cancelling others' runs
admin      ``admins``    all of the above, every job, clients, users, settings
=========  ============  =====================================================

Without a role a signed-in user runs the jobs whose header ``access`` lets them
(:mod:`runner.access`) and sees, follows and cancels their own runs only. The first
user to set up the store (the first CLI user of an empty store) becomes admin.
Every check here runs in the process that acts (service layer), for the dashboard
and the CLI alike.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from runner.access import ADMIN_GROUP, add_to_groups, groups_of
from runner.store import DeploymentSetting, Group, User, session_scope
from schoology_etl.errors import SchoologyETLError

VIEW, APPLY, ADMIN = "view", "apply", "admin"
ROLE_GROUPS = {VIEW: "viewers", APPLY: "appliers", ADMIN: ADMIN_GROUP}
ROLE_WORDS = {VIEW: "view every run", APPLY: "apply or undo plans", ADMIN: "administer clients and users"}


class NotAllowedError(SchoologyETLError):
    """The user lacks the role an action needs; names the user, the action and the role."""

    def __init__(self, user: str, action: str, role: str) -> None:
        self.user, self.action, self.role = user, action, role
        super().__init__(f"user {user or '<nobody>'!r} may not {action}: it needs the {role} role "
                         f"(membership of the group {ROLE_GROUPS[role]!r}; an admin grants it with "
                         f"`toolbelt users add {user or 'NAME'} --group {ROLE_GROUPS[role]}`)")


def roles_of(user: str) -> set[str]:
    """The roles ``user`` holds (admin implies every role)."""
    if not user:
        return set()
    groups = groups_of(user)
    if ADMIN_GROUP in groups:
        return set(ROLE_GROUPS)
    return {role for role, group in ROLE_GROUPS.items() if group in groups}


def has_role(user: str, role: str) -> bool:
    return role in roles_of(user)


def require_role(user: str, role: str, action: str) -> None:
    """Raise :class:`NotAllowedError` unless ``user`` holds ``role``."""
    if not has_role(user, role):
        raise NotAllowedError(user, action, role)


def may_see_run(user: str, requester: str | None) -> bool:
    """A user sees their own runs; the view role sees every run."""
    return bool(user) and (user == requester or has_role(user, VIEW))


def check_may_see_run(user: str, run: dict[str, Any] | Any) -> None:
    requester = run["requester"] if isinstance(run, dict) else run.requester
    run_id = run["id"] if isinstance(run, dict) else run.id
    if not may_see_run(user, requester):
        raise NotAllowedError(user, f"see run {run_id} of {requester}", VIEW)


def check_may_cancel(user: str, requester: str | None, run_id: int) -> None:
    """The requester cancels their own run; others need the apply role."""
    if user and user == requester:
        return
    if not has_role(user, APPLY):
        raise NotAllowedError(user, f"cancel run {run_id} of {requester}", APPLY)


def ensure_first_admin(user: str) -> bool:
    """Make ``user`` admin when nobody is (the first user to set up the store); True when done."""
    if not user:
        return False
    with session_scope() as s:
        admins = s.scalar(sa.select(sa.func.count()).select_from(User).join(User.groups)
                          .where(Group.name == ADMIN_GROUP))
        if admins:
            return False
        add_to_groups(user, [ADMIN_GROUP], s)
    return True


# --- deployment settings (admin only) ---------------------------------------------------
def get_setting(name: str, default: str | None = None) -> str | None:
    """A deployment setting stored by an admin, or ``default``."""
    with session_scope() as s:
        row = s.get(DeploymentSetting, name)
        return row.value if row is not None else default


def set_setting(name: str, value: str | None, *, user: str) -> None:
    """Store (or with ``None`` remove) a deployment setting; admin only."""
    require_role(user, ADMIN, f"change the deployment setting {name!r}")
    with session_scope() as s:
        row = s.get(DeploymentSetting, name)
        if value is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(DeploymentSetting(name=name, value=value))
        else:
            row.value = value
