"""HTML tables for notebooks: a plan's summary and an apply report."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True, default=str)
    text = "" if value is None else str(value)
    if len(text) > 120:
        text = text[:117] + "..."
    return html.escape(text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None) -> str:
    """A plain HTML table; every value escaped and cut to a readable length."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption style='text-align:left'><b>{html.escape(caption)}</b></caption>")
    out.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
    out.append("</table>")
    return "".join(out)
