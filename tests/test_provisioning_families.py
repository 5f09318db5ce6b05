"""Parents get their children's buildings."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.families import children_by_parent, parent_building_updates, user_buildings


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
    assert children_by_parent([user(1, 1, parent_uids="3,4"), user(3, 1, child_uids="1,2")]) == {"3": ["1", "2"], "4": ["1"]}


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
