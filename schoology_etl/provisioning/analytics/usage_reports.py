"""Report rows for the usage jobs: analytics rows joined with the API's users, counts by building.

Jobs ``inactive_users_report``, ``usage_summary`` and ``login_activity_report``. The row
functions take plain dicts (API records, analytics rows) and return new lists of dicts;
the ``*_table`` functions shape those into the ``pandas.DataFrame`` a job writes (its
columns, in order, and their types); :func:`read_district_usage` streams a district's
users, sections and enrollments from the API into counts.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schoology_etl.provisioning.courses import section_reads
from schoology_etl.provisioning.lookups import check_chosen
from schoology_etl.provisioning.rows import project, text

if TYPE_CHECKING:
    import pandas as pd

#: what :func:`users_by_role_and_building` reads of a user (keep only these of a district)
USER_FIELDS = ("building_id", "role_id")
#: what :func:`section_sizes` reads of an enrollment
ENROLLMENT_FIELDS = ("section_id", "status", "admin")
#: what :func:`section_sizes` and ``section_reads.iter_section_enrollments`` read of a section
SECTION_FIELDS = ("id", "section_school_code", "building_id", "course_code")

INACTIVE_COLUMNS = ["school_uid", "uid", "name_first", "name_last", "role", "building_id", "building",
                    "last_login", "days_since_login", "in_schoology"]
#: ``login_activity.csv``: one row per building and week (Monday)
LOGIN_ACTIVITY_COLUMNS = ["building_id", "building", "week", "logins", "users"]
#: per building: all logins of the period and the most in one week
LOGIN_SUMMARY_COLUMNS = ["building_id", "building", "logins", "busiest_week"]


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


def keep_roles(rows: Iterable[Mapping[str, Any]], role_ids: Iterable[Any], *,
               role_titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows whose ``role`` is the title of one of ``role_ids``; every row when none is given.

    Raises:
        ConfigurationError: a role id ``role_titles`` does not know (the job's ``roles`` parameter).
    """
    wanted = [text(r) for r in role_ids]
    check_chosen(wanted, role_titles, parameter="roles", kind="role id")
    titles = {role_titles[r] for r in wanted}
    return [dict(r) for r in rows if not titles or r.get("role") in titles]


def inactive_users_table(
    rows: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    *,
    role_titles: Mapping[str, str],
    building_names: Mapping[str, str],
    as_of: dt.date,
    roles: Iterable[Any] = (),
) -> pd.DataFrame:
    """``inactive_users.csv``: :func:`inactive_user_rows` of the chosen ``roles`` (ids; empty: all),
    in :data:`INACTIVE_COLUMNS`, ``days_since_login`` a nullable integer."""
    import pandas as pd

    found = inactive_user_rows(rows, users, role_titles=role_titles, building_names=building_names, as_of=as_of)
    kept = keep_roles(found, roles, role_titles=role_titles)
    return pd.DataFrame(kept, columns=INACTIVE_COLUMNS).astype({"days_since_login": "Int64"})


def login_activity_rows(rows: Iterable[Mapping[str, Any]], *,
                        building_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """``analytics.logins_per_building_per_week`` rows with the building's name and the week as a date.

    >>> login_activity_rows([{"building_id": 3, "week": "2026-03-02", "logins": 4, "users": 2}],
    ...                     building_names={"3": "Lakeside"})
    [{'building_id': '3', 'building': 'Lakeside', 'week': datetime.date(2026, 3, 2), 'logins': 4, 'users': 2}]
    """
    out = []
    for row in rows:
        building_id, week = text(row.get("building_id")), _as_datetime(row.get("week"))
        out.append({"building_id": building_id, "building": building_names.get(building_id, ""),
                    "week": week.date() if week else None, "logins": int(row.get("logins") or 0),
                    "users": int(row.get("users") or 0)})
    return out


def login_activity_table(rows: Iterable[Mapping[str, Any]], *, building_names: Mapping[str, str]) -> pd.DataFrame:
    """``login_activity.csv``: :func:`login_activity_rows` in :data:`LOGIN_ACTIVITY_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame(login_activity_rows(rows, building_names=building_names), columns=LOGIN_ACTIVITY_COLUMNS)


def login_summary(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per building (by id, then name): the period's logins and the most logins in one week.

    ``rows`` are :func:`login_activity_rows` (or the records of :func:`login_activity_table`).
    """
    weekly: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        weekly.setdefault((text(row.get("building_id")), text(row.get("building"))), []).append(int(row["logins"]))
    return [{"building_id": b, "building": name, "logins": sum(counts), "busiest_week": max(counts)}
            for (b, name), counts in sorted(weekly.items())]


def login_summary_table(activity: pd.DataFrame) -> pd.DataFrame:
    """:func:`login_summary` of a :func:`login_activity_table`, in :data:`LOGIN_SUMMARY_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame(login_summary(activity.to_dict("records")), columns=LOGIN_SUMMARY_COLUMNS)


@dataclass(frozen=True)
class DistrictUsage:
    """What ``usage_summary`` counts of a district: users per (building, role), each current section's size."""

    by_role: list[dict[str, Any]]
    sizes: list[dict[str, Any]]

    @property
    def users(self) -> int:
        """Every user counted."""
        return sum(int(r["users"]) for r in self.by_role)

    @property
    def active_enrollments(self) -> int:
        """Active enrollments (students and teachers) of the current sections."""
        return sum(int(s["students"]) + int(s["teachers"]) for s in self.sizes)

    def describe(self) -> str:
        """One line for the job's output: users, current sections, active enrollments."""
        return (f"{self.users} users, {len(self.sizes)} current sections, "
                f"{self.active_enrollments} active enrollments")


def read_district_usage(client: Any, *, role_titles: Mapping[str, str],
                        building_names: Mapping[str, str]) -> DistrictUsage:
    """Stream ``client``'s users into :func:`users_by_role_and_building` and its current sections'
    enrollments into :func:`section_sizes`; only the sections (their :data:`SECTION_FIELDS`) are kept."""
    users = project(client.iter_records("users"), USER_FIELDS)
    by_role = users_by_role_and_building(users, role_titles=role_titles, building_names=building_names)
    sections = list(project(section_reads.iter_sections(client, include_past=False), SECTION_FIELDS))
    enrollments = project(section_reads.iter_section_enrollments(client, sections), ENROLLMENT_FIELDS)
    return DistrictUsage(by_role, section_sizes(sections, enrollments))
