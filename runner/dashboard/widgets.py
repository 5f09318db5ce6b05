"""Small pieces every view uses: change-only assignment and message markup."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w


def set_if_changed(widget: w.Widget, value: Any) -> None:
    """Assign ``value`` only when it differs: no widget traffic for nothing (idle kernels can be culled)."""
    if widget.value != value:
        widget.value = value


def error_html(message: str) -> str:
    """``message`` as an error line."""
    return f'<span class="tb-error">{html.escape(message)}</span>'


def ok_html(message: str) -> str:
    """``message`` as a success line."""
    return f'<span class="tb-ok">{html.escape(message)}</span>'
