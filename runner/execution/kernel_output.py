"""A text form of each kernel output, for the run log.

Streams keep their lines; rich outputs give their ``text/plain`` form, or a short note
for images and HTML; errors give their traceback without terminal colours (stream
``traceback``, shown folded).
"""

from __future__ import annotations

import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes."""
    return _ANSI.sub("", text)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def output_log_entries(msg_type: str, content: dict[str, Any]) -> list[tuple[str, str]]:
    """``(stream, text)`` pairs for one iopub output message (stream: stdout, stderr, display, or
    traceback for an error's traceback: folded under the one-line summary the runner writes)."""
    if msg_type == "stream":
        name = content.get("name", "stdout")
        return [(name if name in ("stdout", "stderr") else "stdout", _joined(content.get("text", "")))]
    if msg_type == "error":
        trace = content.get("traceback") or []
        text = strip_ansi("\n".join(trace)) if trace else f"{content.get('ename')}: {content.get('evalue')}"
        return [("traceback", text)]
    data = content.get("data") or {}
    images = sorted(m for m in data if m.startswith("image/"))
    if images:
        return [("display", f"[{images[0]} output]")]
    if "text/plain" in data:
        return [("display", _joined(data["text/plain"]))]
    if "text/html" in data:
        return [("display", "[text/html output]")]
    if data:
        return [("display", f"[{sorted(data)[0]} output]")]
    return []
