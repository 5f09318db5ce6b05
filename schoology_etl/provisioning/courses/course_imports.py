"""Read and check an SIS courses and sections file (job ``import_courses_sections``).

:func:`read_course_rows` validates every row against the client's building codes and
grading period titles (:func:`.sis_validation.validate_sis_file`), shows the whole problem
report, raises for the first problem, and only then reads the rows that
:func:`.course_changes.course_section_changes` compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schoology_etl.errors import SourceFormatError
from schoology_etl.io.csv import read_csv
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.sis.sis_specs import COURSES_SECTIONS
from schoology_etl.provisioning.sis.sis_validation import raise_for_problems, validate_sis_file

#: The columns of the problem table shown by :func:`read_course_rows`.
PROBLEM_COLUMNS = ["line", "column", "value", "problem"]


def read_course_rows(
    path: Any,
    *,
    buildings: Lookup,
    grading_periods: Lookup,
    show: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> list[dict[str, Any]]:
    """The rows of an SIS ``courses_sections`` file, once every row is valid for this client.

    ``show`` gets the problem report (empty when there is none) before the first problem
    is raised.

    Raises:
        SourceFormatError: the first problem (names ``path``, the line, the column and the
            value, and how many more), or a file with a header but no section rows.
    """
    problems = validate_sis_file(path, COURSES_SECTIONS, buildings=buildings, grading_periods=grading_periods)
    if show is not None:
        show(problems)
    raise_for_problems(problems, path=str(path))
    rows = list(read_csv(path, required_columns=COURSES_SECTIONS.required))
    if not rows:
        raise SourceFormatError("the file has a header but no section rows", path=str(path))
    return rows
