"""Engines for the SQL connector: from a URL, an Engine or a client profile.

Also owns how a database is named in an error message: backend, host, port and
database, never the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from ..errors import ConfigurationError, ConnectorError

EngineLike = str | URL | Engine | Any
"""A URL string, a SQLAlchemy URL or Engine, or a profile with a ``sql_url``."""

_EXTRAS = {
    "redshift": "redshift",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}


def _profile_url(obj: Any) -> str | URL:
    url = getattr(obj, "sql_url", None)
    if not url:
        name = getattr(obj, "name", type(obj).__name__)
        raise ConfigurationError(f"client profile {name!r} has no sql_url configured")
    return url


def sql_url(target: EngineLike) -> URL:
    """The parsed URL of ``target`` (a URL, an Engine or a profile with ``sql_url``)."""
    if isinstance(target, Engine):
        return target.url
    if isinstance(target, URL):
        return target
    if not isinstance(target, str):
        target = _profile_url(target)
        if isinstance(target, URL):
            return target
    try:
        return sa.engine.make_url(target)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"not a database URL: {exc}") from None


def sql_engine(target: EngineLike, **engine_options: Any) -> Engine:
    """An Engine for a URL, a profile (its ``sql_url``) or an existing Engine (returned as is).

    Raises:
        ConfigurationError: the profile has no URL, or the dialect's driver is not
            installed (the message names the extra to install).
    """
    if isinstance(target, Engine):
        return target
    url = sql_url(target)
    try:
        return sa.create_engine(url, **engine_options)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        backend = url.get_backend_name()
        extra = _EXTRAS.get(backend)
        hint = f"; install provisioners-toolbelt[{extra}]" if extra else ""
        raise ConfigurationError(
            f"no driver for {url.drivername!r} ({exc}){hint}"
        ) from exc


@contextmanager
def owned_engine(target: EngineLike) -> Iterator[Engine]:
    """An Engine for the duration of a block; disposed afterwards unless the caller gave it."""
    engine = sql_engine(target)
    try:
        yield engine
    finally:
        if engine is not target:
            engine.dispose()


def describe_database(url: URL) -> str:
    """``backend://host:port/database`` for messages; never the user's password."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:{url.database or ':memory:'}"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{backend}://{host}{port}/{url.database or ''}"


def first_line(statement: Any) -> str:
    """The first non-blank line of a statement's SQL text, for error messages."""
    text = str(statement).strip()
    return text.splitlines()[0].strip() if text else ""


def _driver_message(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connector_error(
    exc: BaseException, url: URL, *, what: str, statement: Any = None
) -> ConnectorError:
    """A ConnectorError naming the database and the statement; chain it with ``from exc``."""
    where = describe_database(url)
    msg = f"{what} failed on {where}: {_driver_message(exc)}"
    if statement is not None:
        msg += f" [statement: {first_line(statement)}]"
    return ConnectorError(msg)
