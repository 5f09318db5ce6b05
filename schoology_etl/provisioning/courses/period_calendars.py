"""Building calendars: which grading periods each building's sections run on.

Grading periods are district-wide objects (``/gradingperiods`` carries no building), yet
buildings keep their own calendars: a middle school on trimesters, a high school on
semesters. The only documented link from a period to a building is a section: its
``grading_periods`` ids and its course's ``building_id``. A building's calendar is the
periods its sections (past ones included) run on; periods no section runs on form one
calendar of their own. Nothing here talks to the network or mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.rows import split_ids, text

NO_SECTIONS = "(periods no section runs on)"


def building_calendars(
    periods: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]],
    *,
    building_titles: Mapping[Any, str] | None = None,
) -> dict[str, list[Mapping[str, Any]]]:
    """The periods of each building's calendar, by building title (or id), in period order.

    Args:
        periods: ``/gradingperiods`` records.
        sections: sections with ``grading_periods`` and ``building_id`` (as
            :func:`.section_reads.read_sections` gives them), past ones included.
        building_titles: building id -> title, for the keys; an unknown id is kept as is.

    Returns:
        ``{calendar name: [period copies]}``, buildings sorted by name, then
        :data:`NO_SECTIONS` when some period is on no section.
    """
    periods = [dict(p) for p in periods]
    titles = {text(k): v for k, v in (building_titles or {}).items()}
    used: dict[str, set[str]] = {}
    for section in sections:
        building = text(section.get("building_id"))
        used.setdefault(titles.get(building, building), set()).update(split_ids(section.get("grading_periods")))
    calendars = {name: [p for p in periods if text(p.get("id")) in ids] for name, ids in sorted(used.items())}
    calendars = {name: found for name, found in calendars.items() if found}
    anywhere = set().union(*used.values()) if used else set()
    unused = [p for p in periods if text(p.get("id")) not in anywhere]
    if unused:
        calendars[NO_SECTIONS] = unused
    return calendars
