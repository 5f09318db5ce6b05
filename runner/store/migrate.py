"""Alembic, driven from code: bring any store up to the newest schema.

Several processes may open a fresh store at once (workers starting together), so the
upgrade runs under a lock: a file lock for SQLite, an advisory lock on PostgreSQL
(``pg_advisory_lock``) and MariaDB/MySQL (``GET_LOCK``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: the newest migration's revision id, known without loading Alembic (about a fifth of a
#: second a process): a store already there needs one query (a test keeps it equal to
#: Alembic's head, so a new migration cannot be forgotten here)
HEAD_REVISION = "0007"
_LOCK_KEY = 0x70_6F_6F_6C  # arbitrary, shared by every toolbelt process
_MYSQL_LOCK = "toolbelt_migrate"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config pointing at the runner's migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest migration's revision id, as Alembic reads it from the migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None when empty)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _at_head(engine: sa.Engine) -> bool:
    """Whether the store is at :data:`HEAD_REVISION` (one query; False for an empty store)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.DBAPIError:
        return False  # no alembic_version table yet: a new store
    return found == [HEAD_REVISION]


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[None]:
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:":
            yield
            return
        fd = os.open(Path(db).expanduser().with_suffix(".migrate.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if backend == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
        else:
            conn.execute(sa.text("SELECT GET_LOCK(:n, 60)"), {"n": _MYSQL_LOCK})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": _MYSQL_LOCK})


def upgrade(engine: sa.Engine) -> None:
    """Migrate the store behind ``engine`` to the newest schema (a no-op when current)."""
    if _at_head(engine):
        return
    from alembic import command

    head = head_revision()
    with _migration_lock(engine):
        with engine.begin() as conn:
            if current_revision(conn) == head:
                return
            command.upgrade(alembic_config(conn), "head")
