"""Progress bars from a run's log: what a job's tqdm bars say, as bars a person can read.

A job reports progress by printing tqdm bars (``label:  42%|████▏ | 42/100 [...]``); the
log view collapses each to its latest state (:func:`runner.dashboard.logview.collapse`).
Here each bar with a known total becomes ``(label, done, total)``, drawn as an HTML
``<progress>`` with a text label (a screen reader reads both).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from runner.dashboard.logview import LogEntry

_COUNTS = re.compile(r"(?<![\d.])(?P<done>\d+(?:\.\d+)?)/(?P<total>\d+(?:\.\d+)?)(?![\d.])")
_PERCENT = re.compile(r"(?P<pct>\d{1,3})%\|")


@dataclass(frozen=True)
class Progress:
    """One bar: its label, how much is done out of how much."""

    label: str
    done: float
    total: float

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, self.done / self.total)) if self.total else 0.0


def progress_of(entry: LogEntry) -> Progress | None:
    """The bar ``entry`` draws, when it has a total (a bar without one says no fraction)."""
    if entry.progress_key is None:
        return None
    label = "" if entry.progress_key == "<progress>" else entry.progress_key.rstrip(": ")
    counts = _COUNTS.search(entry.text)
    if counts is not None and float(counts.group("total")) > 0:
        return Progress(label or "Progress", float(counts.group("done")), float(counts.group("total")))
    percent = _PERCENT.search(entry.text)
    if percent is not None:
        return Progress(label or "Progress", float(percent.group("pct")), 100.0)
    return None


def progress_bars(entries: Iterable[LogEntry], *, limit: int = 3) -> list[Progress]:
    """The latest ``limit`` bars with a total, in the order they first appeared."""
    bars = [p for p in (progress_of(e) for e in entries) if p is not None]
    return bars[-limit:]


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def progress_html(bars: list[Progress]) -> str:
    """The bars as labelled ``<progress>`` elements ('' when there is none)."""
    rows = []
    for i, bar in enumerate(bars):
        pct = round(bar.fraction * 100)
        label = html.escape(bar.label)
        rows.append(f'<div class="tb-progress-row"><span class="tb-progress-label" id="tb-progress-{i}">{label}</span>'
                    f'<progress class="tb-progress" max="100" value="{pct}" aria-labelledby="tb-progress-{i}">'
                    f'{pct}%</progress><span class="tb-progress-text">{pct}% ({_number(bar.done)} of '
                    f'{_number(bar.total)})</span></div>')
    return f'<div class="tb-progress-box">{"".join(rows)}</div>' if rows else ""
