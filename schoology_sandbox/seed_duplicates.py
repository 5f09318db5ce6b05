"""Seeding the demo district's known duplicate accounts beyond the near-duplicate students.

Seeded last, so every other id, name and draw of the district stays as it was:

* an **inactive old account** of an active student, its name typed in capitals
  (``inactive_name``);
* an **inactive account under a zero-padded SIS id** of an active student, its first name
  an initial (``S0100012`` for ``S100012``: ``inactive_school_uid``);
* a **parent with two active accounts**: Rowan Castellanos, ``rowan.castellanos@gmail.com``
  (the SIS's, ``synced: 1``, linked to one student) and
  ``RowanCastellanos+school@googlemail.com`` (made by hand, ``synced: 0``, linked to
  another student and in the Parent Teacher Association group): one Gmail mailbox
  (``email``).

The inactive users seeded before these whose full name another account has get a surname
nobody has (renamed only: no id or draw moves), so the known pairs are the only ones. In a
district too big for every student to have a name of their own, the originals are the first
students and their namesakes match too.

``state.seeded_duplicates`` lists every known pair, the near-duplicate students included,
as ``{rule, keep, other}`` (uids; ``keep`` is the account to keep: the SIS's, active).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schoology_sandbox.seed_people import add_person

if TYPE_CHECKING:
    from schoology_sandbox.seed import SeedContext


#: surnames the name lists do not hold, for inactive users who would otherwise share a full name
_RARE_SURNAMES = ("Abernathy", "Quillfeather", "Vantassel", "Oyelaran", "Brightwater", "Kowalczyk", "Lindqvist")


def _full_name(user: dict[str, Any]) -> str:
    return " ".join(f"{user.get('name_first', '')} {user.get('name_last', '')}".casefold().split())


def seed_known_duplicates(ctx: SeedContext) -> None:
    st = ctx.state
    pairs = [{"rule": "name_birthday", "keep": keep, "other": other} for keep, other in ctx.near_duplicates]
    taken = {uid for p in pairs for uid in (p["keep"], p["other"])}
    names: dict[str, int] = {}
    for user in [*st.users.values(), *st.inactive_users.values()]:
        names[_full_name(user)] = names.get(_full_name(user), 0) + 1
    rare = (s for s in _RARE_SURNAMES if not any(_full_name(u).endswith(" " + s.casefold()) for u in st.users.values()))
    for user in list(st.inactive_users.values()):
        if names[_full_name(user)] > 1:
            names[_full_name(user)] -= 1
            user["name_last"] = next(rare)
            user["name_display"] = f"{user['name_first']} {user['name_last']}"
            st.inactive_users[user["uid"]] = user  # records are packed: a read is a copy, so store it back
            names[_full_name(user)] = 1
    student = ctx.role["Student"]
    # students whose full name nobody else has, so the pairs below are the only ones their names make; a district
    # too big for that (the name lists are short) takes the first students, and namesakes match too
    eligible = [u for u in st.users.values()
                if u["role_id"] == student and u["uid"] not in taken and u.get("synced") == 1]
    alone = sorted(eligible[:4000], key=lambda u: names[_full_name(u)] != 1)[:4]
    if len(alone) == 4:  # a district of a student or two has none to spare
        renamed, padded = alone[0], alone[1]
        old = add_person(
            ctx,
            "Student",
            renamed["building_id"],
            renamed["name_first"].upper(),
            renamed["name_last"],
            renamed["gender"],
            grad_year=renamed["grad_year"],
        )
        st.deactivate_user(old["uid"], keep_enrollments=True)
        pairs.append({"rule": "inactive_name", "keep": renamed["uid"], "other": old["uid"]})
        initial = add_person(
            ctx,
            "Student",
            padded["building_id"],
            padded["name_first"][0] + ".",
            padded["name_last"],
            padded["gender"],
            grad_year=padded["grad_year"],
        )
        st.update_user(initial["uid"], {"school_uid": padded["school_uid"][0] + "0" + padded["school_uid"][1:]})
        st.deactivate_user(initial["uid"], keep_enrollments=True)
        pairs.append({"rule": "inactive_school_uid", "keep": padded["uid"], "other": initial["uid"]})

    home = ctx.building_ids[0]
    sis = add_person(ctx, "Parent", home, "Rowan", "Castellanos", "F", name_title="Ms.")
    by_hand = add_person(ctx, "Parent", home, "Rowan", "Castellanos", "F", name_title="Ms.", synced=0)
    st.update_user(sis["uid"], {"primary_email": "rowan.castellanos@gmail.com"})
    st.update_user(by_hand["uid"], {"primary_email": "RowanCastellanos+school@googlemail.com"})
    for child, parent in zip(alone[2:], (sis, by_hand), strict=False):
        st.link_parent(child["uid"], parent["uid"])
    pta = next(g["id"] for g in st.groups.values() if g.get("group_code") == "GRP-PTA")
    st.add_enrollment("group", pta, by_hand["uid"], 0, 1)
    pairs.append({"rule": "email", "keep": sis["uid"], "other": by_hand["uid"]})
    st.seeded_duplicates = pairs
    for user in list(st.inactive_users.values()):  # deactivated when seeded, never by the clock: same seed, same dump
        if user.pop("inactive_timestamp", None) is not None:
            st.inactive_users[user["uid"]] = user  # records are packed: a read is a copy, so store it back
