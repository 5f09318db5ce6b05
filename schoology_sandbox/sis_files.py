"""Write demo SIS CSV files that differ from the seeded district in known, listed ways.

:func:`write_demo_sis_files` writes, into one folder::

    users.csv              every active user, except the listed changes (see docs/demo-data.md)
    parents.csv            parent links to add, to remove, and two already present
    courses_sections.csv   this year's sections, plus/with listed changes
    enrollments.csv        enrollments to add and to drop
    group_members.csv      full member lists of two groups
    uid_remap.csv          old -> new school_uid for three students
    uid_remap_collisions.csv  a mapping the remap job must refuse
    role_changes.csv       two teachers who become school admins
    advisors.csv           advisor links to add and one to remove
    new_groups.csv         two groups to create, with their first members
    invalid/...            files the validator must reject, problem by problem
    snapshot/...           a full SIS snapshot (users, courses_sections, enrollments, parents)
    manifest.json          every difference, machine-readable

The same ``seed``, ``users`` and ``today`` always give the same files, and the manifest
returned (and written) says exactly what a job should find.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.sis.sis_specs import SPECS
from schoology_sandbox.seed import seed_district
from schoology_sandbox.sis_courses import courses_sections_rows, enrollments_rows, group_members_rows
from schoology_sandbox.sis_invalid import write_invalid_files
from schoology_sandbox.sis_more import advisors_rows, new_groups_rows
from schoology_sandbox.sis_rows import role_id, user_row
from schoology_sandbox.sis_snapshot import COLUMNS as SNAPSHOT_COLUMNS
from schoology_sandbox.sis_snapshot import FOLDER as SNAPSHOT_FOLDER
from schoology_sandbox.sis_snapshot import STALE_FILE, date_stale_file, snapshot_rows
from schoology_sandbox.state import DistrictState

Rows = list[dict[str, Any]]
NEW_STUDENT_PREFIX = "S9"
CONFLICT_EMAIL = "jordan.reyes@gmail.example.com"
#: How many differences of each kind the files hold, whatever the seed (manifest key -> count).
DIFFERENCE_COUNTS: dict[str, dict[str, int]] = {
    "users.csv": {"new_users": 5, "email_conflicts": 1, "missing_users": 4, "updates": 9, "role_changes": 1},
    "parents.csv": {"link": 3, "unlink": 2, "already_linked": 2},
    "courses_sections.csv": {"new_courses": 1, "new_sections": 3, "updates": 2},
    "enrollments.csv": {"enroll": 6, "drop": 3},
    "group_members.csv": {"groups": 2, "add": 3, "remove": 2},
    "uid_remap.csv": {"remap": 3},
    "role_changes.csv": {"changes": 2},
    "advisors.csv": {"link": 3, "unlink": 1},
    "new_groups.csv": {"groups": 2, "members": 7, "admins": 2},
}
MIN_STUDENTS = 25  # regular students (near-duplicates and their originals excluded); users=30 gives 27


def _change(diff: dict[str, Any], row: dict[str, Any], field: str, after: Any, *, before: Any = None) -> None:
    was = row[field] if before is None else before
    diff["updates"].setdefault(row["school_uid"], {})[field] = {"before": was, "after": after}


def users_rows(state: DistrictState, rng: random.Random, protected: set[int]) -> tuple[Rows, dict[str, Any]]:
    """``users.csv`` rows and their differences from the district."""
    rows = {u["uid"]: user_row(state, u) for u in state.users.values()}
    role = {r["title"]: r["id"] for r in state.roles.values()}
    students = [u["uid"] for u in state.users.values() if u["role_id"] == role["Student"] and u["uid"] not in protected]
    picks = iter(rng.sample(students, 12))
    diff: dict[str, Any] = {"new_users": [], "email_conflicts": [], "missing_users": [], "updates": {}}
    for _ in range(3):  # a changed last name
        row = rows[next(picks)]
        _change(diff, row, "name_last", f"{row['name_last']}-Reyes")
        row["name_last"] += "-Reyes"
    for _ in range(2):  # held back a year
        row = rows[next(picks)]
        _change(diff, row, "grad_year", str(int(row["grad_year"]) + 1))
        row["grad_year"] = str(int(row["grad_year"]) + 1)
    mover = rows[next(picks)]  # moved to another building
    codes = sorted(b["building_code"] for b in state.buildings.values())
    target = codes[(codes.index(mover["building_code"]) + 1) % len(codes)]
    building_ids = {b["building_code"]: str(b["id"]) for b in state.buildings.values()}
    _change(diff, mover, "building_id", building_ids[target], before=building_ids[mover["building_code"]])
    mover["building_code"] = target
    for _ in range(2):  # a new email address
        row = rows[next(picks)]
        local, domain = row["primary_email"].split("@")
        _change(diff, row, "primary_email", f"{local}.new@{domain}")
        row["primary_email"] = f"{local}.new@{domain}"
    for _ in range(4):  # left the district: missing from the file
        uid = next(picks)
        diff["missing_users"].append(rows.pop(uid)["school_uid"])
    parents = [u for u in state.users.values() if u["role_id"] == role["Parent"] and u["uid"] not in protected]
    parent = rows[parents[rng.randrange(len(parents))]["uid"]]
    _change(diff, parent, "role_id", str(role["Teacher"]), before=str(role["Parent"]))
    diff["role_changes"] = {parent["school_uid"]: {"before": "Parent", "after": "Teacher"}}
    parent["role"] = "Teacher"
    out = list(rows.values())
    year = max(int(r["grad_year"]) for r in out if r["grad_year"])
    for n in range(1, 6):
        first = ("Ximena", "Tobias", "Anouk", "Bashir", "Jordan")[n - 1]
        last = ("Valdez", "Lindqvist", "Dubois", "Haddad", "Reyes")[n - 1]
        email = CONFLICT_EMAIL if n == 5 else f"{first}.{last}.{n}@students.{state.verified_domain}".lower()
        row = {
            "school_uid": f"{NEW_STUDENT_PREFIX}{n:05d}", "name_first": first, "name_middle": "", "name_last": last,
            "primary_email": email, "role": "Student", "building_code": codes[n % len(codes)],
            "additional_building_codes": "", "grad_year": str(year - n), "birthday_date": f"{year - n - 18}-0{n}-1{n}",
        }
        out.append(row)
        diff["new_users"].append(row["school_uid"])
        if n == 5:
            diff["email_conflicts"].append(row["school_uid"])
    diff["missing_users"].sort()
    return out, diff


def parents_rows(state: DistrictState, rng: random.Random, protected: set[int]) -> tuple[Rows, dict[str, Any]]:
    """Three links to add, two to remove, two that already exist."""
    code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    links = sorted((s, p) for s, p in state.parent_links
                   if s in code and p in code and s not in protected and p not in protected)
    present = rng.sample(links, 4)
    unlink, already = present[:2], present[2:]
    parents = sorted({p for _, p in links})
    students = sorted({s for s, _ in links})
    link: list[tuple[int, int]] = []
    while len(link) < 3:
        pair = (students[rng.randrange(len(students))], parents[rng.randrange(len(parents))])
        if pair not in state.parent_links and pair not in link:
            link.append(pair)
    rows = [{"student_school_uid": code[s], "parent_school_uid": code[p], "action": "link"} for s, p in link + already]
    rows += [{"student_school_uid": code[s], "parent_school_uid": code[p], "action": "unlink"} for s, p in unlink]

    def pairs(items: list[tuple[int, int]]) -> list[list[str]]:
        return [[code[s], code[p]] for s, p in items]

    return rows, {"link": pairs(link), "unlink": pairs(unlink), "already_linked": pairs(already)}


def remap_rows(
    state: DistrictState, rng: random.Random, protected: set[int], taken: set[str]
) -> tuple[Rows, Rows, dict[str, Any]]:
    """A clean three-row mapping and one the remap job must refuse (a held uid, a repeated new uid)."""
    role = role_id(state, "Student")
    pool = [str(u["school_uid"]) for u in state.users.values() if u["role_id"] == role and u["uid"] not in protected]
    pool = [p for p in pool if p not in taken]
    old = rng.sample(pool, 5)
    remap = {o: f"N{o[1:]}" for o in old[:3]}
    held = next(str(u["school_uid"]) for u in state.users.values() if str(u["school_uid"]) not in old)
    collisions = [
        {"old_school_uid": old[3], "new_school_uid": held},
        {"old_school_uid": old[4], "new_school_uid": "N-SHARED"},
        {"old_school_uid": old[0], "new_school_uid": "N-SHARED"},
    ]
    refused = {"uid_remap_collisions.csv": [{"line": 2, "problem": "held"}, {"line": 4, "problem": "already used"}]}
    clean = [{"old_school_uid": o, "new_school_uid": n} for o, n in remap.items()]
    return clean, collisions, {"remap": remap, "refused": refused}


def role_change_rows(state: DistrictState, rng: random.Random, protected: set[int]) -> tuple[Rows, dict[str, Any]]:
    """Two teachers who become school admins."""
    role = role_id(state, "Teacher")
    teachers = [u for u in state.users.values() if u["role_id"] == role and u["uid"] not in protected]
    chosen = rng.sample(teachers, 2)
    rows = [{"school_uid": str(u["school_uid"]), "role": "School Admin"} for u in chosen]
    return rows, {"changes": {r["school_uid"]: {"before": "Teacher", "after": "School Admin"} for r in rows}}


def write_csv(path: Path, rows: Rows, columns: list[str] | tuple[str, ...]) -> None:
    """Write ``rows`` with exactly ``columns`` (UTF-8, ``\\n`` line ends)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _protected(state: DistrictState) -> set[int]:
    """Users no difference touches: near-duplicate pairs and the seed's other known duplicates
    (kept intact for the duplicates and merge jobs; links to a protected parent are left alone too)."""
    by_key: dict[tuple[str, str, str], list[int]] = {}
    for u in state.users.values():
        if u.get("birthday_date"):
            by_key.setdefault((u["name_first"], u["name_last"], u["birthday_date"]), []).append(u["uid"])
    known = {uid for pair in state.seeded_duplicates for uid in (pair["keep"], pair["other"])}
    return {uid for uids in by_key.values() if len(uids) > 1 for uid in uids} | known


