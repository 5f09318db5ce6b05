"""Plan, review, apply, journal, undo: safe writes to Schoology.

A mutating job never writes directly. It records a :class:`Plan` (one :class:`Change`
per object, streamed to a JSON Lines file), a person reviews it (summary, sample, CSV),
:func:`apply_plan` executes exactly that plan, skipping objects that changed since
planning and journaling every outcome, and :func:`undo_plan` turns the journal into a
new plan that restores what was there before.

>>> from schoology_etl.plans import plan_changes
>>> changes = plan_changes([{"school_uid": "s1", "position": "Teacher"}],
...                        [{"school_uid": "s1", "id": 7, "position": ""}], realm="users")
>>> [(c.op, c.id, c.after) for c in changes]
[('update', 7, {'position': 'Teacher'})]
"""

from __future__ import annotations

from schoology_etl.plans.apply import ApplyReport, apply_plan
from schoology_etl.plans.diff import plan_changes
from schoology_etl.plans.model import Change, PlanHeader, PlanIntegrityError
from schoology_etl.plans.plan import Plan
from schoology_etl.plans.targets import MemoryTarget
from schoology_etl.plans.undo import UndoResult, undo_plan
from schoology_etl.plans.writer import PlanSink, PlanWriter

__all__ = [
    "ApplyReport",
    "Change",
    "MemoryTarget",
    "Plan",
    "PlanHeader",
    "PlanIntegrityError",
    "PlanSink",
    "PlanWriter",
    "UndoResult",
    "apply_plan",
    "plan_changes",
    "undo_plan",
]
