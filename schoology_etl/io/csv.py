"""CSV files: ``read_csv`` streams rows as dicts, ``write_csv`` writes atomically.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with write_csv(folder / "people.csv") as sink:
    ...     sink.write({"id": "1", "name": "Ada"})
    >>> read_csv(folder / "people.csv", required_columns=["id"]).head()
    [{'id': '1', 'name': 'Ada'}]
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from ..errors import ConfigurationError, RecordError, SourceFormatError
from .base import Record, Sink, Source, WriteResult, check_header

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def read_csv(
    path: PathLike,
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    required_columns: Iterable[str] | None = None,
    strict: bool = True,
) -> CSVSource:
    """Describe a CSV file with a header row as a re-iterable source of dicts.

    Args:
        path: the file.
        encoding: text encoding; the default drops a UTF-8 byte order mark.
        delimiter: the field separator.
        required_columns: columns that must be in the header.
        strict: when true, a row with the wrong number of fields raises
            :class:`~schoology_etl.errors.SourceFormatError` naming file and line; when
            false, short rows are padded with ``None`` and surplus fields are dropped
            with a logged warning.
    """
    return CSVSource(
        path, encoding=encoding, delimiter=delimiter,
        required_columns=required_columns, strict=strict,
    )


def write_csv(
    path: PathLike,
    *,
    fieldnames: Iterable[str] | None = None,
    extrasaction: Literal["raise", "ignore"] = "raise",
    encoding: str = "utf-8",
    delimiter: str = ",",
    keep_results: bool = False,
) -> CSVSink:
    """A sink writing a CSV file atomically (a temp file renamed into place on close).

    Args:
        path: the file to create or replace.
        fieldnames: the header; inferred from the first record when not given.
        extrasaction: ``"raise"``: a record with a key not in the header is refused with
            a :class:`~schoology_etl.errors.RecordError` naming the record and key;
            ``"ignore"``: such keys are left out.
        encoding: text encoding of the file.
        delimiter: the field separator.
        keep_results: keep one :class:`WriteResult` per row (off by default so memory
            stays flat on large files).
    """
    return CSVSink(
        path, fieldnames=fieldnames, extrasaction=extrasaction,
        encoding=encoding, delimiter=delimiter, keep_results=keep_results,
    )


class CSVSource(Source):
    """A CSV file read row by row with the :mod:`csv` module; see :func:`read_csv`."""

    def __init__(
        self,
        path: PathLike,
        *,
        encoding: str = "utf-8-sig",
        delimiter: str = ",",
        required_columns: Iterable[str] | None = None,
        strict: bool = True,
    ) -> None:
        self.path = Path(path)
        self.encoding = encoding
        self.delimiter = delimiter
        self.required_columns = tuple(required_columns or ())
        self.strict = strict

    def __repr__(self) -> str:
        return f"<CSVSource {str(self.path)!r}>"

    @property
    def columns(self) -> list[str]:
        """The header row (reads only the first line)."""
        with self._open() as fh:
            return self._header(csv.reader(fh, delimiter=self.delimiter))

    def _open(self) -> IO[str]:
        return open(self.path, encoding=self.encoding, newline="")

    def _error(self, message: str, line: int | None, **kw: Any) -> SourceFormatError:
        return SourceFormatError(message, path=str(self.path), line=line, **kw)

    def _header(self, reader: Any) -> list[str]:
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            raise self._error(f"not valid {self.encoding} text: {exc.reason}", 1) from exc
        except csv.Error as exc:
            raise self._error(str(exc), reader.line_num) from exc
        if not header or all(not h.strip() for h in header):
            raise self._error("the file is empty: no header row", 1)
        check_header(header, self.required_columns, self._error)
        return header

    def _iter(self) -> Iterator[Record]:
        with self._open() as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            header = self._header(reader)
            width = len(header)
            index = 0
            line = reader.line_num
            while True:
                start = line + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise self._error(
                        f"not valid {self.encoding} text: {exc.reason}", start, index=index
                    ) from exc
                except csv.Error as exc:
                    raise self._error(str(exc), start, index=index) from exc
                line = reader.line_num
                if not row:  # a blank line
                    continue
                if len(row) != width:
                    row = self._fix_width(row, width, start, index)
                yield dict(zip(header, row, strict=True))
                index += 1

    def _fix_width(self, row: list[str], width: int, line: int, index: int) -> list[Any]:
        message = f"expected {width} fields, found {len(row)}"
        if self.strict:
            raise self._error(message, line, index=index, record=row)
        log.warning("%s, line %d: %s", self.path, line, message)
        return row[:width] if len(row) > width else [*row, *([None] * (width - len(row)))]


class CSVSink(Sink):
    """Rows written to a temp file beside ``path``, renamed into place on close."""

    def __init__(
        self,
        path: PathLike,
        *,
        fieldnames: Iterable[str] | None = None,
        extrasaction: Literal["raise", "ignore"] = "raise",
        encoding: str = "utf-8",
        delimiter: str = ",",
        keep_results: bool = False,
    ) -> None:
        super().__init__()
        if extrasaction not in ("raise", "ignore"):
            raise ConfigurationError(f"extrasaction must be 'raise' or 'ignore', got {extrasaction!r}")
        self.path = Path(path)
        self.fieldnames: list[str] | None = list(fieldnames) if fieldnames is not None else None
        self.extrasaction = extrasaction
        self.encoding = encoding
        self.delimiter = delimiter
        self.keep_results = keep_results
        self._fh: IO[str] | None = None
        self._tmp: Path | None = None
        self._writer: Any = None
        self._accepted = 0
        self._fields: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"<CSVSink {str(self.path)!r}>"

    def write(self, record: Record) -> None:
        """Buffer one record; a key outside the header raises before anything is kept."""
        if self._fields is None:
            if self.fieldnames is None:
                self.fieldnames = list(record)
            self._fields = frozenset(self.fieldnames)
        if self.extrasaction == "raise":
            extra = [k for k in record if k not in self._fields]
            if extra:
                raise RecordError(
                    f"field(s) {', '.join(map(repr, extra))} not in the header of {self.path}; "
                    "pass fieldnames=... or extrasaction='ignore'",
                    step="write_csv",
                    index=self._accepted,
                    record=record,
                )
        self._accepted += 1
        super().write(record)

    def _ensure_open(self) -> Any:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            self._tmp = Path(tmp)
            mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0o644
            os.chmod(tmp, mode)
            self._fh = os.fdopen(fd, "w", encoding=self.encoding, newline="")
            self._writer = csv.DictWriter(
                self._fh, fieldnames=self.fieldnames or [], delimiter=self.delimiter,
                extrasaction="ignore", restval="",
            )
            if self.fieldnames:
                self._writer.writeheader()
        return self._writer

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        self._ensure_open().writerows(batch)
        if not self.keep_results:
            return []
        return [WriteResult(start + i, True, r) for i, r in enumerate(batch)]

    def _finish(self) -> None:
        self._ensure_open()
        assert self._fh is not None and self._tmp is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)
        self._tmp = None
        log.info("wrote %d row(s) to %s", self.written, self.path)

    def close(self) -> None:
        """Flush, then rename the finished file into place (nothing half-written on error)."""
        if self._closed:
            return
        try:
            super().close()
        except BaseException:
            self._discard()
            raise

    def abort(self) -> None:
        """Drop the temp file: the destination is left as it was."""
        super().abort()
        self._discard()

    def _discard(self) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)

    def summary(self) -> dict[str, Any]:
        """What the report shows: the file, the rows and the columns."""
        return {"path": str(self.path), "rows": self.written, "columns": list(self.fieldnames or [])}
