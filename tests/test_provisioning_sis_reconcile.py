"""What an SIS users or enrollments file would change (read-only diffs)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.sis.membership_reconcile import (
    enrollment_file_diff,
    enrollment_rows,
    iter_enrollment_file_diff,
    parent_file_diff,
)
from schoology_etl.provisioning.sis.sis_reconcile import holds_everything, section_file_diff, section_rows, user_file_diff

USERS = [{"uid": 1, "school_uid": "S1", "name_last": "Lee", "role_id": 5, "building_id": 2, "primary_email": "a@x.org"},
         {"uid": 2, "school_uid": "S2", "name_last": "Kim", "role_id": 5, "building_id": 2},
         {"uid": 3, "school_uid": "T1", "name_last": "Ode", "role_id": 6, "building_id": 2},
         {"uid": 4, "school_uid": "", "name_last": "Admin"}]


def test_user_file_diff_adds_updates_field_by_field_and_removes():
    payloads = [{"school_uid": "S1", "name_last": "Lee-Reyes", "role_id": "5", "building_id": "2", "primary_email": "A@x.org"},
                {"school_uid": "T1", "name_last": "Ode", "role_id": "6", "building_id": "3"},
                {"school_uid": "S9", "name_last": "New", "role_id": "5", "building_id": "2"}]
    before = copy.deepcopy(USERS)
    diff = user_file_diff(payloads, USERS)
    assert USERS == before
    assert [(d["op"], d["key"]) for d in diff] == [("update", "S1"), ("update", "T1"), ("add", "S9"), ("remove", "S2")]
    assert diff[0]["changes"] == {"name_last": {"before": "Lee", "after": "Lee-Reyes"}}
    assert diff[1]["changes"] == {"building_id": {"before": 2, "after": "3"}}


def test_enrollment_file_diff_from_enroll_and_drop_rows():
    enrollments = [{"uid": 1, "admin": 0, "section_school_code": "A-01"}, {"uid": 3, "admin": 1, "section_school_code": "A-01"},
                   {"uid": 2, "admin": 0, "section_school_code": "B-01"}, {"uid": 4, "admin": 0, "section_school_code": "B-01"}]
    current = enrollment_rows(enrollments, USERS)
    assert current == [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
                       {"section_school_code": "A-01", "school_uid": "T1", "role": "teacher"},
                       {"section_school_code": "B-01", "school_uid": "S2", "role": "student"}]
    rows = [{"section_school_code": "A-01", "school_uid": "S2", "role": "student", "action": "enroll"},
            {"section_school_code": "A-01", "school_uid": "S1", "role": "student", "action": "enroll"},
            {"section_school_code": "A-01", "school_uid": "S1", "role": "teacher", "action": ""},
            {"section_school_code": "B-01", "school_uid": "S2", "role": "student", "action": "drop"},
            {"section_school_code": "B-01", "school_uid": "S1", "role": "student", "action": "drop"}]
    diff = enrollment_file_diff(rows, current, sections=["A-01", "B-01"], school_uids=["S1", "S2", "T1"])
    assert [(d["op"], d["key"]) for d in diff] == [("update", "A-01|S1"), ("add", "A-01|S2"), ("remove", "B-01|S2")]
    assert diff[0]["changes"] == {"role": {"before": "student", "after": "teacher"}}


@pytest.mark.parametrize("row, message", [
    ({"section_school_code": "Z-01", "school_uid": "S1", "action": "enroll"}, "line 2: column 'section_school_code': unknown value 'Z-01'"),
    ({"section_school_code": "A-01", "school_uid": "S7", "action": "enroll"}, "line 2: column 'school_uid': unknown value 'S7'"),
    ({"section_school_code": "A-01", "school_uid": "S1", "action": "move"}, "line 2: column 'action': 'move'"),
])
def test_enrollment_file_diff_names_bad_rows(row, message):
    with pytest.raises(RecordError, match=message):
        enrollment_file_diff([row], [], sections=["A-01"], school_uids=["S1"])


def test_a_file_of_every_enrollment_reports_what_only_schoology_has():
    current = [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
               {"section_school_code": "A-01", "school_uid": "S2", "role": "student"},
               {"section_school_code": "OLD-01", "school_uid": "S2", "role": "student"}]
    rows = [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
            {"section_school_code": "NEW-01", "school_uid": "S9", "role": "student"}]
    diff = enrollment_file_diff(rows, current, everything=True, active_sections=["A-01", "NEW-01"])
    assert [(d["op"], d["key"]) for d in diff] == [("add", "NEW-01|S9"), ("remove", "A-01|S2")]
    assert [(d["op"], d["key"]) for d in enrollment_file_diff(rows, current)] == [("add", "NEW-01|S9")]


@pytest.mark.parametrize("columns, holds, everything", [
    (["section_school_code", "school_uid", "role"], "auto", True),
    (["section_school_code", "school_uid", "role", "action"], "auto", False),
    (["section_school_code", "school_uid", "role", "action"], "everything", True),
    (["section_school_code", "school_uid", "role"], "changes", False),
])
def test_holds_everything(columns, holds, everything):
    assert holds_everything(columns, holds) is everything


def test_holds_everything_names_the_parameter():
    with pytest.raises(ConfigurationError, match="file_holds"):
        holds_everything([], "all")


def test_parent_file_diff_in_both_directions():
    current = {("S1", "P1"), ("S2", "P1"), ("S3", "P2")}
    rows = [{"student_school_uid": "S1", "parent_school_uid": "P1", "action": "link"},
            {"student_school_uid": "S4", "parent_school_uid": "P2", "action": ""},
            {"student_school_uid": "S2", "parent_school_uid": "P1", "action": "unlink"},
            {"student_school_uid": "S3", "parent_school_uid": "P9", "action": "unlink"}]
    diff = parent_file_diff(rows, current)
    assert [(d["op"], d["key"]) for d in diff] == [("add", "S4|P2"), ("remove", "S2|P1")]
    every = parent_file_diff(rows[:2], current, everything=True)
    assert [(d["op"], d["key"]) for d in every] == [("add", "S4|P2"), ("remove", "S2|P1"), ("remove", "S3|P2")]
    with pytest.raises(RecordError, match="line 4: column 'student_school_uid': no active user with school_uid 'S4'"):
        parent_file_diff([rows[0], rows[0], rows[1]], current, school_uids=["S1", "P1", "P2"])
    with pytest.raises(RecordError, match="line 2: column 'action': 'move'"):
        parent_file_diff([{"student_school_uid": "S1", "parent_school_uid": "P1", "action": "move"}], current)


def test_section_file_diff_adds_updates_and_removes_active_sections():
    sections = [
        {"section_school_code": code, "course_code": course, "section_title": title, "grading_periods": periods,
         "active": active}
        for code, course, title, periods, active in (("A-01", "A", "A 01", "7,8", 1), ("A-02", "A", "A 02", "7", 1),
                                                     ("B-01", "B", "B 01", "7", 1), ("OLD-01", "O", "Old", "6", 0))
    ]
    current = section_rows(sections, {"6": "2025", "7": "S1", "8": "S2"})
    assert current[0]["grading_periods"] == "S1;S2" and len(current) == 3
    rows = [{"course_code": course, "section_school_code": code, "section_title": title, "grading_periods": periods}
            for course, code, title, periods in (("A", "A-01", "A 01", "s2; S1"), ("A", "A-02", "A 02 (Honors)", "S2"),
                                                 ("C", "C-01", "C 01", "S1"))]
    diff = section_file_diff(rows, current)
    assert [(d["op"], d["key"]) for d in diff] == [("update", "A-02"), ("add", "C-01"), ("remove", "B-01")]
    assert diff[0]["changes"] == {"section_title": {"before": "A 02", "after": "A 02 (Honors)"},
                                  "grading_periods": {"before": "S1", "after": "S2"}}
    with pytest.raises(RecordError, match="repeat the key 'A-01'"):
        section_file_diff([rows[0], rows[0]], current)


def _enrollment_diff_in_memory(rows, current, *, everything, active_sections):
    """The enrollments diff as first written, with dicts: the reference for the streamed one."""
    have = {(r["section_school_code"].casefold(), r["school_uid"].casefold()): r for r in current}
    updates, adds, removes, named = [], [], [], set()
    for row in rows:
        code, uid = row["section_school_code"], row["school_uid"]
        action, role = row["action"].casefold() or "enroll", row["role"].casefold() or "student"
        key, pair = f"{code}|{uid}", (code.casefold(), uid.casefold())
        named.add(pair)
        existing = have.get(pair)
        if action == "drop" and existing is not None:
            removes.append({"op": "remove", "key": key, "before": existing})
        elif action == "enroll" and existing is None:
            adds.append({"op": "add", "key": key, "after": {"section_school_code": code, "school_uid": uid, "role": role}})
        elif action == "enroll" and existing is not None and existing["role"] != role:
            updates.append({"op": "update", "key": key, "changes": {"role": {"before": existing["role"], "after": role}},
                            "before": existing, "after": {**existing, "role": role}})
    if everything:
        active = {a.casefold() for a in active_sections} if active_sections is not None else None
        removes += [{"op": "remove", "key": f"{r['section_school_code']}|{r['school_uid']}", "before": r}
                    for k, r in have.items() if k not in named and (active is None or k[0] in active)]
    return updates + adds + removes


_codes, _uids = st.sampled_from(["A-01", "a-01", "B-01", "C|1"]), st.sampled_from(["S1", "s1", "S2", "T1"])
_file_rows = st.lists(st.fixed_dictionaries({"section_school_code": _codes, "school_uid": _uids,
                                             "role": st.sampled_from(["student", "Teacher", ""]),
                                             "action": st.sampled_from(["enroll", "drop", "DROP", ""])}), max_size=12)
_current_rows = st.lists(st.fixed_dictionaries({"section_school_code": _codes, "school_uid": _uids,
                                                "role": st.sampled_from(["student", "teacher"])}), max_size=12)


@given(_file_rows, _current_rows, st.booleans(), st.none() | st.lists(_codes, max_size=3), st.integers(1, 3))
def test_the_streamed_enrollments_diff_is_the_in_memory_diff_in_the_same_order(rows, current, everything, active, chunk):
    expected = _enrollment_diff_in_memory(rows, current, everything=everything, active_sections=active)
    streamed = list(iter_enrollment_file_diff(rows, current, everything=everything, active_sections=active, chunk_size=chunk))
    assert streamed == expected
    assert enrollment_file_diff(rows, current, everything=everything, active_sections=active) == expected


def test_an_enrollments_file_larger_than_a_chunk_spills_and_cleans_up_and_errors_before_reading_schoology(tmp_path):
    rows = [{"section_school_code": f"A-{n % 7}", "school_uid": f"S{n}", "role": "student", "action": ""}
            for n in range(40)]
    current = [{"section_school_code": f"A-{n % 7}", "school_uid": f"S{n}", "role": "teacher" if n % 3 else "student"}
               for n in range(20, 60)]
    diff = iter_enrollment_file_diff(rows, current, everything=True, chunk_size=5, tmpdir=str(tmp_path))
    first = next(diff)
    assert (first["op"], first["key"]) == ("update", "A-6|S20")
    assert len(list(tmp_path.iterdir())) > 8
    changes = [first, *diff]
    assert [sum(c["op"] == op for c in changes) for op in ("update", "add", "remove")] == [13, 20, 20]
    assert list(tmp_path.iterdir()) == []

    def schoology():
        raise AssertionError("Schoology was read before the file was checked")
        yield

    bad = [*rows[:6], {"section_school_code": "A-1", "school_uid": "S1", "role": "", "action": "move"}]
    with pytest.raises(RecordError, match="line 8: column 'action'") as caught:
        list(iter_enrollment_file_diff(bad, schoology(), chunk_size=2, tmpdir=str(tmp_path)))
    assert caught.value.index == 6 and list(tmp_path.iterdir()) == []


class _Client:
    """The reads a parents reconcile makes: users (whole records, as the API lists them), roles, and
    ``/users/{id}`` for a parent whose listing row has no ``child_uids``."""

    def __init__(self, users):
        self.users = users
        self.read_again = []

    def iter_records(self, kind, **_):
        return iter({"users": self.users, "roles": [{"id": 9, "title": "Parent"}]}[kind])

    def multiget(self, paths):
        self.read_again += paths
        return [{"child_uids": "3"} for _ in paths]


WHOLE = {"name_first": "Ann", "name_last": "Lee", "picture_url": "https://x/" + "p" * 200, "primary_email": "a@x.org"}
FAMILY = [{"uid": 4, "school_uid": "S1", "role_id": 5, "child_uids": None, **WHOLE},
          {"uid": 2, "school_uid": "P1", "role_id": 9, "child_uids": "4,3", **WHOLE},
          {"uid": 3, "school_uid": "S2", "role_id": 5, "child_uids": None, **WHOLE},
          {"uid": 7, "school_uid": "P2", "role_id": 9, **WHOLE},  # no child_uids in its row: read again
          {"uid": "x-9", "school_uid": "S3", "role_id": 5, "parent_uids": "7", **WHOLE},  # not a number, parent_uids
          {"uid": 8, "school_uid": "", "role_id": 9, "child_uids": "4", **WHOLE}]  # no school_uid: no link


def test_the_parents_reconcile_reads_the_links_parent_links_reads_through_an_index():
    from schoology_etl.provisioning.sis.membership_reconcile import current_parent_links
    from schoology_etl.provisioning.sis.sis_reconcile import reconcile_file
    from schoology_etl.provisioning.users.user_changes import parent_links

    client = _Client(FAMILY)
    index, links = current_parent_links(iter(FAMILY), client)
    assert set(links) == parent_links(FAMILY, client=_Client(FAMILY)) == {
        ("S1", "P1"), ("S2", "P1"), ("S2", "P2"), ("S3", "P2")}
    assert client.read_again == ["/users/7"] and index.get("x-9") == "S3" and index.get(8) is None
    rows = [{"student_school_uid": "s1", "parent_school_uid": "P1"}, {"student_school_uid": "S9", "parent_school_uid": "P1"}]
    diff = list(reconcile_file(_Client(FAMILY), "parents", rows, columns=["student_school_uid", "parent_school_uid"]))
    assert [(d["op"], d["key"]) for d in diff] == [("add", "S9|P1"), ("remove", "S2|P1"), ("remove", "S2|P2"),
                                                    ("remove", "S3|P2")]
    with pytest.raises(RecordError, match="line 3: column 'student_school_uid': no active user with school_uid 'S9'"):
        list(reconcile_file(_Client(FAMILY), "parents", [{**r, "action": "link"} for r in rows],
                            columns=["student_school_uid", "parent_school_uid", "action"]))


def _parent_diff_in_memory(rows, current, *, everything):
    """The parents diff as first written, with a dict: the reference for the streamed one."""
    have = {(s.casefold(), p.casefold()): (s, p) for s, p in current}
    adds, removes, named = [], [], set()
    for row in rows:
        pair = (row["student_school_uid"], row["parent_school_uid"])
        action = row["action"].casefold() or "link"
        folded = (pair[0].casefold(), pair[1].casefold())
        named.add(folded)
        link = {"student_school_uid": pair[0], "parent_school_uid": pair[1]}
        if action == "link" and folded not in have:
            adds.append({"op": "add", "key": "|".join(pair), "after": link})
        elif action == "unlink" and folded in have:
            removes.append({"op": "remove", "key": "|".join(pair), "before": link})
    if everything:
        removes += [{"op": "remove", "key": f"{s}|{p}", "before": {"student_school_uid": s, "parent_school_uid": p}}
                    for k, (s, p) in sorted(have.items()) if k not in named]
    return adds + removes


_people = st.sampled_from(["S1", "s1", "S2", "S10", "P1", "p1"])
_link_rows = st.lists(st.fixed_dictionaries({"student_school_uid": _people, "parent_school_uid": _people,
                                             "action": st.sampled_from(["link", "unlink", "UNLINK", ""])}), max_size=12)


@given(_link_rows, st.lists(st.tuples(_people, _people), max_size=10, unique_by=lambda p: (p[0].casefold(), p[1].casefold())),
       st.booleans(), st.integers(1, 3))
def test_the_streamed_parents_diff_is_the_in_memory_diff_in_the_same_order(rows, current, everything, chunk):
    from schoology_etl.provisioning.sis.membership_reconcile import iter_parent_file_diff

    expected = _parent_diff_in_memory(rows, current, everything=everything)
    assert list(iter_parent_file_diff(rows, current, everything=everything, chunk_size=chunk)) == expected
    assert parent_file_diff(rows, current, everything=everything) == expected


def test_the_school_uid_index_sorts_keeps_the_last_of_a_repeat_and_takes_any_uid():
    from schoology_etl.provisioning.sis.uid_index import SchoolUidIndex

    index = SchoolUidIndex.build([{"uid": 30, "school_uid": "A"}, {"id": "10", "school_uid": "B"},
                                  {"uid": 30, "school_uid": "C"}, {"uid": "ext-1", "school_uid": "D"},
                                  {"uid": 20, "school_uid": ""}, {"uid": "007", "school_uid": "E"}])
    assert dict(index) == {"7": "E", "10": "B", "30": "C", "ext-1": "D"}
    assert index.get("30") == "C" and index.get(20) is None and "10" in index and "20" not in index
    assert sorted(index.values()) == ["B", "C", "D", "E"] and len(index) == 4
    with pytest.raises(KeyError):
        index["20"]
