"""Job header parsing: the schema, defaults, and the shape of every error message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.header import HeaderError, parse_header, parse_header_text, parse_timeout

GOOD = """
title: Update parent buildings
description: Give every parent the buildings of their children.
category: Users
access: [provisioners]
mutates: true
timeout: 30m
params:
  behavior: {type: choice, label: Behavior, choices: [add, replace], default: add}
  allowed_buildings: {type: buildings, required: false, help: Empty means all.}
  limit: {type: int, min: 1, max: 100, default: 10}
  since: {type: date, default: 2024-01-31}
  code: {type: string, pattern: "[A-Z]{3}", default: ABC}
outputs: [parents.csv]
examples:
  - {behavior: add}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(HeaderError) as info:
        parse_header_text(text, "notebooks/jobs/x.ipynb")
    return info.value.lines()


def test_parses_a_full_header() -> None:
    h = parse_header_text(GOOD)
    assert h.title == "Update parent buildings"
    assert h.category == "Users"
    assert h.access == ("provisioners",)
    assert h.mutates is True
    assert h.timeout_seconds == 1800
    assert list(h.params) == ["behavior", "allowed_buildings", "limit", "since", "code"]
    assert h.params["behavior"].choices == ("add", "replace")
    assert h.params["since"].default == "2024-01-31"  # dates are ISO strings, JSON-ready
    assert h.defaults() == {"behavior": "add", "allowed_buildings": [], "limit": 10, "since": "2024-01-31", "code": "ABC"}
    assert h.outputs == ("parents.csv",)
    assert h.examples == ({"behavior": "add"},)
    assert json.loads(json.dumps(h.to_dict()))["params"]["limit"]["max"] == 100


def test_minimal_header_defaults() -> None:
    h = parse_header_text("title: T")
    assert (h.access, h.mutates, h.timeout_seconds, h.category, dict(h.params)) == (None, False, 1800, "Other", {})


def test_header_is_frozen() -> None:
    h = parse_header_text("title: T\nparams:\n  m: {type: multichoice, choices: [a, b], default: [a]}")
    with pytest.raises(AttributeError):
        h.title = "other"  # type: ignore[misc]
    spec = h.params["m"]
    hash(spec)  # field specs are immutable values
    spec.effective_default.append("b")
    assert h.defaults() == {"m": ["a"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: T\nparams:\n  behavior: {type: choice, choices: [add, replace], default: foo}",
         "notebooks/jobs/x.ipynb: params.behavior: default 'foo' is not one of the choices [add, replace]"),
        ("title: T\nparams:\n  n: {type: int, default: many}",
         "notebooks/jobs/x.ipynb: params.n: default: expected an integer, got 'many'"),
        ("title: T\nparams:\n  n: {type: number}",
         "notebooks/jobs/x.ipynb: params.n: type 'number' is not one of string, text, int, float, bool, date, "
         "choice, multichoice, file, buildings, roles, grading_periods"),
        ("title: T\nparams:\n  n: {type: int, colour: red}", "notebooks/jobs/x.ipynb: params.n: unknown key 'colour'"),
        ("title: T\nparams:\n  c: {type: choice}", "notebooks/jobs/x.ipynb: params.c: a choice field needs a non-empty list of choices"),
        ("title: T\nparams:\n  s: {type: int, choices: [1]}", "notebooks/jobs/x.ipynb: params.s: choices only apply"),
        ("title: T\nparams:\n  s: {type: string, pattern: '['}", "notebooks/jobs/x.ipynb: params.s: pattern '[' is not a valid"),
        ("title: T\nparams:\n  s: {type: int, pattern: 'a'}", "notebooks/jobs/x.ipynb: params.s: pattern only applies"),
        ("title: T\nparams:\n  b: {type: bool, min: 1}", "notebooks/jobs/x.ipynb: params.b: min does not apply to bool"),
        ("title: T\nparams:\n  n: {type: int, max: ten}", "notebooks/jobs/x.ipynb: params.n: max must be a number"),
        ("title: T\nparams:\n  n: {type: int, min: 5, default: 2}",
         "notebooks/jobs/x.ipynb: params.n: default: value 2 is below the minimum 5"),
        ("title: T\nparams:\n  n: {type: int, min: 5, max: 1}", "notebooks/jobs/x.ipynb: params.n: min 5 is above max 1"),
        ("title: T\nparams:\n  client: {type: string}", "notebooks/jobs/x.ipynb: params.client: 'client' is reserved"),
        ("title: T\nparams:\n  2x: {type: string}", "notebooks/jobs/x.ipynb: params.2x: the name must be a Python identifier"),
        ("title: T\nparams:\n  on: {type: bool}", "notebooks/jobs/x.ipynb: params.True: this name reads as a YAML boolean"),
        ("title: T\nparams:\n  n: int", "notebooks/jobs/x.ipynb: params.n: expected a mapping"),
        ("title: T\ntimeout: soon", "notebooks/jobs/x.ipynb: timeout: expected a duration like 30m, 90s or 2h, got 'soon'"),
        ("title: T\nmutates: maybe", "notebooks/jobs/x.ipynb: mutates: expected true or false, got 'maybe'"),
        ("title: T\naccess: admins", "notebooks/jobs/x.ipynb: access: expected a list of names"),
        ("title: T\nexamples: {a: 1}", "notebooks/jobs/x.ipynb: examples: expected a list of parameter mappings"),
        ("title: T\ncolour: red", "notebooks/jobs/x.ipynb: colour: unknown header key"),
        ("description: no title", "notebooks/jobs/x.ipynb: title: is required"),
        ("- a list", "notebooks/jobs/x.ipynb: the header must be a YAML mapping"),
        ("title: [unclosed", "notebooks/jobs/x.ipynb: the header is not valid YAML"),
    ],
)
def test_error_messages_name_notebook_field_and_problem(text: str, expected: str) -> None:
    lines = errors_of(text)
    assert any(line.startswith(expected) for line in lines), lines


def test_all_problems_reported_at_once() -> None:
    lines = errors_of("timeout: x\nparams:\n  a: {type: nope}\n  b: {type: int, default: z}")
    assert len(lines) == 4  # title, timeout, a, b
    assert {line.split(": ")[1] for line in lines} == {"title", "timeout", "params.a", "params.b"}


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("90s", 90), ("2h", 7200), ("1h30m", 5400), (" 5 m", 300)])
def test_parse_timeout(text: str, seconds: int) -> None:
    assert parse_timeout(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "0m", "3d", "m30", "30m junk", 30, True, None])
def test_parse_timeout_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        parse_timeout(text)


def write_nb(path: Path, cells: list[dict]) -> Path:
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_reads_header_from_raw_cell_without_executing(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    nb = write_nb(tmp_path / "j.ipynb", [
        {"cell_type": "raw", "metadata": {}, "source": ["title: Raw\n", "mutates: false\n"]},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [], "execution_count": None,
         "source": f"open({str(marker)!r}, 'w')"},
    ])
    assert parse_header(nb).title == "Raw"
    assert not marker.exists()


def test_first_cell_must_be_raw(tmp_path: Path) -> None:
    nb = write_nb(tmp_path / "j.ipynb", [{"cell_type": "markdown", "metadata": {}, "source": "title: T"}])
    with pytest.raises(HeaderError, match=r"j.ipynb: cell 1 is a markdown cell; it must be a raw cell"):
        parse_header(nb)


def test_not_a_notebook(tmp_path: Path) -> None:
    bad = tmp_path / "j.ipynb"
    bad.write_text("{not json")
    with pytest.raises(HeaderError, match=r"j.ipynb: cannot read the notebook"):
        parse_header(bad)
