"""Where the store lives, and one engine per database URL, migrated on first use.

``TOOLBELT_DB`` (any SQLAlchemy URL: SQLite, MariaDB/MySQL, PostgreSQL) or SQLite at
``$TOOLBELT_HOME/toolbelt.db`` (``TOOLBELT_HOME`` defaults to ``~/.toolbelt``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from schoology_etl.errors import ConfigurationError

_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()
SQLITE_BUSY_TIMEOUT_MS = 30_000


class StoreUnavailableError(ConfigurationError):
    """The store's database cannot be reached or migrated."""


def toolbelt_home() -> Path:
    """The toolbelt's folder (``TOOLBELT_HOME``, default ``~/.toolbelt``), created if needed."""
    home = Path(os.environ.get("TOOLBELT_HOME") or Path.home() / ".toolbelt").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def database_url() -> str:
    """The store's URL: ``TOOLBELT_DB`` or SQLite in the toolbelt home."""
    url = os.environ.get("TOOLBELT_DB")
    if url:
        return url
    return f"sqlite:///{toolbelt_home() / 'toolbelt.db'}"


def safe_url(url: str) -> str:
    """``url`` with any password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as nothing useful
        return "<malformed database URL>"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _make_engine(url: str) -> sa.Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreUnavailableError(f"TOOLBELT_DB is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # let SQLAlchemy issue BEGIN itself, so BEGIN IMMEDIATE-style guarded updates behave
        return engine
    kwargs: dict = {"pool_pre_ping": True, "pool_recycle": 3600}
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10}
    elif parsed.get_backend_name() in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        return sa.create_engine(parsed, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a missing driver and the like
        raise StoreUnavailableError(f"cannot use the store at {safe_url(url)}: {exc}") from None


def get_engine(url: str | None = None) -> sa.Engine:
    """The engine for ``url`` (default :func:`database_url`), schema upgraded on first use."""
    url = url or database_url()
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _make_engine(url)
            from runner.store.migrate import upgrade

            try:
                upgrade(engine)
            except StoreUnavailableError:
                engine.dispose()
                raise
            except sa.exc.SQLAlchemyError as exc:
                engine.dispose()
                raise StoreUnavailableError(
                    f"cannot open the store at {safe_url(url)}: {exc.__class__.__name__}: "
                    f"{str(exc.orig if getattr(exc, 'orig', None) else exc).splitlines()[0]}"
                ) from exc
            _ENGINES[url] = engine
        return engine


def dispose_engines(*, close: bool = True) -> None:
    """Forget every engine; ``close=False`` in a forked child leaves the parent's connections alone."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose(close=close)
        _ENGINES.clear()


@contextlib.contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    maker = sessionmaker(get_engine(url), expire_on_commit=False)
    with maker() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
