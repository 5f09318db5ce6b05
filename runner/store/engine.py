"""Where the store lives, and one engine per database URL, migrated on first use.

``TOOLBELT_DB`` (any SQLAlchemy URL: SQLite, MariaDB/MySQL, PostgreSQL) or SQLite at
``$TOOLBELT_HOME/toolbelt.db`` (``TOOLBELT_HOME`` defaults to ``~/.toolbelt``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from schoology_etl.errors import ConfigurationError

_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()
SQLITE_BUSY_TIMEOUT_MS = 30_000


class StoreUnavailableError(ConfigurationError):
    """The store's database cannot be reached or migrated."""


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def toolbelt_home() -> Path:
    """The toolbelt's folder (``TOOLBELT_HOME``, default ``~/.toolbelt``), created if needed, mode 0700.

    Raises:
        StoreUnavailableError: it cannot be created or is not a writable folder.
    """
    home = Path(os.environ.get("TOOLBELT_HOME") or Path.home() / ".toolbelt").expanduser()
    try:
        home.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if home.stat().st_uid == os.getuid() and home.stat().st_mode & 0o077:
            home.chmod(PRIVATE_DIR_MODE)  # the store, secret key and run outputs are nobody else's
        if not os.access(home, os.W_OK | os.X_OK):
            raise PermissionError(13, "not writable")
    except OSError as exc:
        raise StoreUnavailableError(
            f"TOOLBELT_HOME {home} cannot be used: {exc.strerror or exc}; set TOOLBELT_HOME to a folder you can write"
        ) from None
    return home


def private_umask() -> None:
    """Make every file this process creates from now on 0600 and every folder 0700."""
    os.umask(0o077)


DB_FILE_ENV = "TOOLBELT_DB_FILE"


def database_url() -> str:
    """The store's URL: ``TOOLBELT_DB``, else the URL in the file ``TOOLBELT_DB_FILE`` names (how a
    job's kernel gets it without a password in its environment), else SQLite in the toolbelt home."""
    url = os.environ.get("TOOLBELT_DB")
    if url:
        return url
    url_file = os.environ.get(DB_FILE_ENV)
    if url_file:
        try:
            return Path(url_file).read_text().strip()
        except OSError as exc:
            raise StoreUnavailableError(
                f"{DB_FILE_ENV} names {url_file}, which cannot be read: {exc.strerror}") from None
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
            db = Path(parsed.database).expanduser()
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
                db.touch(mode=PRIVATE_FILE_MODE, exist_ok=True)
                if db.stat().st_uid == os.getuid():
                    db.chmod(PRIVATE_FILE_MODE)
            except OSError as exc:
                raise StoreUnavailableError(f"the store {db} cannot be created: {exc.strerror or exc}") from None
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
