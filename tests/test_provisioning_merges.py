"""Merging duplicate accounts: choosing pairs (with errors naming the line), the plan, and in-order apply."""

from __future__ import annotations

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.plans import apply_plan
from schoology_etl.plans.job import write_plan
from schoology_etl.plans.model import DELETE, LINK, UNLINK, Change
from schoology_etl.plans.targets import MemoryTarget
from schoology_etl.provisioning.users import merges

USERS = [
    {"uid": "1", "school_uid": "S1", "name_first": "Ann", "name_last": "Lee", "synced": 1},
    {"uid": "2", "school_uid": "S2", "name_first": "Ann", "name_last": "Lee", "synced": 0},
    {"uid": "3", "school_uid": "P3", "name_first": "Pat", "name_last": "Lee", "synced": 1},
    {"uid": "4", "school_uid": "P4", "name_first": "Pat", "name_last": "Lee", "synced": 0},
    {"uid": "5", "school_uid": "S5", "name_first": "Kim", "name_last": "Lee", "synced": 1},
]
INACTIVE = [{"uid": "9", "school_uid": "S9", "name": "Ann Lee", "synced": 1}]


def _fails(rows, match, error=RecordError, **kw):
    with pytest.raises(error, match=match):
        merges.choose_pairs(rows, USERS, INACTIVE, **kw)


def test_pairs_by_uid_or_school_uid() -> None:
    pairs, skipped = merges.choose_pairs(
        [{"keep_uid": "1", "merge_uid": "2"}, {"keep_school_uid": "P3", "merge_school_uid": "P4"}], USERS, INACTIVE
    )
    assert [(p.keep["uid"], p.merge["uid"], p.lines) for p in pairs] == [
        ("1", "2", (2,)),
        ("3", "4", (3,)),
    ] and skipped == []


def test_bad_pairs_are_refused_naming_the_line() -> None:
    _fails(
        [{"keep_uid": "1", "merge_uid": "2"}, {"keep_uid": "3", "merge_uid": "77"}],
        r"^line 3: column 'merge_uid': no user with uid '77'",
    )
    _fails(
        [{"keep_school_uid": "S1", "merge_school_uid": "S1"}],
        r"^line 2: keep and merge name the same user 1 \(S1, Ann Lee\)",
    )
    _fails(
        [{"keep_uid": "1", "merge_uid": "2"}, {"keep_uid": "5", "merge_uid": "2"}],
        r"^line 3: user 2 \(S2, Ann Lee\) is in two pairs \(also on line 2\)",
    )
    _fails(
        [{"keep_uid": "1", "merge_uid": "9"}],
        r"^line 2: column 'merge_uid': user 9 \(S9, Ann Lee\) is inactive already",
    )
    _fails([{"keep_uid": "9", "merge_uid": "1"}], r"^line 2: column 'keep_uid': user 9 .* is inactive; keep an active")
    _fails([{"keep_uid": "", "merge_uid": ""}], r"^line 2: give keep_uid and merge_uid")
    _fails([{"keep": "1", "other": "2"}], "needs columns keep_uid and merge_uid", ConfigurationError)
    _fails(
        [{"keep_uid": "1", "merge_uid": "2"}, {"keep_uid": "3", "merge_uid": "4"}],
        "2 pairs to merge, above max_pairs 1",
        ConfigurationError,
        max_pairs=1,
    )


REPORT = [  # as find_duplicate_users writes it: one pair under two rules, an inactive group, a group of three
    {"group": "1", "rule": "email", "uid": "2"},
    {"group": "1", "rule": "email", "uid": "1"},
    {"group": "2", "rule": "name_birthday", "uid": "1"},
    {"group": "2", "rule": "name_birthday", "uid": "2"},
    {"group": "3", "rule": "inactive_name", "uid": "9"},
    {"group": "3", "rule": "inactive_name", "uid": "1"},
    {"group": "4", "rule": "email", "uid": "3"},
    {"group": "4", "rule": "email", "uid": "4"},
    {"group": "4", "rule": "email", "uid": "5"},
]


def test_report_groups_keep_the_sis_account_and_skip_inactive_ones() -> None:
    pairs, skipped = merges.choose_pairs(REPORT, USERS, INACTIVE, groups="1,2,3")
    assert [(p.keep["uid"], p.merge["uid"], p.lines) for p in pairs] == [("1", "2", (2, 3))]
    assert skipped == [{"group": "3", "uids": ["9", "1"], "reason": "an account is inactive already"}]
    _fails(REPORT, r"^group 4 \(lines 8, 9, 10\): cannot tell which account to keep", groups="4")
    _fails(REPORT, "groups: 7 not in the report", ConfigurationError, groups="2,7")


