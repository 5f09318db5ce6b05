"""Seeding the district's people: families (students and parents), near-duplicates, admins, inactive users."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from schoology_sandbox.names import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, MIDDLE_NAMES

if TYPE_CHECKING:
    from schoology_sandbox.seed import SeedContext

DOMAIN = "maplewood.example.org"
STUDENT_DOMAIN = "students.maplewood.example.org"
_BUILDING_SHARE = (0.35, 0.25, 0.30, 0.10)  # LES, CRMS, MHS, NGA
_UID_PREFIX = {"Student": "S", "Teacher": "T", "Parent": "P", "School Admin": "A", "System Admin": "A"}


def add_person(
    ctx: SeedContext, role: str, building_id: int, first: str, last: str, gender: str, **extra: Any
) -> dict[str, Any]:
    ctx.serial += 1
    prefix = _UID_PREFIX[role]
    school_uid = f"{prefix}{100000 + ctx.serial}"
    rng = ctx.rng
    middle = MIDDLE_NAMES[int(rng.random() * len(MIDDLE_NAMES))]
    domain = STUDENT_DOMAIN if role == "Student" else DOMAIN
    local = f"{first}.{last}".lower().replace("'", "")
    user = {
        "uid": ctx.state.ids.allocate(),
        "school_id": ctx.state.school["id"],
        "building_id": building_id,
        "school_uid": school_uid,
        "name_title": "",
        "name_title_show": 0,
        "name_first": first,
        "name_first_preferred": "",
        "use_preferred_first_name": "1",
        "name_middle": middle,
        "name_middle_show": 0,
        "name_last": last,
        "name_display": f"{first} {last}",
        "username": f"{local}{ctx.serial}",
        "primary_email": f"{local}{ctx.serial}@{domain}",
        "position": "",
        "gender": gender,
        "grad_year": "",
        "birthday_date": "",
        "role_id": ctx.role[role],
        "additional_buildings": "",
        "synced": 1,
        "tz_name": "America/Los_Angeles",
        "picture_url": "",
        "send_message": 0,
    }
    user.update(extra)
    ctx.state.add_user(user)
    return user


def draw_name(ctx: SeedContext) -> tuple[str, str]:
    rng = ctx.rng
    if rng.random() < 0.5:
        return FIRST_NAMES_F[int(rng.random() * len(FIRST_NAMES_F))], "F"
    return FIRST_NAMES_M[int(rng.random() * len(FIRST_NAMES_M))], "M"


def _student(ctx: SeedContext, last: str) -> dict[str, Any]:
    rng = ctx.rng
    r = rng.random()
    idx = 0
    acc = _BUILDING_SHARE[0]
    while r > acc and idx < 3:
        idx += 1
        acc += _BUILDING_SHARE[idx]
    bid = ctx.building_ids[idx]
    b = ctx.state.buildings[bid]
    grade = b["grade_low"] + int(rng.random() * (b["grade_high"] - b["grade_low"] + 1))
    grad_year = ctx.school_year_end + (12 - grade)
    birthday = f"{grad_year - 18}-{1 + int(rng.random() * 12):02d}-{1 + int(rng.random() * 28):02d}"
    first, gender = draw_name(ctx)
    user = add_person(ctx, "Student", bid, first, last, gender, grad_year=str(grad_year), birthday_date=birthday)
    ctx.students_by_building[bid].append(user["uid"])
    return user


def seed_families(ctx: SeedContext) -> None:
    rng = ctx.rng
    made = 0
    while made < ctx.students:
        size = min(ctx.students - made, 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3))
        last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
        children = [_student(ctx, last) for _ in range(size)]
        made += size
        child_buildings = [c["building_id"] for c in children]
        for _ in range(1 if rng.random() < 0.5 else 2):
            home = child_buildings[0]
            if rng.random() < 0.08:  # a parent whose own building holds none of their children
                others = [b for b in ctx.building_ids if b not in child_buildings]
                home = others[rng.randrange(len(others))] if others else home
            first, gender = draw_name(ctx)
            parent = add_person(ctx, "Parent", home, first, last, gender, name_title="Mrs." if gender == "F" else "Mr.")
            ctx.parent_uids.append(parent["uid"])
            for child in children:
                ctx.state.link_parent(child["uid"], parent["uid"])


def seed_near_duplicates(ctx: SeedContext) -> None:
    """Three extra students who look like an existing one (same name and birthday)."""
    st = ctx.state
    pool = [u for u in itertools.islice(st.users.values(), 60) if u["role_id"] == ctx.role["Student"]]
    for n, original in enumerate(pool[:3]):
        local, domain = original["primary_email"].split("@")
        if n == 0:
            email = local.capitalize() + "@" + domain.upper()  # differs only by case
        elif n == 1:
            email = local.replace(".", "") + "@" + domain  # differs only by dots
        else:
            email = local.upper() + "@" + domain  # case again, other building below
        bid = (
            original["building_id"]
            if n < 2
            else ctx.building_ids[(ctx.building_ids.index(original["building_id"]) + 1) % 4]
        )
        dup = add_person(
            ctx,
            "Student",
            bid,
            original["name_first"],
            original["name_last"],
            original["gender"],
            grad_year=original["grad_year"],
            birthday_date=original["birthday_date"],
            synced=0,
        )
        st.update_user(dup["uid"], {"primary_email": email, "name_middle": original["name_middle"]})
        ctx.students_by_building[bid].append(dup["uid"])
        ctx.near_duplicates.append((original["uid"], dup["uid"]))


def seed_admins(ctx: SeedContext) -> None:
    principals = []
    for bid in ctx.building_ids:
        first, gender = draw_name(ctx)
        last = LAST_NAMES[int(ctx.rng.random() * len(LAST_NAMES))]
        principal = add_person(ctx, "School Admin", bid, first, last, gender, name_title="Dr.", position="Principal")
        principals.append(principal)
    ctx.system_admin = add_person(ctx, "System Admin", ctx.building_ids[0], "Dana", "Whitfield", "F",
                                  position="District IT")["uid"]
    # one admin works in two buildings (the first School Admin: none is made before these)
    admin = principals[0]
    ctx.state.update_user(admin["uid"], {"additional_buildings": str(ctx.building_ids[1])})
    # two advisor links
    for bid in ctx.building_ids[2:]:
        if ctx.students_by_building[bid] and ctx.teachers_by_building[bid]:
            ctx.state.advisor_links.add((ctx.students_by_building[bid][0], ctx.teachers_by_building[bid][0]))


def seed_inactive_and_external(ctx: SeedContext) -> None:
    st = ctx.state
    for n in range(5):
        role = "Teacher" if n == 4 else "Student"
        first, gender = draw_name(ctx)
        last = LAST_NAMES[int(ctx.rng.random() * len(LAST_NAMES))]
        user = add_person(
            ctx,
            role,
            ctx.building_ids[n % 4],
            first,
            last,
            gender,
            grad_year=str(ctx.school_year_end - 1) if role == "Student" else "",
        )
        st.deactivate_user(user["uid"], keep_enrollments=True)
    st.external_emails = {
        "jordan.reyes@gmail.example.com": "other-school",
        "casey.morgan@outlook.example.com": "other-school",
        f"riley.quinn@{DOMAIN}": "verified-domain",
    }
