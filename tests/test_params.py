"""Parameter validation: coercion of CLI strings and typed values, defaults, every constraint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.header import parse_header_text
from runner.params import ParamsInvalid, parse_cli_params, validate_params

HEADER = parse_header_text("""
title: T
params:
  name: {type: string, required: true, pattern: "[a-z]+", min: 2, max: 8}
  notes: {type: text}
  n: {type: int, min: 1, max: 10, default: 5}
  ratio: {type: float, min: 0, max: 1, default: 0.5}
  dry: {type: bool, default: true}
  day: {type: date, min: 2024-01-01, max: 2024-12-31}
  mode: {type: choice, choices: [add, replace], default: add}
  tags: {type: multichoice, choices: [a, b, c], max: 2}
  size: {type: choice, choices: [1, 2, 3]}
  input: {type: file}
  buildings: {type: buildings}
  roles: {type: roles, required: true}
  periods: {type: grading_periods}
""")


def ok(**raw: object) -> dict:
    return validate_params(HEADER, {"name": "abc", "roles": "7", **raw})


def invalid(**raw: object) -> dict[str, str]:
    with pytest.raises(ParamsInvalid) as info:
        validate_params(HEADER, {"name": "abc", "roles": "7", **raw})
    return info.value.errors


def test_defaults_applied() -> None:
    assert ok() == {
        "name": "abc", "notes": None, "n": 5, "ratio": 0.5, "dry": True, "day": None, "mode": "add",
        "tags": [], "size": None, "input": None, "buildings": [], "roles": ["7"], "periods": [],
    }


def test_cli_strings_coerced() -> None:
    got = ok(n="7", ratio="0.25", dry="false", day="2024-01-31", mode="replace", tags="a, c",
             size="2", buildings="10,11,10", periods="3")
    assert got["n"] == 7 and got["ratio"] == 0.25 and got["dry"] is False
    assert got["day"] == "2024-01-31" and got["mode"] == "replace" and got["tags"] == ["a", "c"]
    assert got["size"] == 2 and got["buildings"] == ["10", "11"] and got["periods"] == ["3"]


def test_typed_values_coerced() -> None:
    got = ok(n=7, ratio=1, dry=False, day=dt.date(2024, 2, 1), tags=["b"], buildings=[10, "11"])
    assert (got["n"], got["ratio"], got["dry"], got["day"], got["tags"], got["buildings"]) == (
        7, 1.0, False, "2024-02-01", ["b"], ["10", "11"])


def test_empty_cli_string_means_default() -> None:
    assert ok(n="")["n"] == 5


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"n": "five"}, "n", "expected an integer, got 'five'"),
        ({"n": True}, "n", "expected an integer, got True"),
        ({"n": "0"}, "n", "value 0 is below the minimum 1"),
        ({"n": 11}, "n", "value 11 is above the maximum 10"),
        ({"ratio": "nan"}, "ratio", "expected a number, got 'nan'"),
        ({"ratio": "1.5"}, "ratio", "value 1.5 is above the maximum 1"),
        ({"dry": "perhaps"}, "dry", "expected true or false, got 'perhaps'"),
        ({"day": "31/01/2024"}, "day", "expected a date YYYY-MM-DD, got '31/01/2024'"),
        ({"day": "2023-12-31"}, "day", "value '2023-12-31' is below the minimum '2024-01-01'"),
        ({"mode": "merge"}, "mode", "'merge' is not one of the choices [add, replace]"),
        ({"tags": "a,z"}, "tags", "'z' is not one of the choices [a, b, c]"),
        ({"tags": "a,b,c"}, "tags", "number of items 3 is above the maximum 2"),
        ({"name": "ABC"}, "name", "'ABC' does not match the pattern '[a-z]+'"),
        ({"name": "a"}, "name", "length 1 is below the minimum 2"),
        ({"name": ""}, "name", "is required"),
        ({"roles": ""}, "roles", "is required"),
        ({"roles": [None]}, "roles", "expected ids, got None"),
        ({"bogus": 1}, "bogus", "unknown parameter (this job takes: name, notes"),
    ],
)
def test_constraints(raw: dict, field: str, message: str) -> None:
    errors = invalid(**raw)
    assert errors[field].startswith(message), errors


def test_all_errors_reported_not_only_the_first() -> None:
    with pytest.raises(ParamsInvalid) as info:
        validate_params(HEADER, {"n": "x", "mode": "y", "extra": 1})
    assert set(info.value.errors) == {"n", "mode", "extra", "name", "roles"}
    assert "n: expected an integer" in str(info.value)


def test_file_param_checked(tmp_path: Path) -> None:
    good = tmp_path / "in.csv"
    good.write_text("id,name\n1,a\n")
    assert ok(input=str(good))["input"] == str(good.resolve())
    assert validate_params(HEADER, {"name": "abc", "roles": "1", "input": "in.csv"}, base_dir=tmp_path)["input"] == str(good)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "is empty or has no header row" in invalid(input=str(empty))["input"]
    assert "does not exist" in invalid(input=str(tmp_path / "missing.csv"))["input"]
    assert "is a folder, not a file" in invalid(input=str(tmp_path))["input"]  # not "does not exist"
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02\x03\xff\xfe\x00\x00\x89PNG")
    assert "not text in any encoding" in invalid(input=str(binary))["input"]
    windows = tmp_path / "windows.csv"  # Excel on Windows: cp1252, read instead of refused
    windows.write_bytes("id,name\r\n1,Zoë Núñez\r\n".encode("cp1252"))
    assert ok(input=str(windows))["input"] == str(windows.resolve())
    broken = tmp_path / "broken.csv"
    broken.write_text('id,name\n1,"unterminated\n')
    with pytest.raises(ParamsInvalid):
        validate_params(HEADER, {"name": "abc", "roles": "1", "input": str(broken)})


def test_file_check_can_be_skipped(tmp_path: Path) -> None:
    got = validate_params(HEADER, {"name": "abc", "roles": "1", "input": "nope.csv"}, base_dir=tmp_path, check_files=False)
    assert got["input"] == str(tmp_path / "nope.csv")


def test_parse_cli_params() -> None:
    assert parse_cli_params(["n=5", "name=a=b", "empty="]) == {"n": "5", "name": "a=b", "empty": ""}
    with pytest.raises(ParamsInvalid, match="expected name=value"):
        parse_cli_params(["n"])
    with pytest.raises(ParamsInvalid, match="given more than once"):
        parse_cli_params(["n=1", "n=2"])


@given(st.integers(min_value=1, max_value=10))
def test_int_round_trip(n: int) -> None:
    assert ok(n=str(n))["n"] == ok(n=n)["n"] == n


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_float_round_trip(x: float) -> None:
    assert ok(ratio=repr(x))["ratio"] == ok(ratio=x)["ratio"] == x


@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31)))
def test_date_round_trip(d: dt.date) -> None:
    assert ok(day=d.isoformat())["day"] == ok(day=d)["day"] == d.isoformat()


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True))
def test_multichoice_round_trip(tags: list[str]) -> None:
    assert ok(tags=",".join(tags))["tags"] == ok(tags=tags)["tags"] == tags


@given(st.booleans())
def test_bool_round_trip(b: bool) -> None:
    assert ok(dry=str(b).lower())["dry"] is ok(dry=b)["dry"] is b
