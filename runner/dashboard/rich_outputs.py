"""The tables and plots of a run, taken from its (partly) executed output notebook."""

from __future__ import annotations

import json
from pathlib import Path

MAX_PARTS = 40  # a notebook with hundreds of plots shows its last ones; the HTML download has all


def _joined(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def rich_outputs_html(notebook_path: str | Path) -> str:
    """The HTML tables and PNG/SVG plots of the notebook's outputs, in order, as one HTML fragment."""
    try:
        nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""  # being written right now: the next poll reads it
    parts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if "image/png" in data:
                png = _joined(data["image/png"]).strip()
                parts.append(f'<img class="tb-plot" src="data:image/png;base64,{png}"/>')
            elif "image/svg+xml" in data:
                parts.append(f'<div class="tb-plot">{_joined(data["image/svg+xml"])}</div>')
            elif "text/html" in data:
                if "class='schoology-etl-plan'" in _joined(data["text/html"])[:80]:
                    continue  # the plan: the review below shows it, once
                parts.append(f'<div class="tb-table">{_joined(data["text/html"])}</div>')
    if not parts:
        return ""
    return "<h4>Tables and plots</h4>" + "\n".join(parts[-MAX_PARTS:])
