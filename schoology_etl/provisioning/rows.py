"""Reading fields of input rows, with errors that name the line, the field and the value.

Rows come from CSV files (``csv.DictReader``) or from record sources; ``index`` is the
0-based position of the row among the data rows, so the file line is ``index + 2``
(line 1 is the header).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError


def line_of(index: int) -> int:
    """The 1-based file line of the data row at 0-based ``index`` (after one header line)."""
    return index + 2


def where(index: int | None) -> str:
    """``"line N"`` for a row index, or ``"input"`` when the position is unknown."""
    return f"line {line_of(index)}" if index is not None else "input"


def json_parameter(value: Any, *, param: str) -> Any:
    """A job parameter given as JSON text (an object) or as the path of a JSON file, parsed.

    Errors name ``param``: neither JSON nor a file, or JSON that does not parse.
    """
    raw = str(value).strip()
    if not raw.startswith("{"):
        if not os.path.isfile(raw):
            raise ConfigurationError(f"parameter {param!r}: neither a JSON map nor a file: {raw[:60]!r}")
        with open(raw, encoding="utf-8") as fh:
            raw = fh.read()
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"parameter {param!r}: not valid JSON ({exc.msg}, char {exc.pos})") from exc


def text(value: Any) -> str:
    """A cell as stripped text; ``None`` becomes ``""``."""
    return "" if value is None else str(value).strip()


def required(row: Mapping[str, Any], field: str, *, index: int | None, step: str) -> str:
    """The stripped, non-empty value of ``field``, else a :class:`RecordError` naming it."""
    value = text(row.get(field))
    if not value:
        raise RecordError(
            f"{where(index)}: column {field!r} is empty or missing", step=step, index=index, record=dict(row)
        )
    return value


def split_ids(value: Any) -> list[str]:
    """A comma-separated id list (``"12,34"``) or a sequence as a list of stripped strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        items: Iterable[Any] = value
    else:
        items = str(value).split(",")
    return [text(v) for v in items if text(v)]


def join_ids(ids: Iterable[Any]) -> str:
    """The API's comma-separated form of an id list."""
    return ",".join(text(i) for i in ids if text(i))


def truthy(value: Any) -> bool:
    """``1``, ``"1"``, ``True``, ``"true"``, ``"yes"`` -> True; blanks and zeros -> False."""
    return text(value).lower() in {"1", "true", "yes", "y", "t"}


def project(records: Iterable[Mapping[str, Any]], fields: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Each record cut down to ``fields`` (those it has), short strings shared: what a
    whole-district job keeps of each user instead of the whole record.

    >>> list(project([{"uid": 1, "role_id": "7", "name_first": "Ann"}], ["uid", "role_id"]))
    [{'uid': 1, 'role_id': '7'}]
    """
    fields = tuple(fields)
    for record in records:
        yield {f: sys.intern(v) if isinstance(v, str) and len(v) <= 24 else v
               for f in fields if f in record for v in (record[f],)}
