"""Plan changes for the Users and families jobs (schoology_etl.provisioning.users.user_changes), and the write routes they use."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.plans.model import Change
from schoology_etl.plans.targets import ClientTarget, MemoryTarget, route_for
from schoology_etl.provisioning.lookups import building_lookup
from schoology_etl.provisioning.users import duplicates
from schoology_etl.provisioning.users import user_changes as uc

USERS = [
    {"uid": "1", "id": 1, "school_uid": "S1", "name_first": "Ann", "name_last": "Lee", "role_id": 5, "building_id": 10,
     "additional_buildings": "", "grad_year": "2030", "parent_uids": "3"},
    {"uid": "2", "id": 2, "school_uid": "S2", "name_first": "Bo", "name_last": "Lee", "role_id": 5, "building_id": 11,
     "additional_buildings": "", "grad_year": "2031", "parent_uids": "3"},
    {"uid": "3", "id": 3, "school_uid": "P3", "name_first": "Cy", "name_last": "Lee", "role_id": 7, "building_id": 10,
     "additional_buildings": "", "grad_year": "", "child_uids": "1,2"},
]


def test_sis_user_changes_creates_with_policy_flags_and_field_updates():
    payloads = [
        {"school_uid": "S1", "name_first": "Ann", "name_last": "Lee-Reyes", "role_id": "5", "building_id": "10"},
        {"school_uid": "S9", "name_first": "New", "name_last": "Kid", "role_id": "5", "building_id": "10"},
    ]
    before = [dict(u) for u in USERS]
    changes = uc.sis_user_changes(payloads, USERS, email_conflicts="username_only")
    assert [(c.op, c.key, c.before, c.after) for c in changes if c.op == "update"] == [
        ("update", {"school_uid": "S1"}, {"name_last": "Lee"}, {"name_last": "Lee-Reyes"})
    ]
    (create,) = [c for c in changes if c.op == "create"]
    assert create.after["_query"] == {"email_conflict_resolution": 1} and create.after["name_last"] == "Kid"
    assert USERS == before, "inputs are not mutated"
    assert "_query" not in next(c for c in uc.sis_user_changes(payloads, USERS) if c.op == "create").after
    with pytest.raises(ConfigurationError, match="email_conflicts must be one of"):
        uc.sis_user_changes(payloads, USERS, email_conflicts="shrug")


def test_update_changes_compare_only_the_fields_and_refuse_unknown_users():
    changes = uc.update_changes([{"school_uid": "P3", "building_id": "10", "additional_buildings": "11"}], USERS,
                                fields=["building_id", "additional_buildings"])
    assert [(c.id, c.before, c.after) for c in changes] == [(3, {"additional_buildings": ""}, {"additional_buildings": "11"})]
    (shown,) = uc.update_changes([{"school_uid": "P3", "building_id": "10", "additional_buildings": "11"}], USERS,
                                 fields=["building_id", "additional_buildings"], shown=["building_id"])
    assert (shown.before, shown.after) == ({"additional_buildings": "", "building_id": 10}, {"additional_buildings": "11", "building_id": "10"})
    assert uc.update_changes([{"school_uid": "P3", "building_id": "10"}], USERS, fields=["building_id"], shown=["building_id"]) == []
    with pytest.raises(RecordError, match="no user with school_uid 'X'"):
        uc.update_changes([{"school_uid": "X", "role_id": 1}], USERS, fields=["role_id"])
    with pytest.raises(RecordError, match="no user with uid '77'"):
        uc.update_changes([{"uid": "77", "role_id": 1}], USERS, fields=["role_id"])
    nameless = [*USERS, {"uid": "4", "id": 4, "school_uid": "", "role_id": 7}]
    (by_uid,) = uc.update_changes([{"uid": "4", "school_uid": "", "role_id": "6"}], nameless, fields=["role_id"])
    assert (by_uid.key, by_uid.id, by_uid.before, by_uid.after) == ({"uid": "4"}, 4, {"role_id": 7}, {"role_id": "6"})


def test_deactivation_reactivation_and_remap_changes():
    (delete,) = uc.deactivation_changes([{"uid": "2", "school_uid": "S2"}], USERS)
    assert (delete.op, delete.key, delete.id, delete.before) == ("delete", {"school_uid": "S2"}, "2", USERS[1])
    (back,) = uc.reactivation_changes([{"uid": "4", "school_uid": "S4", "option_reenroll": 0}])
    assert (back.op, back.id, back.after) == ("reactivate", "4", {"option_reenroll": 0})
    (remap,) = uc.remap_changes([{"uid": "1", "school_uid": "N1", "old_school_uid": "S1"}])
    assert (remap.key, remap.before, remap.after) == ({"uid": "1"}, {"school_uid": "S1"}, {"school_uid": "N1"})


def test_parent_links_rows_and_association_changes():
    assert uc.parent_links(USERS) == {("S1", "P3"), ("S2", "P3")}
    uc.check_association_rows([{"student_school_uid": "S1", "parent_school_uid": "P3"}], USERS)
    with pytest.raises(RecordError, match="line 2: column 'parent_school_uid': no active user with school_uid 'P9'"):
        uc.check_association_rows([{"student_school_uid": "S1", "parent_school_uid": "P9"}], USERS)
    link, unlink = uc.association_changes([
        {"student_school_uid": "S1", "parent_school_uid": "P8"},
        {"student_school_uid": "S2", "parent_school_uid": "P3", "delete": "1"},
    ])
    assert (link.op, link.before, link.after) == ("link", {"linked": False}, {"linked": True})
    assert (unlink.op, unlink.key) == ("unlink", {"student_school_uid": "S2", "parent_school_uid": "P3"})


def test_naming_file_and_require_rows_name_the_file_and_line():
    with pytest.raises(SourceFormatError) as info, uc.naming_file("/x/users.csv"):
        raise RecordError("line 4: column 'role': unknown role title 'X'", index=2)
    assert str(info.value) == "/x/users.csv, line 4: column 'role': unknown role title 'X'"
    with pytest.raises(SourceFormatError, match="no data rows"):
        uc.require_rows([], "/x/empty.csv")


def test_resolve_param_and_move_selection():
    buildings = building_lookup([{"id": 10, "building_code": "MHS"}, {"id": 11, "building_code": "NGA"}])
    assert uc.resolve_param(buildings, "nga", "building") == "11"
    with pytest.raises(ConfigurationError, match="parameter 'building': unknown building code 'NGX'; did you mean 'NGA'"):
        uc.resolve_param(buildings, "NGX", "building")
    assert [u["school_uid"] for u in uc.select_users_to_move(USERS, grad_years="2030, 2031")] == ["S1", "S2"]
    assert [u["school_uid"] for u in uc.select_users_to_move(USERS, building_ids=["11"])] == ["S2"]
    with pytest.raises(ConfigurationError, match="choose the users"):
        uc.select_users_to_move(USERS)
    with pytest.raises(ConfigurationError, match="no user matches"):
        uc.select_users_to_move(USERS, role_ids=["99"])
    with pytest.raises(RecordError, match="line 3: column 'school_uid'.*'S7'"):
        uc.select_users_to_move(USERS, school_uids=["S1", "S7"])


def test_select_inactive_filters_by_role_and_year():
    inactive = [{"uid": 8, "school_uid": "S8", "role_id": 5, "grad_year": "2026"},
                {"uid": 9, "school_uid": "T9", "role_id": 6, "grad_year": ""}]
    assert [u["school_uid"] for u in uc.select_inactive(inactive)] == ["S8", "T9"]
    assert [u["school_uid"] for u in uc.select_inactive(inactive, role_ids=["6"])] == ["T9"]
    assert [u["school_uid"] for u in uc.select_inactive(inactive, grad_years=["2026", ""])] == ["S8"]


def test_duplicate_rows_one_per_member():
    users = [{"uid": 1, "school_uid": "a", "primary_email": "A.b@gmail.com"}, {"uid": 2, "school_uid": "b", "primary_email": "ab@gmail.com"}]
    rows = duplicates.duplicate_rows(duplicates.find_duplicate_users(users), users)
    assert [(r["group"], r["rule"], r["school_uid"]) for r in rows] == [(1, "email", "a"), (1, "email", "b")]
    assert list(rows[0]) == list(duplicates.DUPLICATE_COLUMNS)


class _RecordingClient:
    """Stands in for the HTTP client in a unit test of ClientTarget.write: records each bulk call."""

    def __init__(self):
        self.calls = []

    def bulk(self, endpoint, items, *, method, params):
        self.calls.append((endpoint, method, params, items))
        return [SimpleNamespace(ok=True, response_code=201, id=i, message=None, row={}) for i, _ in enumerate(items)]


def test_client_target_sends_query_flags_per_group_and_keeps_input_order():
    client = _RecordingClient()
    target = ClientTarget.__new__(ClientTarget)
    target.client = client
    changes = [
        Change(1, "create", "users", {"school_uid": "a"}, None, {}, {"name_first": "A", "_query": {"ignore_email_conflicts": 1}}),
        Change(2, "create", "users", {"school_uid": "b"}, None, {}, {"name_first": "B"}),
        Change(3, "create", "users", {"school_uid": "c"}, None, {}, {"name_first": "C", "_query": {"ignore_email_conflicts": 1}}),
    ]
    results = target.write("users", "create", changes)
    assert [(p, [i["name_first"] for i in items]) for _, _, p, items in client.calls] == [
        ({"ignore_email_conflicts": 1}, ["A", "C"]), ({}, ["B"])
    ]
    assert [r.id for r in results] == [0, 0, 1], "results come back in the changes' order"
    assert route_for("users", "reactivate").item(Change(1, "reactivate", "users", {}, 7, {}, {"option_reenroll": 0})) == {
        "uid": 7, "option_reenroll": 0
    }
    memory = MemoryTarget({"users": []})
    memory.write("users", "create", changes[:1])
    assert "_query" not in memory.records["users"][0]


def test_remap_refuses_a_new_value_held_by_an_inactive_user():
    from schoology_etl.provisioning.users.uids import school_uid_remap_updates

    mapping = [{"old_school_uid": "S1", "new_school_uid": "S8"}]
    assert school_uid_remap_updates(USERS, mapping)[0]["school_uid"] == "S8"
    with pytest.raises(RecordError, match="line 2: new_school_uid 'S8' is held by inactive user 8"):
        school_uid_remap_updates(USERS, mapping, inactive_users=[{"uid": 8, "school_uid": "S8"}])


def test_email_clashes_name_the_holder_ignoring_case():
    users = [{"school_uid": "S1", "primary_email": "Ann.Lee@x.org"}, {"school_uid": "S2", "primary_email": ""},
             {"school_uid": "S3", "primary_email": "ann.lee@X.org"}]
    payloads = [{"school_uid": "S1", "primary_email": "ann.lee@x.org"}, {"school_uid": "S9", "primary_email": "ANN.LEE@x.org"},
                {"school_uid": "S2", "primary_email": ""}, {"school_uid": "S3", "primary_email": "ann.lee@X.org"}]
    assert uc.email_clashes(payloads, users) == [{"school_uid": "S9", "primary_email": "ANN.LEE@x.org", "held_by": "S1"}]


def test_a_returning_student_is_a_reactivation_not_a_new_account():
    active = [{"uid": "1", "school_uid": "S1", "name_first": "Ann", "name_last": "Lee"}]
    inactive = [{"uid": "7", "school_uid": "S7", "name_first": "Ben", "name_last": "Old"},
                {"uid": "8", "school_uid": "S1", "name_first": "Ann", "name_last": "Lee"}]  # an old copy of an active one
    payloads = [{"school_uid": "S1", "name_first": "Ann", "name_last": "Lee"},
                {"school_uid": "S7", "name_first": "Ben", "name_last": "New"},
                {"school_uid": "S9", "name_first": "Cy", "name_last": "Ng"}]
    changes = uc.sis_user_changes(payloads, active, inactive_users=inactive)
    assert [(c.seq, c.op, c.key, c.id, c.after) for c in changes] == [
        (1, "create", {"school_uid": "S9"}, None, {"school_uid": "S9", "name_first": "Cy", "name_last": "Ng"}),
        (2, "reactivate", {"school_uid": "S7"}, "7", {"option_reenroll": 0}),
    ]
    route = route_for("users", "reactivate")  # the documented body: PUT users/reactivate {"user": [{uid, option_reenroll}]}
    assert (route.endpoint, route.method, route.item(changes[1])) == ("users_reactivate", "PUT", {"uid": "7", "option_reenroll": 0})
    again = uc.sis_user_changes(payloads[1:2], active, inactive_users=inactive, reenroll=True)
    assert [(c.op, c.after) for c in again] == [("reactivate", {"option_reenroll": 1})]
    assert [c.op for c in uc.sis_user_changes(payloads[1:2], active)] == ["create"], "without the inactive list: as before"
