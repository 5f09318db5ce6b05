"""Report rows for the usage jobs: analytics rows joined with the API's users, counts by building.

Jobs ``inactive_users_report`` and ``usage_summary``. Everything takes plain dicts (API
records, analytics rows) and returns new lists of dicts, ready for ``pandas.DataFrame``.

>>> names = {"7": "Student"}
>>> by_role = users_by_role_and_building(
...     [{"role_id": 7, "building_id": 1}, {"role_id": 7, "building_id": 1}], role_titles=names,
...     building_names={"1": "Lakeside"})
>>> by_role
[{'building_id': '1', 'building': 'Lakeside', 'role': 'Student', 'users': 2}]
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.rows import text

#: what :func:`users_by_role_and_building` reads of a user (keep only these of a district)
USER_FIELDS = ("building_id", "role_id")
#: what :func:`section_sizes` reads of an enrollment
ENROLLMENT_FIELDS = ("section_id", "status", "admin")

INACTIVE_COLUMNS = ["school_uid", "uid", "name_first", "name_last", "role", "building_id", "building",
                    "last_login", "days_since_login", "in_schoology"]


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value))


def inactive_user_rows(
    rows: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    *,
    role_titles: Mapping[str, str],
    building_names: Mapping[str, str],
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """Inactive-user rows (from ``analytics.inactive_users``) with role and building from the API.

    A user the API no longer knows keeps the warehouse's role and building, with
    ``in_schoology`` false. ``days_since_login`` is ``None`` for users who never logged in.
    """
    by_uid = {text(u.get("school_uid")): u for u in users if text(u.get("school_uid"))}
    out = []
    for row in rows:
        uid = text(row.get("school_uid"))
        user = by_uid.get(uid)
        building_id = text(user.get("building_id")) if user else text(row.get("building_id"))
        last = _as_datetime(row.get("last_login"))
        out.append({
            "school_uid": uid,
            "uid": text(user.get("uid")) if user else "",
            "name_first": user.get("name_first") if user else row.get("name_first"),
            "name_last": user.get("name_last") if user else row.get("name_last"),
            "role": role_titles.get(text(user.get("role_id")), "") if user else text(row.get("role_title")),
            "building_id": building_id,
            "building": building_names.get(building_id, ""),
            "last_login": last.isoformat(sep=" ") if last else None,
            "days_since_login": (as_of - last.date()).days if last else None,
            "in_schoology": user is not None,
        })
    return out


def users_by_role_and_building(
    users: Iterable[Mapping[str, Any]], *, role_titles: Mapping[str, str], building_names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per (building, role): ``building_id, building, role, users``, sorted by building then role."""
    counts = Counter((text(u.get("building_id")), role_titles.get(text(u.get("role_id")), text(u.get("role_id"))))
                     for u in users)
    return [
        {"building_id": b, "building": building_names.get(b, ""), "role": r, "users": n}
        for (b, r), n in sorted(counts.items(),
                                key=lambda item: (building_names.get(item[0][0], item[0][0]), item[0][1]))
    ]


def section_sizes(
    sections: Iterable[Mapping[str, Any]], enrollments: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Per section: ``section_id, section_school_code, building_id, students, teachers``.

    Enrollments carry ``section_id`` (see ``section_reads.read_section_enrollments``);
    ``admin`` 1 marks a teacher; only active ones (``status`` 1 or absent) count.
    """
    students: Counter[str] = Counter()
    teachers: Counter[str] = Counter()
    for e in enrollments:
        if text(e.get("status") or "1") != "1":
            continue
        (teachers if text(e.get("admin")) == "1" else students)[text(e.get("section_id"))] += 1
    return [
        {"section_id": text(s.get("id")), "section_school_code": s.get("section_school_code"),
         "building_id": text(s.get("building_id")), "students": students[text(s.get("id"))],
         "teachers": teachers[text(s.get("id"))]}
        for s in sections
    ]


def building_summary(
    users_by_role: Iterable[Mapping[str, Any]],
    sizes: Iterable[Mapping[str, Any]],
    activity: Iterable[Mapping[str, Any]] = (),
    *,
    building_names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One row per building: users, sections, students per section (mean, max), and activity.

    ``activity`` rows come from ``analytics.usage_summary`` (``building_id, active_users,
    logins, events, minutes``); buildings without any are given zeros.
    """
    users: Counter[str] = Counter()
    for row in users_by_role:
        users[text(row["building_id"])] += int(row["users"])
    per_building: dict[str, list[int]] = {}
    for row in sizes:
        per_building.setdefault(text(row["building_id"]), []).append(int(row["students"]))
    usage = {text(r.get("building_id")): r for r in activity}
    ids = sorted(set(users) | set(per_building) | set(usage), key=lambda b: (building_names.get(b, b), b))
    out = []
    for b in ids:
        counts, act = per_building.get(b, []), usage.get(b, {})
        out.append({
            "building_id": b, "building": building_names.get(b, ""), "users": users[b], "sections": len(counts),
            "students_per_section_mean": round(sum(counts) / len(counts), 1) if counts else 0.0,
            "students_per_section_max": max(counts, default=0),
            **{k: int(act.get(k) or 0) for k in ("active_users", "logins", "events", "minutes")},
        })
    return out
