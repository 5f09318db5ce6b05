"""Plan changes for ``archive_past_sections``: past sections listed, or deleted.

Past sections come from :func:`.grading_periods.past_sections`. Schoology archives a
section by itself once every grading period of it has ended (it is then listed only with
``include_past=1``); a section's ``active`` is not a field the API documents as writable,
so there is no "deactivate" action: ``report`` plans nothing, ``delete`` removes them.
Changes are keyed by ``section_id`` (realm ``sections``) so apply re-reads them by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import DELETE, Change
from schoology_etl.provisioning.rows import text

ACTIONS = ("report", "delete")
#: The fields of a section kept in a delete's ``before`` (the drift check compares them).
KEPT_FIELDS = ("section_school_code", "section_title", "course_id", "active")


def archive_changes(sections: Iterable[Mapping[str, Any]], *, action: str = "report") -> list[Change]:
    """``report``: no change (Schoology archives past sections itself); ``delete``: a delete for each.

    Raises:
        ConfigurationError: ``action`` is not one of :data:`ACTIONS` (``deactivate`` names why it went).
    """
    if action == "deactivate":
        raise ConfigurationError(
            "action: 'deactivate' is no longer offered: a section's active flag is not writable in the Schoology "
            "API, and Schoology archives a section by itself once its grading periods have ended; use 'report' "
            "to list them or 'delete' to remove them"
        )
    if action not in ACTIONS:
        raise ConfigurationError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
    changes = []
    for s in sections:
        key = {"section_id": text(s.get("id"))}
        if action == "delete":
            before = {f: s.get(f) for f in KEPT_FIELDS if f in s}
            changes.append(Change(0, DELETE, "sections", key, text(s.get("id")), before, {}))
    return [c.renumbered(n) for n, c in enumerate(changes, start=1)]
