"""Drift verdicts and the choice of re-read strategy (pure, no network)."""

from __future__ import annotations

import pytest

from schoology_etl.plans import Change
from schoology_etl.plans.drift import APPLY, DONE, DRIFTED, ClientReader, check_change


def _upd(before, after, op="update"):
    return Change(1, op, "users", {"school_uid": "a"}, 5, before, after)


@pytest.mark.parametrize(
    ("change", "current", "action"),
    [
        (_upd({"position": "x"}, {"position": "y"}), {"position": "x"}, APPLY),
        (_upd({"position": "x"}, {"position": "y"}), {"position": "y"}, DONE),
        (_upd({"position": "x"}, {"position": "y"}), {"position": "z"}, DRIFTED),
        (_upd({"position": "x"}, {"position": "y"}), None, DRIFTED),
        (_upd({"grad_year": None}, {"grad_year": 2030}), {"grad_year": ""}, APPLY),
        (_upd({"grad_year": "2029"}, {"grad_year": 2030}), {"grad_year": 2030}, DONE),
        (_upd({"a": "1", "b": "1"}, {"a": "2", "b": "2"}), {"a": "2", "b": "1"}, DRIFTED),
        (_upd({}, {"name_first": "N"}, "create"), None, APPLY),
        (_upd({}, {"name_first": "N"}, "create"), {"id": 9, "name_first": "N"}, DONE),
        (_upd({}, {"name_first": "N"}, "create"), {"id": 9, "name_first": "M"}, DRIFTED),
        (_upd({"id": 5, "name_first": "N"}, {}, "delete"), {"id": 5, "name_first": "N"}, APPLY),
        (_upd({"id": 5, "name_first": "N"}, {}, "delete"), None, DONE),
        (_upd({"id": 5, "name_first": "N"}, {}, "delete"), {"id": 5, "name_first": "Q"}, DRIFTED),
    ],
)
def test_verdicts(change, current, action):
    assert check_change(change, current).action == action


def test_drift_names_each_differing_field():
    verdict = check_change(_upd({"a": "1", "b": "1"}, {"a": "2", "b": "2"}), {"a": "1", "b": "9"})
    assert [(d.field, d.planned, d.actual) for d in verdict.drift] == [("b", "1", "9")]


@pytest.mark.parametrize(
    ("realm", "planned", "size", "fields", "expected"),
    [
        ("users", 5000, 5200, ["position"], "csvexport"),  # one request reads every user
        ("users", 5000, 5200, ["additional_buildings"], "snapshot"),  # 26 pages < 100 filtered reads
        ("users", 5000, 50000, ["additional_buildings"], "filter"),  # 250 pages > 100 filtered reads
        ("users", 30, 5200, ["position"], "filter"),  # one filtered read is enough
        ("courses", 300, None, ["title"], "multiget"),
        ("sections", 5000, 5200, ["title"], "filter"),  # GET /sections cannot list them all
    ],
)
def test_reader_picks_the_fewest_requests(realm, planned, size, fields, expected):
    reader = ClientReader(client=None)
    reader.prepare({realm: planned}, {realm: size} if size else {}, {realm: fields})
    assert reader.choose(realm) == expected


def test_a_realm_that_cannot_be_listed_is_never_snapshot():
    reader = ClientReader(client=None, strategy="snapshot")
    assert reader.choose("sections") == "filter"


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown drift strategy"):
        ClientReader(None, strategy="guess")
