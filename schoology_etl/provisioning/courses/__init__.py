"""Courses and sections: SIS rows to courses with their sections, section reads, grading periods
and building calendars, past sections, teachers and sections without each other.

Modules:

- ``course_changes``: Plan changes for ``import_courses_sections``: SIS course/section rows vs the district's
  courses and sections.
- ``course_imports``: Read and check an SIS courses and sections file (job ``import_courses_sections``).
- ``course_mapping``: SIS ``courses_sections`` rows -> ``POST /courses`` items with nested sections (job
  ``import_courses_sections``).
- ``grading_periods``: Grading period audit and section ages (jobs ``grading_period_audit``,
  ``archive_past_sections``).
- ``period_calendars``: Building calendars: which grading periods each building's sections run on.
- ``period_timeline``: Grading period audit rows (job ``grading_period_audit``): overlaps, gaps between terms,
  sections off-period.
- ``section_archive``: Plan changes for ``archive_past_sections``: past sections listed, or deleted.
- ``section_reads``: Read every section and every section's enrollments in few requests (multiget, 50 paths
  each).
- ``sections``: Sections without a teacher (job ``sections_without_teachers``).
- ``teacher_reports``: Teachers without sections (job ``sections_without_teachers``): the other side of
  sections without teachers.
- ``teaching_gaps``: Read both sides of the ``sections_without_teachers`` job from a client: sections and
  teachers.

The names of ``course_mapping`` are re-exported here, so ``courses.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.courses.course_mapping import (
    course_payloads,
)

__all__ = [
    "course_changes",
    "course_imports",
    "course_mapping",
    "course_payloads",
    "grading_periods",
    "period_calendars",
    "period_timeline",
    "section_archive",
    "section_reads",
    "sections",
    "teacher_reports",
    "teaching_gaps",
]