def test_merge_changes_move_memberships_and_links_then_deactivate() -> None:
    pairs, _ = merges.choose_pairs([{"keep_uid": "1", "merge_uid": "2"}, {"keep_uid": "3", "merge_uid": "4"}], USERS)
    memberships = [
        {
            "realm": "section",
            "realm_id": "50",
            "code": "MHS-ALG1-01",
            "id": "e1",
            "uid": "2",
            "admin": 0,
            "status": "1",
        },
        {"realm": "section", "realm_id": "51", "code": "MHS-ENG-01", "id": "e2", "uid": "2", "admin": 0, "status": "1"},
        {"realm": "section", "realm_id": "51", "code": "MHS-ENG-01", "id": "e3", "uid": "1", "admin": 0, "status": "1"},
        {"realm": "group", "realm_id": "60", "code": "GRP-PTA", "id": "e4", "uid": "4", "admin": 1, "status": "1"},
    ]
    links = {("S5", "P4"), ("S1", "P3"), ("S2", "P4")}  # S2-P4 joins two merged accounts: S1-P3 holds already
    changes = merges.merge_changes(pairs, memberships, links)
    got = [(c.op, c.realm, c.key, c.id, c.after) for c in changes]
    assert got == [
        (
            LINK,
            "enrollments",
            {"section_school_code": "MHS-ALG1-01", "school_uid": "S1"},
            None,
            {"realm": "section", "section_id": "50", "uid": "1", "admin": "0", "status": "1"},
        ),
        (
            LINK,
            "enrollments",
            {"group_code": "GRP-PTA", "school_uid": "P3"},
            None,
            {"realm": "group", "group_id": "60", "uid": "3", "admin": "1", "status": "1"},
        ),
        (LINK, "parent_associations", {"student_school_uid": "S5", "parent_school_uid": "P3"}, None, {"linked": True}),
        (UNLINK, "enrollments", {"section_school_code": "MHS-ALG1-01", "school_uid": "S2"}, "e1", {}),
        (UNLINK, "enrollments", {"section_school_code": "MHS-ENG-01", "school_uid": "S2"}, "e2", {}),
        (UNLINK, "enrollments", {"group_code": "GRP-PTA", "school_uid": "P4"}, "e4", {}),
        (
            UNLINK,
            "parent_associations",
            {"student_school_uid": "S2", "parent_school_uid": "P4"},
            None,
            {"linked": False},
        ),
        (
            UNLINK,
            "parent_associations",
            {"student_school_uid": "S5", "parent_school_uid": "P4"},
            None,
            {"linked": False},
        ),
        (DELETE, "users", {"school_uid": "S2"}, "2", {}),
        (DELETE, "users", {"school_uid": "P4"}, "4", {}),
    ]
    assert [c.seq for c in changes] == list(range(1, 11))
    assert changes[-1].before["school_uid"] == "P4" and "_active" not in changes[-1].before


class _Recording(MemoryTarget):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.order: list[tuple[str, str]] = []

    def write(self, realm, op, changes):
        self.order.append((realm, op))
        return super().write(realm, op, changes)


@pytest.mark.parametrize("in_order", [True, False])
def test_a_plan_written_in_order_is_applied_in_order(tmp_path, in_order: bool) -> None:
    changes = [
        Change(1, LINK, "widgets", {"code": "a"}, None, {}, {"linked": True}),
        Change(2, UNLINK, "widgets", {"code": "b"}, None, {"linked": True}, {}),
        Change(3, DELETE, "users", {"school_uid": "S2"}, 2, {"school_uid": "S2"}, {}),
    ]
    plan = write_plan(changes, path=tmp_path / "plan.jsonl", in_order=in_order)
    target = _Recording({"users": [{"id": 2, "school_uid": "S2"}], "widgets": [{"code": "b"}]})
    apply_plan(plan, target)
    done = [("widgets", LINK), ("widgets", UNLINK), ("users", DELETE)]
    assert (target.order == done) is in_order  # otherwise the last chunks go by operation: the delete first


def test_the_undo_of_an_in_order_plan_is_in_order_too(tmp_path) -> None:
    from schoology_etl.plans import undo_plan
    from schoology_etl.plans.model import UPDATE

    changes = [
        Change(1, UPDATE, "widgets", {"code": "b"}, 7, {"size": 1}, {"size": 2}),
        Change(2, DELETE, "users", {"school_uid": "S2"}, 2, {"school_uid": "S2"}, {}),
    ]
    plan = write_plan(changes, path=tmp_path / "plan.jsonl", in_order=True)
    target = _Recording({"users": [{"id": 2, "school_uid": "S2"}], "widgets": [{"id": 7, "code": "b", "size": 1}]})
    report = apply_plan(plan, target)
    undo = undo_plan(report.journal, tmp_path / "undo.jsonl")
    assert undo.plan.header.extra.get("in_order") is True
    target.order.clear()
    apply_plan(undo.plan, target)
    assert target.order == [("users", "reactivate"), ("widgets", UPDATE)]  # by operation, the update would go first
