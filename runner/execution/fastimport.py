"""Import papermill without its slowest optional dependency.

``rfc3987_syntax`` (pulled in through jsonschema's format extras by jupyter-events)
builds a grammar at import time, about 1.1-1.4 s of papermill's 1.7-2.1 s import.
Nothing the runner uses needs it.
"""

from __future__ import annotations

import sys


def block_slow_optional_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast (callers treat it as not installed)."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
