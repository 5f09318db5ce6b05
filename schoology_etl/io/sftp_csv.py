"""CSV files on an SFTP server: ``read_sftp_csv`` streams, ``write_sftp_csv`` writes atomically.

Parsing and writing reuse the local CSV connector (:mod:`.csv`): the same header checks
and the same :class:`~schoology_etl.errors.SourceFormatError` naming the remote file and
line. A remote write is spooled to a local temporary file, then uploaded under a
temporary name and renamed into place, so the destination only ever holds a whole file
(and a dropped connection is retried with the finished file).
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..errors import ConfigurationError
from .base import Record, Sink
from .csv import CSVSink, CSVSource
from .sftp_connection import SFTPConnection

ConnectionLike = Any
"""An :class:`SFTPConnection`, SFTP settings (``host``, ``username``...) or a profile."""


def connection_factory(target: ConnectionLike) -> SFTPConnection:
    """A new, unopened connection with the settings of ``target``."""
    if isinstance(target, SFTPConnection):
        return target.clone()
    if getattr(target, "host", None):
        return SFTPConnection.from_settings(target)
    if getattr(target, "sftp", None) is not None:
        return SFTPConnection.from_profile(target)
    raise ConfigurationError(
        f"expected an SFTPConnection, SFTP settings or a profile with sftp, not {type(target).__name__}"
    )


class _RemoteText(io.TextIOWrapper):
    """Text over a remote file that also closes its own connection."""

    def __init__(self, raw: Any, conn: SFTPConnection, encoding: str) -> None:
        super().__init__(raw, encoding=encoding, newline="")
        self._conn = conn

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._conn.close()


class SFTPCSVSource(CSVSource):
    """A remote CSV file; each iteration opens its own connection (see :func:`read_sftp_csv`)."""

    def __init__(self, target: ConnectionLike, remote_path: str, **csv_options: Any) -> None:
        super().__init__(remote_path, **csv_options)
        self.target = target
        self.remote_path = remote_path
        self._where = connection_factory(target).where(remote_path)

    def _open(self) -> IO[str]:
        conn = connection_factory(self.target)
        try:
            raw = conn.open(self.remote_path, "rb")
            return _RemoteText(raw, conn, self.encoding)
        except BaseException:
            conn.close()
            raise

    def _error(self, message: str, line: int | None, **kw: Any) -> Any:
        err = super()._error(message, line, **kw)
        err.path = self._where
        return err

    def __repr__(self) -> str:
        return f"<SFTPCSVSource {self._where!r}>"


class SFTPCSVSink(Sink):
    """Rows spooled to a local CSV, uploaded atomically on close (see :func:`write_sftp_csv`)."""

    def __init__(
        self,
        target: ConnectionLike,
        remote_path: str,
        *,
        fieldnames: Iterable[str] | None = None,
        **csv_options: Any,
    ) -> None:
        super().__init__()
        self.target = target
        self.remote_path = remote_path
        self._spool_dir = Path(tempfile.mkdtemp(prefix="sftp-csv-"))
        name = Path(remote_path).name or "upload.csv"
        self._spool = CSVSink(self._spool_dir / name, fieldnames=fieldnames, **csv_options)
        self.batch_size = self._spool.batch_size

    def write(self, record: Record) -> None:
        self._spool.write(record)

    def flush(self) -> list[Any]:
        return self._spool.flush()

    def close(self) -> None:
        """Finish the local file and upload it under a temporary name, then rename."""
        if self._closed:
            return
        try:
            self._spool.close()
            conn = connection_factory(self.target)
            with conn:
                conn.upload(self._spool.path, self.remote_path)
        finally:
            self._closed = True
            self.results = self._spool.results
            shutil.rmtree(self._spool_dir, ignore_errors=True)

    def abort(self) -> None:
        """Drop the spooled rows; nothing reaches the server."""
        self._spool.abort()
        self._closed = True
        shutil.rmtree(self._spool_dir, ignore_errors=True)

    @property
    def written(self) -> int:
        return self._spool.written

    def __repr__(self) -> str:
        return f"<SFTPCSVSink {self.remote_path!r}>"


def read_sftp_csv(conn_or_settings: ConnectionLike, remote_path: str, **csv_options: Any) -> SFTPCSVSource:
    """Stream a remote CSV file as dicts (options as :func:`~schoology_etl.io.csv.read_csv`).

    Raises:
        ConnectorError: connecting failed, or the file is missing or unreadable.
        SourceFormatError: a malformed row; names ``sftp://user@host:port/path`` and line.
    """
    return SFTPCSVSource(conn_or_settings, remote_path, **csv_options)


def write_sftp_csv(
    conn_or_settings: ConnectionLike,
    remote_path: str,
    fieldnames: Iterable[str] | None = None,
    **csv_options: Any,
) -> SFTPCSVSink:
    """A sink writing a remote CSV atomically (options as :func:`~schoology_etl.io.csv.write_csv`)."""
    return SFTPCSVSink(conn_or_settings, remote_path, fieldnames=fieldnames, **csv_options)
