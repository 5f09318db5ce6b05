"""A district's file as it comes: ``read_table`` opens XLSX or CSV in any text encoding.

A CSV's encoding is detected (charset-normalizer) and named in the log, so a file saved
by Excel on Windows (cp1252) is read instead of refused. XLSX is recognised by its
content (a zip archive), whatever the file is called.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = path.write_bytes("id,name\\n1,Zoë Müller\\n".encode("cp1252"))
    >>> source = read_table(path)
    >>> source.encoding, source.head()
    ('cp1252', [{'id': '1', 'name': 'Zoë Müller'}])
"""

from __future__ import annotations

import codecs
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import SourceFormatError
from .base import Source
from .csv import CSVSource
from .xlsx import XLSXSource

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
SAMPLE_BYTES = 256 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
#: Among equally plausible encodings, the ones districts' files are usually in.
PREFERRED = ("cp1252", "latin_1", "mac_roman")


def is_xlsx(path: PathLike) -> bool:
    """Whether ``path`` holds a zip archive (an XLSX workbook), by its first bytes."""
    with open(path, "rb") as fh:
        return fh.read(4) == _ZIP_MAGIC


def detect_encoding(path: PathLike) -> str:
    """The text encoding of a CSV file: ``utf-8-sig`` for UTF-8 (BOM or not), else the detector's guess."""
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and len(sample) == SAMPLE_BYTES:
            return "utf-8-sig"  # only a character cut at the end of the sample
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    if not matches:
        raise SourceFormatError("the file is not text in any encoding the detector knows (is it a spreadsheet "
                                "saved in another format?)", path=str(path), line=1)
    # Short files fit several single-byte encodings equally well: prefer what Excel on
    # Windows writes (cp1252) among the equally good ones.
    least = min(m.chaos for m in matches)
    fitting = [m for m in matches if m.chaos == least]
    for preferred in PREFERRED:
        if any(preferred in m.could_be_from_charset for m in fitting):
            return preferred
    return codecs.lookup(fitting[0].encoding).name.replace("_", "-")


def read_table(path: PathLike, *, required_columns: Iterable[str] | None = None,
               sheet: str | None = None, encoding: str | None = None) -> CSVSource | XLSXSource:
    """The rows of a CSV (any encoding, detected) or XLSX file, as a re-iterable source of dicts.

    ``encoding`` forces a CSV's text encoding instead of detecting it. The source's
    ``encoding`` says how it was read (``"xlsx"`` for a workbook), and is logged.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError("no such file", path=str(path))
    source: Source
    if is_xlsx(path):
        source = XLSXSource(path, sheet=sheet, required_columns=required_columns)
        log.info("reading %s as an XLSX workbook", path.name)
    else:
        encoding = encoding or detect_encoding(path)
        source = CSVSource(path, encoding=encoding, required_columns=required_columns)
        log.info("reading %s as CSV text in %s", path.name, "UTF-8" if encoding == "utf-8-sig" else encoding)
    return source
