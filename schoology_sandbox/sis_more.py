"""Demo files for the advisor and group-creation jobs: ``advisors.csv`` and ``new_groups.csv``.

Each writer draws from its own random source (``advisors:<seed>``, ``new_groups:<seed>``), so
adding them left every other demo file as it was. Users the other files change or drop
(``exclude``) and the near-duplicates (``protected``) are never picked.
"""

from __future__ import annotations

import random
from typing import Any

from schoology_sandbox.sis_rows import role_id
from schoology_sandbox.state import DistrictState

Rows = list[dict[str, Any]]


def _pool(state: DistrictState, title: str, protected: set[int], exclude: set[str]) -> list[dict[str, Any]]:
    role = role_id(state, title)
    return sorted((u for u in state.users.values()
                   if u["role_id"] == role and u["uid"] not in protected and str(u["school_uid"]) not in exclude),
                  key=lambda u: u["uid"])


def advisors_rows(
    state: DistrictState, seed: int, protected: set[int], exclude: set[str]
) -> tuple[Rows, dict[str, Any]]:
    """Three new advisor links (a high-school student and a teacher of their building) and one seeded link removed.

    Advisor links cannot be read through the API, so the file holds no row that changes
    nothing: every row is a difference.
    """
    rng = random.Random(f"advisors:{seed}")
    code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    existing = sorted(state.advisor_links)
    unlink = [existing[rng.randrange(len(existing))]]
    students = _pool(state, "Student", protected, exclude)
    teachers = _pool(state, "Teacher", protected, exclude)
    link: list[tuple[int, int]] = []
    linked_students = {s for s, _ in state.advisor_links}
    candidates = [s for s in students if s["uid"] not in linked_students
                  and any(t["building_id"] == s["building_id"] for t in teachers)]
    for student in rng.sample(candidates, 3):
        same = [t for t in teachers if t["building_id"] == student["building_id"]]
        link.append((student["uid"], same[rng.randrange(len(same))]["uid"]))
    rows = [{"student_school_uid": code[s], "advisor_school_uid": code[a], "action": "link"} for s, a in link]
    rows += [{"student_school_uid": code[s], "advisor_school_uid": code[a], "action": "unlink"} for s, a in unlink]
    return rows, {"link": [[code[s], code[a]] for s, a in link], "unlink": [[code[s], code[a]] for s, a in unlink]}


#: The two groups of ``new_groups.csv``: group_code, title, description, privacy_level, building (index or None).
NEW_GROUPS = (
    ("GRP-DEBATE", "Debate Society", "Weekly debate practice and tournaments", "building", 2),
    ("GRP-REPS", "Class Representatives", "Student representatives of every building", "group", None),
)


def new_groups_rows(
    state: DistrictState, seed: int, protected: set[int], exclude: set[str]
) -> tuple[Rows, dict[str, Any]]:
    """Two groups to create: a building group (4 members, a teacher as admin) and a district-wide
    one (3 students of different buildings, a school admin as admin)."""
    rng = random.Random(f"new_groups:{seed}")
    buildings = sorted(state.buildings.values(), key=lambda b: b["id"])
    students = _pool(state, "Student", protected, exclude)
    teachers = _pool(state, "Teacher", protected, exclude)
    admins = _pool(state, "School Admin", protected, exclude)
    rows: Rows = []
    diff: dict[str, Any] = {"groups": [], "members": [], "admins": [], "fields": {}}
    for group_code, title, description, privacy, building in NEW_GROUPS:
        if building is not None:
            bid = buildings[building]["id"]
            local = [s for s in students if s["building_id"] == bid]
            members = rng.sample(local if len(local) >= 4 else students, 4)
            owner = rng.choice([t for t in teachers if t["building_id"] == bid] or teachers)
            building_code = buildings[building]["building_code"]
        else:
            members = rng.sample(students, 3)
            owner = rng.choice(admins)
            building_code = ""
        member_uids = [str(m["school_uid"]) for m in members]
        rows.append({"group_code": group_code, "title": title, "description": description,
                     "building_code": building_code, "privacy_level": privacy,
                     "members": ";".join(member_uids), "admins": str(owner["school_uid"])})
        diff["groups"].append(group_code)
        diff["members"] += [[group_code, m] for m in member_uids]
        diff["admins"].append([group_code, str(owner["school_uid"])])
        diff["fields"][group_code] = {"title": title, "description": description, "building_code": building_code,
                                      "privacy_level": privacy}
    return rows, diff
