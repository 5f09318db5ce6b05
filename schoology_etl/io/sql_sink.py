"""The SQL sink: batched inserts or native upserts inside one transaction.

The transaction opens with the first batch and commits on ``close()``; an error or
``abort()`` rolls it back, so the table is either fully written or left as it was.
(On MySQL/MariaDB a ``CREATE TABLE`` commits implicitly: with ``create=True`` a failed
write there can leave the new, empty table behind.)
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import ConnectorError
from .base import Record, Sink, WriteResult
from .sql_engine import connector_error, describe_database

log = logging.getLogger(__name__)

_TYPES: list[tuple[type, Any]] = [
    (bool, sa.Boolean),
    (int, sa.BigInteger),
    (float, sa.Float),
    (decimal.Decimal, sa.Numeric),
    (dt.datetime, sa.DateTime),
    (dt.date, sa.Date),
]


def infer_column(name: str, value: Any, *, key: bool) -> sa.Column:
    """A column for ``name`` typed after a sample value (text when unknown)."""
    col_type: Any = sa.String(255) if key else sa.Text
    for py_type, sa_type in _TYPES:
        if isinstance(value, py_type):
            col_type = sa_type
            break
    return sa.Column(name, col_type, primary_key=key, nullable=not key)


def build_insert(table: sa.Table, columns: Sequence[str], keys: Sequence[str], dialect: str) -> Any:
    """An INSERT for ``columns``, upserting on ``keys`` with the dialect's native form.

    Returns ``None`` for upserts on dialects without one (the caller deletes then inserts).
    """
    if not keys:
        return table.insert()
    updates = [c for c in columns if c not in keys]
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        stmt = upsert(table)
        index = [table.c[k] for k in keys]
        if not updates:
            return stmt.on_conflict_do_nothing(index_elements=index)
        return stmt.on_conflict_do_update(
            index_elements=index, set_={c: stmt.excluded[c] for c in updates}
        )
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        mysql_stmt = mysql_insert(table)
        cols: list[str] = updates or list(keys)
        return mysql_stmt.on_duplicate_key_update({c: mysql_stmt.inserted[c] for c in cols})
    return None


def _runs_by_columns(batch: list[Record]) -> Iterable[tuple[tuple[str, ...], list[Record]]]:
    """Consecutive records grouped by their column set, order kept."""
    def columns_of(record: Record) -> tuple[str, ...]:
        return tuple(record)

    for cols, group in itertools.groupby(batch, key=columns_of):
        yield cols, list(group)


class SQLSink(Sink):
    """Writes records to one table in one transaction (see :func:`write_sql`)."""

    def __init__(
        self,
        engine: Engine,
        table: str,
        *,
        schema: str | None = None,
        batch_size: int = 500,
        upsert_on: Sequence[str] = (),
        upsert_method: str = "auto",
        create: bool = False,
        replace: bool = False,
        owns_engine: bool = False,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.table_name = table
        self.schema = schema
        self.batch_size = batch_size
        self.upsert_on = list(upsert_on)
        self.upsert_method = upsert_method
        self.create = create
        self.replace = replace
        self._owns_engine = owns_engine
        self._conn: Connection | None = None
        self._trans: Any = None
        self._table: sa.Table | None = None

    @property
    def where(self) -> str:
        """``table`` on ``backend://host:port/db``, for messages."""
        name = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        return f"table {name} on {describe_database(self.engine.url)}"

    def _begin(self, sample: Record | None) -> None:
        self._conn = self.engine.connect()
        self._trans = self._conn.begin()
        self._table = self._reflect(self._conn, sample)
        missing = [k for k in self.upsert_on if k not in self._table.c]
        if missing:
            raise ConnectorError(f"upsert key {missing[0]!r} is not a column of {self.where}")
        if self.replace:
            self._conn.execute(self._table.delete())

    def _reflect(self, conn: Connection, sample: Record | None) -> sa.Table:
        meta = sa.MetaData()
        try:
            return sa.Table(self.table_name, meta, schema=self.schema, autoload_with=conn)
        except sa.exc.NoSuchTableError:
            if not self.create or sample is None:
                raise ConnectorError(f"{self.where} does not exist") from None
        cols = [infer_column(k, v, key=k in self.upsert_on) for k, v in sample.items()]
        table = sa.Table(self.table_name, meta, *cols, schema=self.schema)
        table.create(conn)
        log.info("created %s", self.where)
        return table

    def _check_columns(self, batch: list[Record], start: int) -> None:
        assert self._table is not None
        known = self._table.c
        for i, record in enumerate(batch):
            for key in record:
                if key not in known:
                    raise ConnectorError(
                        f"record {start + i} has column {key!r} that {self.where} does not have"
                        f" (columns: {', '.join(known.keys())})"
                    )

    def _insert(self, rows: list[Record], columns: Sequence[str]) -> None:
        assert self._conn is not None and self._table is not None
        stmt = None
        if self.upsert_method != "delete_insert":
            stmt = build_insert(self._table, columns, self.upsert_on, self.engine.dialect.name)
        if stmt is None:  # no native upsert (Redshift...): delete the keys, then insert
            cond = sa.and_(*(self._table.c[k] == sa.bindparam(f"_key_{k}") for k in self.upsert_on))
            keyed = [{f"_key_{k}": r.get(k) for k in self.upsert_on} for r in rows]
            self._conn.execute(self._table.delete().where(cond), keyed)
            stmt = self._table.insert()
        self._conn.execute(stmt, rows)

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        stmt_desc = f"INSERT INTO {self.table_name}"
        try:
            if self._conn is None:
                self._begin(batch[0])
            self._check_columns(batch, start)
            for columns, rows in _runs_by_columns(batch):
                self._insert(rows, columns)
        except ConnectorError:
            self._rollback()
            raise
        except sa.exc.SQLAlchemyError as exc:
            self._rollback()
            raise connector_error(
                exc, self.engine.url, what=f"write to {self.table_name}", statement=stmt_desc
            ) from exc
        return [WriteResult(start + i, True, record) for i, record in enumerate(batch)]

    def _finish(self) -> None:
        try:
            if self._conn is None and self.replace:
                self._begin(None)
            if self._trans is not None:
                self._trans.commit()
                log.info("committed %d rows to %s", self.written, self.where)
        except sa.exc.SQLAlchemyError as exc:
            self._rollback()
            raise connector_error(exc, self.engine.url, what=f"commit to {self.table_name}") from exc
        except ConnectorError:
            self._rollback()
            raise
        finally:
            self._release()

    def abort(self) -> None:
        """Roll back everything written so far; the table is left as it was."""
        self._rollback()
        super().abort()

    def _rollback(self) -> None:
        self._buffer = []
        self._closed = True  # a failed sink never commits later batches
        try:
            if self._trans is not None and self._trans.is_active:
                self._trans.rollback()
        finally:
            self._release()

    def _release(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._trans = None
        if self._owns_engine:
            self.engine.dispose()

    def __repr__(self) -> str:
        return f"<SQLSink {self.where} written={self.written}>"
