"""Turn stored log lines into what a person wants to read.

Progress bars (tqdm) redraw themselves with carriage returns and arrive as many lines;
a reader wants only the latest state of each bar. ANSI colour codes are removed. An
error's traceback (stream ``traceback``) is folded under the one-line summary before it,
expandable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# "label:  42%|████▏     | 42/100 [00:01<00:02, 30.1it/s]", the bare "42/100 [...]" form
# and the unit form without a total, "etl: 155 records [00:01, 120.5 records/s]"
_PROGRESS = re.compile(
    r"^(?P<label>.*?)(?:\s*\d{1,3}%\|.*\|"
    r"|\s*\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?[^\[\]|\d]{0,24}\[\d+:\d+(?::\d+)?(?:<[^,\]]*)?,[^\]]*\])")


@dataclass(frozen=True)
class LogEntry:
    """One line as shown: its text, the stream it came from, and whether it is a progress bar."""

    text: str
    stream: str = "stdout"
    progress_key: str | None = None


def _latest_segment(text: str) -> str:
    text = _ANSI.sub("", text)
    segments = [s for s in text.split("\r") if s.strip()]
    return segments[-1] if segments else ""


def progress_key(text: str) -> str | None:
    """The identity of a progress bar drawn by ``text`` (its label), or None."""
    match = _PROGRESS.match(text)
    if match is None:
        return None
    return match.group("label").strip() or "<progress>"


def collapse(lines: Iterable[tuple[str, str]]) -> list[LogEntry]:
    """Collapse ``(stream, text)`` lines: each progress bar keeps only its latest state, in place."""
    out: list[LogEntry] = []
    where: dict[str, int] = {}
    for stream, raw in lines:
        for piece in raw.split("\n"):
            text = _latest_segment(piece)
            if not text:
                continue
            key = progress_key(text)
            if key is not None and key in where:
                out[where[key]] = LogEntry(text, stream, key)
                continue
            if key is not None:
                where[key] = len(out)
            out.append(LogEntry(text, stream, key))
    return out


def render_html(entries: Iterable[LogEntry], *, limit: int = 2000) -> str:
    """The entries as an HTML ``<pre>``; only the last ``limit`` lines are kept."""
    entries = list(entries)
    hidden = max(0, len(entries) - limit)
    rows = []
    if hidden:
        rows.append(f'<span class="tb-log-hidden">… {hidden} earlier lines not shown</span>')
    folded: list[str] = []

    def fold() -> None:  # an error's traceback: one expandable line under the error's summary
        if folded:
            body = "\n".join(folded)
            rows.append(f'<details class="tb-log-traceback"><summary>Traceback ({len(folded)} lines)</summary>'
                        f'{body}</details>')
            folded.clear()

    for entry in entries[hidden:]:
        if entry.stream == "traceback":
            folded.append(html.escape(entry.text))
            continue
        fold()
        cls = "tb-log-err" if entry.stream == "stderr" else ("tb-log-progress" if entry.progress_key else "tb-log-line")
        rows.append(f'<span class="{cls}">{html.escape(entry.text)}</span>')
    fold()
    # column-reverse keeps the view scrolled to the newest line as lines arrive
    return '<div class="tb-log-scroll"><pre class="tb-log">' + "\n".join(rows) + "</pre></div>"
