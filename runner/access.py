"""May this user run this job? Groups come from the store's users and groups tables.

A header without ``access`` lets every signed-in user run the job; with ``access``,
the user must belong to one of the listed groups (an empty list lets nobody but
admins). Members of the ``admins`` group may run every job.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from runner.header import JobHeader
from runner.store import Group, User, session_scope
from schoology_etl.errors import ConfigurationError, SchoologyETLError

ADMIN_GROUP = "admins"


class AccessDenied(SchoologyETLError):
    """The user may not run the job; names the user, the job and the groups needed."""

    def __init__(self, user: str, job: str, needed: tuple[str, ...]) -> None:
        self.user, self.job, self.needed = user, job, needed
        groups = ", ".join(needed) if needed else "none (admins only)"
        super().__init__(f"user {user!r} may not run job {job!r}: it needs membership of one of the groups: {groups}")


@contextlib.contextmanager
def _session(store: Session | str | None) -> Iterator[Session]:
    """The given session, or a new one on a store URL (None: the default store)."""
    if isinstance(store, Session):
        yield store
    else:
        with session_scope(store) as s:
            yield s


def groups_of(user: str, store: Session | str | None = None) -> set[str]:
    """The names of the groups ``user`` belongs to (empty for an unknown user)."""
    with _session(store) as s:
        rows = s.scalars(sa.select(Group.name).join(Group.members).where(User.name == user))
        return set(rows)


def may_run(user: str, header: JobHeader, store: Session | str | None = None) -> bool:
    """True when ``user`` may run a job with ``header`` (for filtering the dashboard's list)."""
    if not user:
        return False
    if header.access is None:
        return True
    groups = groups_of(user, store)
    return ADMIN_GROUP in groups or bool(groups & set(header.access))


def check_access(user: str, header: JobHeader, store: Session | str | None = None, *, job: str | None = None) -> None:
    """Raise :class:`AccessDenied` unless ``user`` may run the job.

    Args:
        user: the requester (see :func:`runner.identity.current_user`).
        header: the job's header.
        store: an open session, a store URL, or None for the default store.
        job: the job id for the message (default: the header's title).
    """
    if not may_run(user, header, store):
        raise AccessDenied(user or "<nobody>", job or header.title, header.access or ())


_Named = TypeVar("_Named", User, Group)


def _get_or_create(s: Session, model: type[_Named], name: str) -> _Named:
    row = s.scalar(sa.select(model).where(model.name == name))
    if row is None:
        row = model(name=name)
        s.add(row)
        s.flush()
    return row


def add_to_groups(user: str, groups: list[str], store: Session | str | None = None) -> None:
    """Create ``user`` if needed and make them a member of every group in ``groups``."""
    if not user.strip() or any(not g.strip() for g in groups):
        raise ConfigurationError("user and group names must not be empty")
    with _session(store) as s:
        row = _get_or_create(s, User, user)
        for name in groups:
            group = _get_or_create(s, Group, name)
            if group not in row.groups:
                row.groups.append(group)
        s.flush()


def remove_from_group(user: str, group: str, store: Session | str | None = None) -> bool:
    """Remove ``user`` from ``group``; False when they were not a member."""
    with _session(store) as s:
        row = s.scalar(sa.select(User).where(User.name == user))
        if row is None:
            return False
        for g in list(row.groups):
            if g.name == group:
                row.groups.remove(g)
                s.flush()
                return True
        return False


def iter_users(store: Session | str | None = None) -> Iterator[tuple[str, list[str]]]:
    """``(user, sorted groups)`` for every stored user, by name."""
    with _session(store) as s:
        users = s.scalars(sa.select(User).order_by(User.name)).all()
        result = [(u.name, sorted(g.name for g in u.groups)) for u in users]
    yield from result
