"""Applying many destructive changes asks the reviewer to type how many.

A plan whose deletes, deactivations and unlinks together pass the threshold
(``TOOLBELT_CONFIRM_OVER``, default 10) is applied only when the reviewer types that
count (``toolbelt runs apply ID --confirm N``, or the dashboard's confirm box), so a
truncated file or a wrong filter cannot empty a district by a click. ``toolbelt run
--apply`` stops at ``planned`` for such a plan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from schoology_etl.errors import SchoologyETLError

CONFIRM_ENV = "TOOLBELT_CONFIRM_OVER"
DEFAULT_THRESHOLD = 10
DESTRUCTIVE_OPS = ("delete", "deactivate", "unlink")


class ConfirmationRequired(SchoologyETLError):
    """The plan's destructive changes pass the threshold and the count was not typed (or not right)."""

    def __init__(self, run_id: int, count: int, threshold: int, typed: Any = None) -> None:
        self.run_id, self.count, self.threshold = run_id, count, threshold
        wrong = f"{typed!r} is not the count. " if typed not in (None, "") else ""
        super().__init__(
            f"{wrong}Run {run_id}'s plan deletes, deactivates or unlinks {count} objects (more than {threshold}): "
            f"type {count} to confirm (toolbelt runs apply {run_id} --confirm {count})")


def threshold() -> int:
    """How many destructive changes a plan may hold before the count must be typed."""
    raw = os.environ.get(CONFIRM_ENV, "").strip()
    try:
        return max(int(raw), 0) if raw else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD


def destructive_count(plan_counts: Mapping[str, Any] | None) -> int:
    """Deletes, deactivations and unlinks in a run's ``plan_counts``."""
    counts = (plan_counts or {}).get("counts") or {}
    return sum(int(n) for ops in counts.values() for op, n in (ops or {}).items() if op in DESTRUCTIVE_OPS)


def needs_confirmation(plan_counts: Mapping[str, Any] | None) -> int | None:
    """The count to type, or ``None`` when the plan stays within the threshold."""
    count = destructive_count(plan_counts)
    return count if count > threshold() else None


def check_confirmation(run_id: int, plan_counts: Mapping[str, Any] | None, typed: Any) -> None:
    """Raise :class:`ConfirmationRequired` unless the typed count matches (or none is needed)."""
    count = needs_confirmation(plan_counts)
    if count is None:
        return
    if str(typed if typed is not None else "").strip() != str(count):
        raise ConfirmationRequired(run_id, count, threshold(), typed)
