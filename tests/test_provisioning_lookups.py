"""Role / building / grading period resolvers."""

from __future__ import annotations

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.lookups import Lookup, building_lookup, grading_period_lookup, role_lookup

ROLES = [{"id": 11, "title": "Student"}, {"id": 12, "title": "Teacher"}, {"id": 13, "title": "School Admin"}]


def test_resolves_ignoring_case_and_spaces() -> None:
    roles = role_lookup(ROLES)
    assert roles.resolve("  school   ADMIN ") == "13"
    assert "teacher" in roles and "Parent" not in roles
    assert roles.names == ["School Admin", "Student", "Teacher"]


def test_unknown_value_names_line_column_value_and_near_matches() -> None:
    with pytest.raises(RecordError) as info:
        role_lookup(ROLES).resolve("Studnet", index=3, field="role")
    message = str(info.value)
    assert "line 5" in message and "'role'" in message and "'Studnet'" in message and "'Student'" in message
    assert info.value.index == 3


def test_unknown_without_near_match_has_no_hint() -> None:
    assert role_lookup(ROLES).problem("Zebra keeper") == "unknown role title 'Zebra keeper'"


def test_ambiguous_titles_refuse_to_resolve() -> None:
    roles = role_lookup([*ROLES, {"id": 99, "title": "student"}])
    assert roles.get("Student") is None
    with pytest.raises(RecordError, match="ambiguous"):
        roles.resolve("Student")


def test_buildings_by_code_and_periods_by_title() -> None:
    buildings = building_lookup([{"id": 5, "title": "Lakeside", "building_code": "LES"}])
    assert buildings.resolve("les") == "5"
    assert buildings.record("LES")["title"] == "Lakeside"
    periods = grading_period_lookup([{"id": 8, "title": "Term 1", "start": "2026-08-01", "end": "2026-12-01"}])
    assert periods.resolve("TERM 1") == "8"


def test_empty_list_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="role title"):
        role_lookup([])


def test_input_records_are_not_mutated() -> None:
    records = [dict(r) for r in ROLES]
    lookup = Lookup(records, key_field="title", kind="role title")
    lookup.record("Student")["title"] = "changed"
    assert records == ROLES and lookup.resolve("Student") == "11"