def write_demo_sis_files(
    folder: str | Path,
    *,
    seed: int = 1,
    users: int = 300,
    today: dt.date | None = None,
    state: DistrictState | None = None,
) -> dict[str, Any]:
    """Write every demo SIS file and ``manifest.json`` into ``folder``; return the manifest.

    Args:
        folder: created when missing; files in it are overwritten.
        seed, users, today: the district to derive from (``seed_district`` arguments).
        state: a freshly seeded district to use instead (not modified).
    """
    today = today or dt.date.today()
    state = state if state is not None else seed_district(seed, users, today=today)
    student, protected = role_id(state, "Student"), _protected(state)
    if sum(u["role_id"] == student and u["uid"] not in protected for u in state.users.values()) < MIN_STUDENTS:
        raise ConfigurationError(f"demo SIS files need at least {MIN_STUDENTS} regular students: seed with users >= 30")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"sis:{seed}")
    users_csv, users_diff = users_rows(state, rng, protected)
    touched = set(users_diff["missing_users"]) | set(users_diff["updates"])
    parents_csv, parents_diff = parents_rows(state, rng, protected)
    courses_csv, courses_diff = courses_sections_rows(state, today, rng)
    enroll_csv, enroll_diff = enrollments_rows(state, today, rng, exclude=touched)
    groups_csv, groups_diff = group_members_rows(state, rng, exclude=touched)
    remap_csv, collisions_csv, remap_diff = remap_rows(state, rng, protected, touched)
    roles_csv, roles_diff = role_change_rows(state, rng, protected)
    # the files below draw from their own random sources: the ones above stay as they were
    advisors_csv, advisors_diff = advisors_rows(state, seed, protected, touched)
    new_groups_csv, new_groups_diff = new_groups_rows(state, seed, protected, touched)
    for name, rows in (
        ("users", users_csv), ("parents", parents_csv), ("courses_sections", courses_csv),
        ("enrollments", enroll_csv), ("group_members", groups_csv), ("uid_remap", remap_csv),
        ("role_changes", roles_csv), ("advisors", advisors_csv),
        ("new_groups", new_groups_csv),
    ):
        write_csv(folder / f"{name}.csv", rows, SPECS[name].columns)
    write_csv(folder / "uid_remap_collisions.csv", collisions_csv, SPECS["uid_remap"].columns)
    invalid = write_invalid_files(folder / "invalid", state)
    snapshot, snapshot_diff = snapshot_rows(state, random.Random(f"snapshot:{seed}"), users_csv, users_diff)
    (folder / SNAPSHOT_FOLDER).mkdir(exist_ok=True)
    for name, rows in snapshot.items():
        write_csv(folder / SNAPSHOT_FOLDER / f"{name}.csv", rows, SNAPSHOT_COLUMNS[name])
    date_stale_file(folder / SNAPSHOT_FOLDER, today)
    snapshot_diff["stale"] = [STALE_FILE]
    manifest = {
        "seed": seed,
        "users": users,
        "today": today.isoformat(),
        "files": {
            "users.csv": users_diff,
            "parents.csv": parents_diff,
            "courses_sections.csv": courses_diff,
            "enrollments.csv": enroll_diff,
            "group_members.csv": groups_diff,
            "uid_remap.csv": remap_diff,
            "role_changes.csv": roles_diff,
            "advisors.csv": advisors_diff,
            "new_groups.csv": new_groups_diff,
        },
        "invalid": invalid,
        "snapshot": snapshot_diff,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
