"""End-of-year cleanup in three parts of one plan (job ``end_of_year_cleanup``).

=============== ============================================ ===================================
part            who or what                                  change
=============== ============================================ ===================================
graduates       students whose ``grad_year`` is the class     deactivate (enrollments kept;
                chosen                                       undo reactivates)
parents         parents none of whose children stays active  deactivate (as above)
                (after the graduates part, when chosen);
                parents with no linked child at all too
empty_sections  current sections with no student              delete (a section's ``active`` is
                (``admin`` 0) enrollment                     not writable; Schoology archives
                                                             a section only when its grading
                                                             periods end; a deleted section
                                                             cannot be restored)
=============== ============================================ ===================================

Each part has its own guard (a count; ``max_graduates``, ``max_parents``, ``max_sections``),
and the plan's header says which changes belong to which part (``extra["parts"]``).

>>> users = [{"uid": "1", "school_uid": "S1", "role_id": "st", "grad_year": "2027"},
...          {"uid": "2", "school_uid": "S2", "role_id": "st", "grad_year": "2028"},
...          {"uid": "3", "school_uid": "P3", "role_id": "pa", "child_uids": "1"},
...          {"uid": "4", "school_uid": "P4", "role_id": "pa", "child_uids": "1,2"}]
>>> gone = graduates(users, student_role_ids={"st"}, grad_year=2027)
>>> left = parents_left(users, parent_role_ids={"pa"}, leaving=gone)
>>> [u["school_uid"] for u in gone], [u["school_uid"] for u in left]
(['S1'], ['P3'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.plans.model import Change
from schoology_etl.provisioning.courses.section_archive import archive_changes
from schoology_etl.provisioning.rows import split_ids, text
from schoology_etl.provisioning.users.user_changes import deactivation_changes

PARTS = ("graduates", "parents", "empty_sections")
#: Each part's guard parameter.
GUARDS = {"graduates": "max_graduates", "parents": "max_parents", "empty_sections": "max_sections"}


def school_year_end(today: dt.date) -> int:
    """The calendar year the school year around ``today`` ends in (a year starts in August)."""
    return today.year + 1 if today.month >= 8 else today.year


def graduating_class(grad_year: Any, today: dt.date | None = None) -> int:
    """The ``grad_year`` parameter as a year: 0 or empty means the class of the current school year.

    >>> graduating_class(2031), graduating_class(0, dt.date(2026, 9, 1))
    (2031, 2027)
    """
    try:
        year = int(grad_year or 0)
    except (TypeError, ValueError):
        raise ConfigurationError(f"parameter 'grad_year': a year such as 2027 (or 0 for this year's class), "
                                 f"not {grad_year!r}") from None
    return year or school_year_end(today or dt.date.today())


def chosen_parts(parts: Iterable[Any]) -> list[str]:
    """The parts asked for, in plan order; an unknown or empty choice is refused naming ``parts``."""
    wanted = [text(p) for p in parts or () if text(p)]
    unknown = [p for p in wanted if p not in PARTS]
    if unknown or not wanted:
        raise ConfigurationError(f"parameter 'parts': choose among {', '.join(PARTS)}"
                                 + (f" (not {', '.join(map(repr, unknown))})" if unknown else ""))
    return [p for p in PARTS if p in wanted]


def _uid(user: Mapping[str, Any]) -> str:
    return text(user.get("uid") or user.get("id"))


def graduates(
    users: Iterable[Mapping[str, Any]], *, student_role_ids: Iterable[Any], grad_year: int
) -> list[dict[str, Any]]:
    """Active students of the class of ``grad_year``."""
    roles = {text(r) for r in student_role_ids}
    return [dict(u) for u in users if text(u.get("role_id")) in roles and text(u.get("grad_year")) == str(grad_year)]


def parents_left(users: Iterable[Mapping[str, Any]], *, parent_role_ids: Iterable[Any],
                 leaving: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """Parents none of whose children is an active user staying on (``leaving`` are going this year).

    Children are read from the parents' ``child_uids`` (pass the users through
    :func:`.families.with_child_uids` when the listing lacks it); a child not among
    ``users`` is inactive. A parent with no linked child at all is listed too.
    """
    users = list(users)
    roles = {text(r) for r in parent_role_ids}
    staying = {_uid(u) for u in users} - {_uid(u) for u in leaving}
    return [dict(u) for u in users
            if text(u.get("role_id")) in roles and not any(c in staying for c in split_ids(u.get("child_uids")))]


def empty_sections(
    sections: Iterable[Mapping[str, Any]], enrollments: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Sections without a student (``admin`` 0) enrollment; ``enrollments`` carry ``section_id``."""
    with_students = {text(e.get("section_id")) for e in enrollments if text(e.get("admin")) in ("0", "")}
    return [dict(s) for s in sections if text(s.get("id")) not in with_students]


def find_parts(chosen: Sequence[str], users: Sequence[Mapping[str, Any]], roles: Iterable[Mapping[str, Any]], *,
               grad_year: int, sections: Sequence[Mapping[str, Any]] = (),
               enrollments: Iterable[Mapping[str, Any]] = ()) -> dict[str, list[dict[str, Any]]]:
    """What each chosen part finds: roles are told by title (``Student``, ``Parent``); the parents part
    counts the graduates as gone only when the graduates part is chosen too."""
    by_title: dict[str, set[str]] = {}
    for role in roles:
        by_title.setdefault(text(role.get("title")).casefold(), set()).add(text(role.get("id")))
    leaving = graduates(users, student_role_ids=by_title.get("student", set()), grad_year=grad_year)
    found: dict[str, list[dict[str, Any]]] = {}
    if "graduates" in chosen:
        found["graduates"] = leaving
    if "parents" in chosen:
        found["parents"] = parents_left(users, parent_role_ids=by_title.get("parent", set()),
                                        leaving=leaving if "graduates" in chosen else ())
    if "empty_sections" in chosen:
        found["empty_sections"] = empty_sections(sections, enrollments)
    return found


def cleanup_changes(found: Mapping[str, Sequence[Mapping[str, Any]]], *, users: Iterable[Mapping[str, Any]],
                    limits: Mapping[str, int]) -> tuple[list[Change], dict[str, dict[str, int]]]:
    """The plan's changes, part after part, and ``{part: {count, first_seq, last_seq}}`` for its header.

    Args:
        found: part -> the users or sections it found (only the chosen parts).
        users: active users (each deactivation keeps the whole user as ``before``).
        limits: part's guard parameter (:data:`GUARDS`) -> the most it may change.

    Raises:
        ConfigurationError: a part finds more than its guard allows (naming the parameter).
    """
    users = list(users)
    changes: list[Change] = []
    parts: dict[str, dict[str, int]] = {}
    for part in PARTS:
        if part not in found:
            continue
        param = GUARDS[part]
        limit = int(limits[param])
        if limit < 0:
            raise ConfigurationError(f"parameter {param!r} must be 0 or more, not {limit}")
        if len(found[part]) > limit:
            raise ConfigurationError(f"{part}: {len(found[part])} would change, above {param} ({limit}); "
                                     f"check the choice, or raise {param} to go ahead")
        made = (archive_changes(found[part], action="delete") if part == "empty_sections"
                else deactivation_changes(found[part], users))
        first = len(changes) + 1
        changes += [c.renumbered(first + n) for n, c in enumerate(made)]
        parts[part] = {"count": len(made), "first_seq": first, "last_seq": len(changes)}
    return changes, parts
