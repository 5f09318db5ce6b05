"""Desired-vs-current diff."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.sis.reconcile import diff_counts, diff_records, field_changes, iter_diff_records


def test_updates_adds_removes_field_by_field() -> None:
    desired = [
        {"school_uid": "S1", "name_last": "Lee", "grad_year": 2030, "primary_email": "A@X.org"},
        {"school_uid": "S2", "name_last": "New"},
    ]
    current = [
        {"school_uid": "S3", "name_last": "Gone"},
        {"school_uid": "S1", "name_last": "Li", "grad_year": "2030", "primary_email": "a@x.org", "uid": 7},
    ]
    diff = diff_records(desired, current, key="school_uid")
    assert diff_counts(diff) == {"add": 1, "update": 1, "remove": 1}
    assert diff[0]["after"] == {"school_uid": "S1", "name_last": "Lee", "grad_year": "2030", "primary_email": "a@x.org", "uid": 7}
    assert field_changes(diff) == [
        {"op": "update", "key": "S1", "field": "name_last", "before": "Li", "after": "Lee"},
        {"op": "add", "key": "S2", "field": None, "before": None, "after": None},
        {"op": "remove", "key": "S3", "field": None, "before": None, "after": None},
    ]
    assert [c["op"] for c in diff_records(desired, current, key="school_uid", removes=False)] == ["update", "add"]


def test_compound_keys_and_restricted_fields() -> None:
    desired = [{"g": "A", "u": "1", "admin": "1", "note": "x"}]
    current = [{"g": "A", "u": "1", "admin": "0", "note": "y"}]
    diff = diff_records(desired, current, key=("g", "u"), fields=["admin"])
    assert diff[0]["key"] == "A|1" and list(diff[0]["changes"]) == ["admin"]


def test_repeated_or_missing_keys_are_errors() -> None:
    with pytest.raises(RecordError, match="desired records repeat the key 'S1'"):
        diff_records([{"k": "S1"}, {"k": "S1"}], [], key="k")
    with pytest.raises(RecordError, match="current record 0 has no value for key 'k'"):
        diff_records([], [{"k": " "}], key="k")


records = st.dictionaries(
    st.sampled_from([f"S{n}" for n in range(8)]),
    st.fixed_dictionaries({"a": st.sampled_from(["", "x", "y"]), "b": st.integers(0, 2)}),
)


@given(records, records)
def test_applying_the_diff_gives_the_desired_records(want: dict, have: dict) -> None:
    desired = [{"k": k, **v} for k, v in want.items()]
    current = [{"k": k, **v, "id": k.lower()} for k, v in have.items()]
    frozen = copy.deepcopy((desired, current))
    diff = diff_records(desired, current, key="k")
    assert (desired, current) == frozen
    result = {r["k"]: r for r in current}
    for change in diff:
        if change["op"] == "remove":
            del result[change["key"]]
        else:
            result[change["key"]] = change["after"]
    assert {k: {f: str(r[f]) for f in ("a", "b")} for k, r in result.items()} == {
        r["k"]: {f: str(r[f]) for f in ("a", "b")} for r in desired
    }
    assert diff_records(list(result.values()), list(result.values()), key="k") == []


@given(records, records, st.integers(1, 3))
def test_the_streamed_diff_spilled_to_files_is_the_same_diff_in_the_same_order(want: dict, have: dict, chunk: int) -> None:
    desired = [{"k": k, **v} for k, v in reversed(want.items())]
    current = [{"k": k, **v, "id": k.lower()} for k, v in have.items()]
    streamed = list(iter_diff_records(desired, current, key="k", chunk_size=chunk))
    assert streamed == diff_records(desired, current, key="k")
    assert [c["op"] for c in streamed] == sorted((c["op"] for c in streamed), key=["update", "add", "remove"].index)
    assert [c["key"] for c in streamed if c["op"] == "add"] == [r["k"] for r in desired if r["k"] not in have]
    assert [c["key"] for c in streamed if c["op"] == "remove"] == [r["k"] for r in current if r["k"] not in want]


def test_a_diff_larger_than_a_chunk_spills_to_temporary_files_and_removes_them(tmp_path) -> None:
    desired = [{"k": f"S{n:03d}", "a": "x"} for n in range(50)]
    current = [{"k": f"S{n:03d}", "a": "y" if n % 2 else "x"} for n in range(25, 75)]
    changes = iter_diff_records(desired, current, key="k", chunk_size=10, tmpdir=str(tmp_path))
    first = next(changes)
    assert first["op"] == "update" and first["key"] == "S025"
    assert len(list(tmp_path.iterdir())) > 4  # both sides and the changes were spilled
    rest = list(changes)
    assert diff_counts([first, *rest]) == {"add": 25, "update": 13, "remove": 25}
    assert list(tmp_path.iterdir()) == []


def test_a_repeated_key_is_an_error_naming_the_later_record_even_across_chunks() -> None:
    desired = [{"k": f"S{n}"} for n in range(9)] + [{"k": "S3"}]
    with pytest.raises(RecordError, match="desired records repeat the key 'S3'") as caught:
        list(iter_diff_records(desired, [], key="k", chunk_size=2))
    assert caught.value.index == 9
