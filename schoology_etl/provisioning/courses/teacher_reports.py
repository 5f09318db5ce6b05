"""Teachers without sections (job ``sections_without_teachers``): the other side of sections without teachers.

A teacher is an active user in one of the teacher roles (role ids differ from district to
district, so the default is the role titled ``Teacher``); a teacher *has a section* when
they hold an active admin enrollment in an active section, in any building. Nothing here
talks to the network or mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.courses.sections import is_teacher
from schoology_etl.provisioning.rows import text

TEACHER_COLUMNS = ["building", "school_uid", "name_first", "name_last", "role"]
DEFAULT_TEACHER_ROLE = "Teacher"


def teacher_role_ids(
    roles: Iterable[Mapping[str, Any]], chosen: Iterable[Any] = (), *, param: str = "teacher_roles"
) -> set[str]:
    """The ids of ``chosen`` roles, or of the role titled ``Teacher`` when none are chosen.

    Raises:
        ConfigurationError: a chosen id is not a role, or no role is titled ``Teacher``; names ``param``.
    """
    roles = list(roles)
    known = {text(r.get("id")): text(r.get("title")) for r in roles}
    wanted = {text(c) for c in chosen} - {""}
    if wanted:
        unknown = sorted(wanted - set(known))
        if unknown:
            listed = ", ".join(f"{k} ({v})" for k, v in known.items())
            raise ConfigurationError(f"{param}: unknown role id(s) {', '.join(unknown)}; known: {listed}")
        return wanted
    found = {k for k, title in known.items() if title.casefold() == DEFAULT_TEACHER_ROLE.casefold()}
    if not found:
        raise ConfigurationError(f"{param}: no role is titled {DEFAULT_TEACHER_ROLE!r}; choose the teacher roles "
                                 f"(known: {', '.join(sorted(known.values()))})")
    return found


def teachers_without_sections_rows(
    users: Iterable[Mapping[str, Any]],
    enrollments: Iterable[Mapping[str, Any]],
    *,
    role_ids: Iterable[Any],
    building_ids: Iterable[Any] = (),
    building_names: Mapping[str, str] | None = None,
    role_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Teachers (users in ``role_ids``, of ``building_ids`` when given) with no active admin enrollment.

    Args:
        users: active ``/users`` records.
        enrollments: the enrollments of every active section (``uid``, ``admin``, ``status``),
            every building, so a teacher who teaches only in another building is not listed.
        role_ids: the teacher roles (:func:`teacher_role_ids`).
        building_ids: only teachers of these buildings; empty means all.
        building_names, role_names: id -> title, for the ``building`` and ``role`` columns.

    Returns:
        Rows of :data:`TEACHER_COLUMNS`, sorted by building, last and first name.
    """
    roles = {text(r) for r in role_ids}
    buildings = {text(b) for b in building_ids} - {""}
    teaching = {text(e.get("uid")) for e in enrollments if is_teacher(e)}
    names, role_titles = building_names or {}, role_names or {}
    rows = [
        {
            "building": names.get(text(u.get("building_id")), text(u.get("building_id"))),
            "school_uid": u.get("school_uid"),
            "name_first": u.get("name_first"),
            "name_last": u.get("name_last"),
            "role": role_titles.get(text(u.get("role_id")), text(u.get("role_id"))),
        }
        for u in users
        if text(u.get("role_id")) in roles
        and (not buildings or text(u.get("building_id")) in buildings)
        and text(u.get("uid")) not in teaching
    ]
    return sorted(rows, key=lambda r: (r["building"], text(r["name_last"]), text(r["name_first"]),
                                       text(r["school_uid"])))
