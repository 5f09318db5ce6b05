"""SQL through SQLAlchemy: ``read_sql`` streams a query, ``write_sql`` writes a table.

Reading uses a server-side cursor (``stream_results`` with ``yield_per``), so memory
stays flat whatever the number of rows. Queries take bound parameters only::

    src = read_sql(profile, "SELECT id, name FROM users WHERE building = :b", {"b": 7})
    with write_sql("sqlite:///analytics.db", "logins", upsert_on="id") as sink:
        sink.write_many(src)

Redshift in production (``redshift+psycopg2://``, the ``redshift`` extra), PostgreSQL
and MariaDB locally, SQLite for the demo analytics database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import TextClause

from ..errors import ConfigurationError
from .base import Record, Source
from .sql_engine import (
    EngineLike,
    connector_error,
    describe_database,
    first_line,
    owned_engine,
    sql_engine,
    sql_url,
)
from .sql_sink import SQLSink

__all__ = ["SQLSource", "SQLSink", "read_sql", "write_sql", "sql_engine"]

log = logging.getLogger(__name__)


class SQLSource(Source):
    """A query, re-run on every iteration through its own connection and server-side cursor."""

    def __init__(
        self,
        target: EngineLike,
        query: str | TextClause | sa.sql.Selectable,
        params: Mapping[str, Any] | None = None,
        *,
        chunk_size: int = 1000,
    ) -> None:
        if chunk_size < 1:
            raise ConfigurationError(f"chunk_size must be at least 1, got {chunk_size}")
        if isinstance(query, str):
            query = sa.text(query)
        elif not isinstance(query, (TextClause, sa.sql.Selectable)):
            raise ConfigurationError(
                f"query must be SQL text or a SQLAlchemy selectable, not {type(query).__name__}"
            )
        self.target = target
        self.url = sql_url(target)
        self.query: sa.Executable = query  # type: ignore[assignment]  # TextClause or a Select
        self.params = dict(params or {})
        self.chunk_size = chunk_size

    def _iter(self) -> Iterator[Record]:
        log.debug("streaming %r, %d rows per fetch", self, self.chunk_size)
        with owned_engine(self.target) as engine:
            try:
                with engine.connect() as conn:
                    options = {"stream_results": True, "yield_per": self.chunk_size}
                    result = conn.execution_options(**options).execute(self.query, self.params)
                    with result:
                        keys = list(result.keys())
                        for row in result:  # tuples zipped with the keys: ~3x cheaper than mappings
                            yield dict(zip(keys, row, strict=True))
            except sa.exc.SQLAlchemyError as exc:
                raise connector_error(exc, self.url, what="query", statement=self.query) from exc

    def __repr__(self) -> str:
        return f"<SQLSource {describe_database(self.url)} {first_line(self.query)!r}>"


def read_sql(
    url_or_engine: EngineLike,
    query: str | TextClause | sa.sql.Selectable,
    params: Mapping[str, Any] | None = None,
    *,
    chunk_size: int = 1000,
) -> SQLSource:
    """Stream the rows of ``query`` as dicts, ``chunk_size`` rows fetched at a time.

    Args:
        url_or_engine: a database URL, a SQLAlchemy Engine, or a client profile
            (its ``sql_url``).
        query: SQL text with ``:name`` placeholders, or a SQLAlchemy selectable.
        params: values bound to the placeholders (never formatted into the SQL).
        chunk_size: rows fetched from the server-side cursor at a time.

    Raises:
        ConnectorError: while iterating, when the query fails; names the database and
            the statement's first line, the driver's error kept as ``__cause__``.
    """
    return SQLSource(url_or_engine, query, params, chunk_size=chunk_size)


def write_sql(
    url_or_engine: EngineLike,
    table: str,
    *,
    schema: str | None = None,
    batch_size: int = 500,
    upsert_on: str | Sequence[str] | None = None,
    upsert_method: str = "auto",
    create: bool = False,
    mode: str = "append",
) -> SQLSink:
    """A sink writing records to ``table`` inside one transaction.

    Batches of ``batch_size`` rows are inserted as they fill; everything is committed
    on ``close()`` and rolled back on ``abort()`` or any error, so a failed write leaves
    the table as it was.

    Args:
        url_or_engine: a database URL, a SQLAlchemy Engine, or a client profile.
        table: the table name (``schema`` separately).
        batch_size: rows per INSERT.
        upsert_on: key column(s): rows whose key exists are updated instead (the
            dialect's native upsert; the key must be unique or primary).
        upsert_method: ``"auto"``: the native upsert (PostgreSQL and SQLite
            ``ON CONFLICT``, MySQL/MariaDB ``ON DUPLICATE KEY UPDATE``), else delete
            then insert; ``"delete_insert"``: always delete the rows with the incoming
            keys, then insert (Redshift's way; a row's columns missing from the record
            become their defaults instead of being kept).
        create: create the table from the first record when it does not exist.
        mode: ``"append"``, or ``"replace"`` to delete the existing rows first (in the
            same transaction).

    Raises:
        ConnectorError: the table is missing, a record has a column the table lacks
            (before anything is written), or the database refused a statement.
    """
    if mode not in ("append", "replace"):
        raise ConfigurationError(f"mode must be 'append' or 'replace', not {mode!r}")
    if upsert_method not in ("auto", "delete_insert"):
        raise ConfigurationError(
            f"upsert_method must be 'auto' or 'delete_insert', not {upsert_method!r}"
        )
    keys = [upsert_on] if isinstance(upsert_on, str) else list(upsert_on or [])
    return SQLSink(
        sql_engine(url_or_engine),
        table,
        schema=schema,
        batch_size=batch_size,
        upsert_on=keys,
        upsert_method=upsert_method,
        create=create,
        replace=mode == "replace",
        owns_engine=not isinstance(url_or_engine, sa.engine.Engine),
    )

