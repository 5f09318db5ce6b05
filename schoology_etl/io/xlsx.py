"""XLSX workbooks read row by row (openpyxl, read-only mode): ``read_xlsx``.

The first sheet (or the one named) must hold a header row; every later row becomes a
dict of text cells, as :func:`~schoology_etl.io.csv.read_csv` gives them: whole numbers
lose Excel's ``.0``, dates become ISO ``YYYY-MM-DD``, empty cells ``""``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import SourceFormatError
from .base import Record, Source, check_header

PathLike = str | os.PathLike[str]


def read_xlsx(path: PathLike, *, sheet: str | None = None,
              required_columns: Iterable[str] | None = None) -> XLSXSource:
    """Describe an XLSX sheet with a header row as a re-iterable source of dicts."""
    return XLSXSource(path, sheet=sheet, required_columns=required_columns)


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


class XLSXSource(Source):
    """One sheet of a workbook; see :func:`read_xlsx`."""

    encoding = "xlsx"

    def __init__(self, path: PathLike, *, sheet: str | None = None,
                 required_columns: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        self.sheet = sheet
        self.required_columns = tuple(required_columns or ())

    def __repr__(self) -> str:
        return f"<XLSXSource {str(self.path)!r}>"

    def _error(self, message: str, line: int | None = None, **kw: Any) -> SourceFormatError:
        return SourceFormatError(message, path=str(self.path), line=line, **kw)

    def _rows(self) -> Generator[tuple[Any, ...], None, None]:
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise self._error("reading XLSX needs openpyxl (pip install openpyxl)") from exc
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zip/xml errors of a broken file
            raise self._error(f"not a readable XLSX workbook: {exc}") from exc
        try:
            if self.sheet is not None and self.sheet not in book.sheetnames:
                raise self._error(f"no sheet {self.sheet!r}; the sheets are {', '.join(book.sheetnames)}")
            ws = book[self.sheet] if self.sheet is not None else book.worksheets[0]
            yield from ws.iter_rows(values_only=True)
        finally:
            book.close()

    def _header(self, first: tuple[Any, ...] | None) -> list[str]:
        header = [cell_text(v) for v in (first or ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise self._error("the sheet is empty: no header row", 1)
        check_header(header, self.required_columns, self._error)
        return header

    @property
    def columns(self) -> list[str]:
        """The header row."""
        rows = self._rows()
        try:
            return self._header(next(rows, None))
        finally:
            rows.close()

    def _iter(self) -> Iterator[Record]:
        rows = self._rows()
        try:
            header = self._header(next(rows, None))
            width = len(header)
            for row in rows:
                cells = [cell_text(v) for v in row[:width]]
                if not any(cells):
                    continue  # a blank row
                cells += [""] * (width - len(cells))
                yield dict(zip(header, cells, strict=True))
        finally:
            rows.close()
