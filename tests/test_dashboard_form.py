"""The generated job form: one widget per field type, validation shown beside the fields."""

import datetime as dt

from runner.dashboard.form import JobForm, csv_preview_html
from runner.header import parse_header_text

HEADER = """
title: Everything
params:
  name: {type: string, label: Name, required: true, pattern: '^[a-z]+$', help: lower case}
  notes: {type: text, label: Notes, required: false}
  count: {type: int, label: Count, default: 5, min: 1, max: 10}
  ratio: {type: float, label: Ratio, default: 0.5}
  dry: {type: bool, label: Dry run, default: true}
  when: {type: date, label: When, required: false}
  behavior: {type: choice, label: Behavior, choices: [add, replace], default: add}
  tags: {type: multichoice, label: Tags, choices: [a, b, c], required: false}
  roster: {type: file, label: Roster, required: false}
  buildings: {type: buildings, label: Buildings, required: false}
"""


def make_form(tmp_path, loader=None):
    header = parse_header_text(HEADER)
    return JobForm("everything", header, upload_dir=tmp_path, load_choices=loader)


def test_every_field_type_gets_a_widget_with_its_default(tmp_path):
    form = make_form(tmp_path, loader=lambda kind: [("North High", "11"), ("South High", "12")])
    assert set(form.fields) == {"name", "notes", "count", "ratio", "dry", "when", "behavior", "tags", "roster", "buildings"}
    assert form.fields["count"].input.value == "5"
    assert form.fields["dry"].input.value is True
    assert form.fields["behavior"].input.value == "add"
    assert [o[1] for o in form.fields["buildings"].input.options] == ["11", "12"]
    assert form.fields["name"].input.description == "Name *"  # the label is the input's own, with the required marker
    assert form.fields["count"].input.description == "Count"


def test_bad_values_are_explained_beside_their_fields_and_nothing_is_returned(tmp_path):
    form = make_form(tmp_path)
    form.fields["name"].input.value = "Not Lower"
    form.fields["count"].input.value = "eleven"
    assert form.validate() is None
    assert "pattern" in form.fields["name"].error.value or "match" in form.fields["name"].error.value
    assert "integer" in form.fields["count"].error.value
    assert form.fields["ratio"].error.value == ""
    assert "2 fields to fix" in form.summary.value


def test_valid_values_come_back_coerced(tmp_path):
    form = make_form(tmp_path, loader=lambda kind: [("North High", "11")])
    form.fields["name"].input.value = "alice"
    form.fields["count"].input.value = "7"
    form.fields["when"].input.value = dt.date(2026, 1, 31)
    form.fields["tags"].input.value = ("a", "c")
    form.fields["buildings"].input.value = ("11",)
    params = form.validate()
    assert params is not None
    assert params["name"] == "alice" and params["count"] == 7 and params["when"] == "2026-01-31"
    assert params["tags"] == ["a", "c"] and params["buildings"] == ["11"] and params["dry"] is True


def test_upload_is_saved_and_previewed(tmp_path):
    form = make_form(tmp_path)
    field = form.fields["roster"]
    content = b"school_uid,name_first\nS1,Ada\nS2,Bob\n"
    field._on_upload({"new": [{"name": "../roster.csv", "content": memoryview(content)}]})
    assert field.uploaded_path is not None and field.uploaded_path.read_bytes() == content
    assert field.uploaded_path.parent.parent == tmp_path  # the client's file name cannot escape the upload dir
    assert "<th>school_uid</th>" in field.preview.value and "Ada" in field.preview.value
    form.fields["name"].input.value = "alice"
    assert form.validate()["roster"] == str(field.uploaded_path)


def test_preview_of_an_empty_file_says_so(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in csv_preview_html(empty)
