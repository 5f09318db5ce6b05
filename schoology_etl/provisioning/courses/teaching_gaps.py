"""Read both sides of the ``sections_without_teachers`` job from a client: sections and teachers.

Active sections with no active teacher (:func:`.enrollment_reports.no_teacher_rows`) and
teachers who teach no active section (:func:`.teacher_reports.teachers_without_sections_rows`).
Every building's sections and enrollments are read once (a teacher may teach in another
building than the chosen ones); the chosen buildings only narrow the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schoology_etl.provisioning.courses import section_reads, teacher_reports
from schoology_etl.provisioning.enrollments import enrollment_reports
from schoology_etl.provisioning.lookups import ClientLookups


@dataclass
class TeachingGaps:
    """What :func:`read_teaching_gaps` found.

    Attributes:
        sections: the active sections of the chosen buildings (all when none chosen).
        no_teacher: rows of :data:`.enrollment_reports.NO_TEACHER_COLUMNS`, sorted by building and code.
        idle_teachers: rows of :data:`.teacher_reports.TEACHER_COLUMNS`, sorted by building and name.
    """

    sections: list[dict[str, Any]]
    no_teacher: list[dict[str, Any]]
    idle_teachers: list[dict[str, Any]]


def read_teaching_gaps(
    client: Any,
    *,
    buildings: Iterable[Any] = (),
    teacher_roles: Iterable[Any] = (),
    lookups: ClientLookups | None = None,
) -> TeachingGaps:
    """Active sections without a teacher and teachers without an active section, of ``buildings``.

    Args:
        client: a ``SchoologyClient``.
        buildings: building ids (the job's ``buildings`` parameter); empty means every building.
        teacher_roles: role ids of teachers (``teacher_roles``); empty means the role titled ``Teacher``.
        lookups: the client's lookups, when already read.

    Raises:
        ConfigurationError: an unknown building or role id (names the parameter), or no
            role titled ``Teacher`` when ``teacher_roles`` is empty; checked before any section is read.
    """
    buildings = list(buildings)
    look = lookups or ClientLookups(client)
    look.check_buildings(buildings)
    role_ids = teacher_reports.teacher_role_ids(look.roles, teacher_roles)
    every_section = section_reads.read_sections(client, include_past=False)
    every_enrollment = section_reads.read_section_enrollments(client, every_section)
    sections = enrollment_reports.select_sections(every_section, building_ids=buildings)
    no_teacher = enrollment_reports.no_teacher_rows(sections, every_enrollment, building_names=look.building_names,
                                                    period_titles=look.period_titles)
    idle = teacher_reports.teachers_without_sections_rows(
        client.iter_records("users"), every_enrollment, role_ids=role_ids, building_ids=buildings,
        building_names=look.building_names, role_names=look.role_names)
    return TeachingGaps(sections=sections, no_teacher=no_teacher, idle_teachers=idle)
