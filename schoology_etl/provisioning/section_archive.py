"""Plan changes for ``archive_past_sections``: past sections made inactive or deleted.

Past sections come from :func:`.grading_periods.past_sections`. Changes are keyed by
``section_id`` (realm ``sections``) so apply re-reads them by id: an inactive section is
hidden from the list the API filters by code, but not from ``GET /sections/{id}``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import DELETE, UPDATE, Change
from schoology_etl.provisioning.rows import text

ACTIONS = ("deactivate", "delete")
#: The fields of a section kept in a delete's ``before`` (the drift check compares them).
KEPT_FIELDS = ("section_school_code", "section_title", "course_id", "active")


def archive_changes(sections: Iterable[Mapping[str, Any]], *, action: str = "deactivate") -> list[Change]:
    """``deactivate``: an update ``active 1 -> 0`` for each still-active section; ``delete``: a delete for each.

    Raises:
        ConfigurationError: ``action`` is not one of :data:`ACTIONS`.
    """
    if action not in ACTIONS:
        raise ConfigurationError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
    changes = []
    for s in sections:
        key = {"section_id": text(s.get("id"))}
        if action == "delete":
            before = {f: s.get(f) for f in KEPT_FIELDS if f in s}
            changes.append(Change(0, DELETE, "sections", key, text(s.get("id")), before, {}))
        elif text(s.get("active")) not in ("0", ""):
            changes.append(Change(0, UPDATE, "sections", key, text(s.get("id")), {"active": 1}, {"active": 0}))
    return [c.renumbered(n) for n, c in enumerate(changes, start=1)]
