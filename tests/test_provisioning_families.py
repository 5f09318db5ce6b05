"""Parents get their children's buildings."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.families.parent_buildings import children_by_parent, parent_building_updates, user_buildings


def user(uid: int, building: int, extra: str = "", **kw: object) -> dict:
    return {"uid": uid, "school_uid": f"U{uid}", "building_id": building, "additional_buildings": extra, **kw}


def test_add_gives_parent_the_children_buildings_and_keeps_its_own() -> None:
    users = [user(1, 10, parent_uids="3"), user(2, 20, "30", parent_uids="3"), user(3, 40)]
    assert parent_building_updates(users) == [
        {"id": "3", "uid": "3", "school_uid": "U3", "building_id": "40", "additional_buildings": "10,20,30"}
    ]


def test_replace_makes_buildings_exactly_the_children_and_changes_primary_when_needed() -> None:
    users = [user(1, 10, parent_uids="3"), user(3, 40, "10")]
    assert parent_building_updates(users, behavior="replace") == [
        {"id": "3", "uid": "3", "school_uid": "U3", "building_id": "10", "additional_buildings": ""}
    ]


def test_parent_already_right_is_left_out_and_child_uids_links_count() -> None:
    users = [user(1, 10), user(3, 10, child_uids="1"), user(4, 40, child_uids="1")]
    assert [u["uid"] for u in parent_building_updates(users, behavior="replace")] == ["4"]


def test_allowed_buildings_limit_what_is_added_and_removed() -> None:
    users = [user(1, 10, "20", parent_uids="3"), user(3, 40, "50")]
    add = parent_building_updates(users, allowed_buildings=[20])
    assert add[0]["additional_buildings"] == "50,20"
    replace = parent_building_updates(users, behavior="replace", allowed_buildings=["20", "50"])
    # 50 is allowed and no child is there: removed; 40 is outside the allowed set: kept.
    assert replace[0]["building_id"] == "40" and replace[0]["additional_buildings"] == "20"


def test_replace_never_leaves_a_parent_without_building() -> None:
    users = [user(1, 10, parent_uids="3"), user(3, 40)]
    assert parent_building_updates(users, behavior="replace", allowed_buildings=["40"]) == []


def test_bad_behavior_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="behavior"):
        parent_building_updates([], behavior="merge")


def test_children_by_parent_merges_both_directions() -> None:
    links = children_by_parent([user(1, 1, parent_uids="3,4"), user(3, 1, child_uids="1,2")])
    assert links == {"3": ["1", "2"], "4": ["1"]}


buildings = st.lists(st.integers(1, 6), min_size=1, max_size=4, unique=True)


@st.composite
def districts(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(2, 8))
    users = []
    for uid in range(1, n + 1):
        b = draw(buildings)
        parents = draw(st.lists(st.integers(1, n).filter(lambda p, uid=uid: p != uid), max_size=2, unique=True))
        users.append(user(uid, b[0], ",".join(map(str, b[1:])), parent_uids=",".join(map(str, parents))))
    return users


@settings(max_examples=50)
@given(districts(), st.sampled_from(["add", "replace"]), st.none() | st.lists(st.sampled_from("123456"), max_size=3))
def test_properties(users: list[dict], behavior: str, allowed: list[str] | None) -> None:
    before = copy.deepcopy(users)
    updates = parent_building_updates(users, behavior=behavior, allowed_buildings=allowed)
    assert users == before  # never mutates its input
    by_uid = {str(u["uid"]): u for u in users}
    links = children_by_parent(users)
    for update in updates:
        old = set(user_buildings(by_uid[update["uid"]]))
        new = set(user_buildings(update))
        assert new and new != old
        kids = {b for c in links[update["uid"]] for b in user_buildings(by_uid[c])}
        untouchable = old - set(allowed) if allowed else set()
        assert untouchable <= new  # buildings outside the allowed set are never removed
        if behavior == "add":
            assert old <= new <= old | kids
        else:  # replace: children's buildings only, or the old primary when nothing else would be left
            primary = user_buildings(by_uid[update["uid"]])[0]
            assert new - untouchable <= kids or new == {primary}
    # when no parent is also a child, applying the updates leaves nothing to do
    if not set(links) & {c for kids in links.values() for c in kids}:
        applied = [dict(u, **next((x for x in updates if x["uid"] == str(u["uid"])), {})) for u in users]
        assert parent_building_updates(applied, behavior=behavior, allowed_buildings=allowed) == []


def _reference_updates(users: list[dict], behavior: str) -> list[dict]:
    """The parent-building updates computed the plain way: whole records in dicts (a uid listed twice keeps its
    first place and its last record; links deduplicated in reading order)."""
    from schoology_etl.provisioning.families.parent_buildings import _desired
    from schoology_etl.provisioning.rows import join_ids, split_ids, text

    people: dict[str, dict] = {}
    links: dict[str, list[str]] = {}
    for u in users:
        uid = text(u.get("uid") or u.get("id"))
        people[uid] = u
        for p in split_ids(u.get("parent_uids")):
            links.setdefault(p, []).append(uid)
        for c in split_ids(u.get("child_uids")):
            links.setdefault(uid, []).append(c)
    out = []
    for uid, parent in people.items():
        if uid not in links:
            continue
        wanted: list[str] = []
        for child in dict.fromkeys(links[uid]):
            wanted += [b for b in (user_buildings(people[child]) if child in people else []) if b not in wanted]
        current = user_buildings(parent)
        desired = _desired(current, wanted, behavior, None)
        if set(desired) == set(current):
            continue
        primary = current[0] if current and current[0] in desired else desired[0]
        out.append({"id": uid, "uid": uid, "school_uid": text(parent.get("school_uid")) or None, "building_id": primary,
                    "additional_buildings": join_ids(b for b in desired if b != primary)})
    return out


uid_texts = st.sampled_from(["1", "2", "3", "17", "u-4", "05", "x", "900000000000001", "1234567890123456789012"])


@st.composite
def odd_districts(draw: st.DrawFn) -> list[dict]:
    """Uids that are not plain numbers, a uid listed twice, links both ways, children outside the district."""
    users = []
    for _ in range(draw(st.integers(1, 12))):
        b = draw(buildings)
        record = {"uid": draw(uid_texts), "school_uid": draw(st.sampled_from(["", "S1", "Zoë-7", None])),
                  "building_id": b[0], "additional_buildings": ",".join(map(str, b[1:]))}
        kind = draw(st.sampled_from(["parent_uids", "child_uids", "none"]))
        if kind != "none":
            record[kind] = ",".join(draw(st.lists(uid_texts, max_size=3)))
        users.append(record)
    return users


@settings(max_examples=150)
@given(odd_districts(), st.sampled_from(["add", "replace"]))
def test_the_compact_index_gives_what_whole_records_give(users: list[dict], behavior: str) -> None:
    from schoology_etl.provisioning.families.parent_buildings import read_families

    index = read_families(iter(users))
    assert parent_building_updates(index, behavior=behavior) == _reference_updates(users, behavior)
    assert dict(index.links) == children_by_parent(users)
    assert list(index.links) == list(children_by_parent(users))  # parents in order of first mention
    assert index.user("never-read") is None and index.buildings("never-read") == []


def test_the_family_index_keeps_under_a_hundred_bytes_a_user() -> None:
    import tracemalloc

    from schoology_etl.provisioning.families.parent_buildings import read_families

    def district(n: int):
        for i in range(n):
            yield {"uid": 2 * i, "school_uid": f"S{i:07d}", "building_id": 100 + i % 7, "additional_buildings": "",
                   "name_first": "A" * 12, "primary_email": f"student{i}@students.example.org"}
            yield {"uid": 2 * i + 1, "school_uid": f"P{i:07d}", "building_id": 200, "child_uids": str(2 * i),
                   "name_first": "B" * 12, "primary_email": f"parent{i}@example.org"}

    def held(n: int) -> int:
        tracemalloc.start()
        try:
            index = read_families(district(n))
            assert len(index.links) == n and sum(1 for _ in index.parents()) == n  # look-up tables made too
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    per_user = (held(20_000) - held(2_000)) / 36_000
    assert per_user < 100, f"{per_user:.0f} bytes per user"  # a dict keyed by uid text alone costs over 100
