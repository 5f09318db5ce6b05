"""The sandbox's compact tables read like dicts of records, copy on read, refuse what they cannot keep, stay small."""

from __future__ import annotations

import tracemalloc

import pytest

from schoology_sandbox.tables import EnrollmentTable, PackedRecords


def _user(uid: int, **extra: object) -> dict:
    return {"uid": uid, "school_uid": f"S{uid}", "name_first": "Zoë", "grad_year": "", "synced": 1,
            "additional_buildings": "", "picture_url": None, **extra}


def test_packed_records_read_back_equal_in_order_and_as_copies() -> None:
    table = PackedRecords()
    table[5] = _user(5)
    table[3] = _user(3, inactive_timestamp=17, meeting_days=["1", "3"])  # another set of fields
    assert list(table) == [5, 3] and len(table) == 2 and 3 in table and 4 not in table
    assert table[3] == _user(3, inactive_timestamp=17, meeting_days=["1", "3"])
    assert list(table[3]) == list(_user(3, inactive_timestamp=17, meeting_days=["1", "3"]))  # field order kept
    copy = table[5]
    copy["name_first"] = "changed"
    assert table[5]["name_first"] == "Zoë"  # a read is a copy; a change is stored again
    table[5] = copy
    assert table.get(5)["name_first"] == "changed" and table.get(9, "none") == "none"
    assert [u["uid"] for u in table.values()] == [5, 3] and [k for k, _ in table.items()] == [5, 3]
    assert table.pop(5)["uid"] == 5 and list(table) == [3]
    with pytest.raises(TypeError, match="record 7: a field holds a value that is not plain data"):
        table[7] = _user(7, when=object())
    assert 7 not in table


def test_enrollment_table_keeps_id_order_and_refuses_what_it_cannot_hold() -> None:
    table = EnrollmentTable()
    for eid in (10, 12, 15):
        table.add(eid, "section", 100, eid * 2, 0, 1)
    table[11] = {"id": 11, "realm": "group", "realm_id": 7, "uid": 3, "admin": 1, "status": 5}  # below the last id
    assert list(table) == [10, 11, 12, 15] and len(table) == 4
    assert table[11] == {"id": 11, "realm": "group", "realm_id": 7, "uid": 3, "admin": 1, "status": 5}
    del table[12]
    assert 12 not in table and list(table) == [10, 11, 15] and len(table) == 3
    with pytest.raises(KeyError):
        table[12]
    table[12] = {"id": 12, "realm": "section", "realm_id": 1, "uid": 2, "admin": 0, "status": 2}  # back again
    assert table[12]["uid"] == 2 and len(table) == 4
    for bad, field in (({"realm": "course"}, "'realm'"), ({"admin": 2}, "'admin'"), ({"uid": "7"}, "'uid'"),
                       ({"id": 99}, "'id'"), ({"extra": 1}, "fields must be")):
        row = {"id": 20, "realm": "section", "realm_id": 1, "uid": 2, "admin": 0, "status": 1, **bad}
        with pytest.raises(ValueError, match=f"enrollment 20: (field )?{field}"):
            table[20] = row
        assert 20 not in table  # nothing half-written
    with pytest.raises(ValueError, match="field 'realm'"):
        table.add(30, "course", 1, 2, 0, 1)
    assert 30 not in table and len(table) == 4
    table.add(31, "group", 7, 2, 0, 1)
    assert table.ids_of_user(2) == [12, 31] and table.ids_of_user(20) == [10] and table.ids_of_user(99) == []
    del table[12]
    assert table.ids_of_user(2) == [31] and EnrollmentTable().ids_of_user(2) == []


def test_enrollment_table_drops_its_holes_when_mostly_deleted() -> None:
    table = EnrollmentTable()
    for eid in range(1, 5001):
        table.add(eid, "section", 1, eid, 0, 1)
    for eid in range(1, 4001):
        del table[eid]
    assert len(table._ids) < 5000 and list(table) == list(range(4001, 5001))
    assert table[4500]["uid"] == 4500


def _bytes_each(make, n: int) -> float:
    tracemalloc.start()
    try:
        held = make(n)
        size = tracemalloc.get_traced_memory()[0]
        assert len(held) == n
        return size / n
    finally:
        tracemalloc.stop()


def test_the_tables_hold_a_fraction_of_a_dict_per_record() -> None:
    def users(n: int) -> PackedRecords:
        table = PackedRecords()
        for uid in range(100_000, 100_000 + n):
            table[uid] = _user(uid, username=f"user.name{uid}", primary_email=f"user.name{uid}@example.org",
                               name_display="Zoë Lee", role_id=100_005, building_id=100_001, tz_name="America/X")
        return table

    def enrollments(n: int) -> EnrollmentTable:
        table = EnrollmentTable()
        for eid in range(200_000, 200_000 + n):
            table.add(eid, "section", 150_000 + eid % 300, 100_000 + eid % 9000, 0, 1)
        return table

    assert _bytes_each(users, 20_000) < 300  # as dicts: over 1,000 bytes each
    assert _bytes_each(enrollments, 50_000) < 40  # as dicts: about 300 bytes each
