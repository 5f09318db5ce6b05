"""District files as they come: encodings, XLSX, Schoology's import layouts, SIS layouts with a saved map.

The demo district's changes are planned from its files in our layout, in Schoology's
import layouts and in one SIS-style layout with a saved map: the plans must be the same.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import schoology_etl as se
from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning import lookups
from schoology_etl.provisioning.courses import section_reads
from schoology_etl.provisioning.enrollments import enrollment_changes, enrollment_sections
from schoology_etl.provisioning.families import associations
from schoology_etl.provisioning.sis.layouts import ColumnMap, check_map, read_input, suggest_map
from schoology_etl.provisioning.users import user_changes
from schoology_etl.provisioning.users import user_mapping as sis_users

# Our users columns -> Schoology's user import headers.
SCHOOLOGY_USERS = {"school_uid": "User Unique ID", "name_first": "First Name", "name_last": "Last Name",
                   "role": "Role", "building_code": "School", "primary_email": "E-mail", "grad_year": "Grad Year",
                   "birthday_date": "Birthday", "additional_building_codes": "Additional Schools",
                   "name_middle": "Middle Name", "username": "Username"}
# An SIS export: its own headers (some no synonym knows), role codes and site numbers.
SIS_USERS = {"school_uid": "StudentNumber", "name_first": "Stu_Fname", "name_last": "Stu_Lname",
             "role": "PersonType", "building_code": "SiteNo", "primary_email": "EmailAddr", "grad_year": "Cohort",
             "birthday_date": "DOB", "additional_building_codes": "OtherSites", "name_middle": "Stu_Mname",
             "username": "LoginName"}
SIS_ROLES = {"Student": "STU", "Parent": "GRD", "Teacher": "TCH", "School Admin": "ADM", "System Admin": "SYS"}
SIS_SITES = {"LES": "101", "CRMS": "201", "MHS": "301", "NGA": "401"}
SAVED_SIS_MAP = {
    "kind": "users",
    "columns": {theirs: ours for ours, theirs in SIS_USERS.items()},
    "values": {"role": {code: title for title, code in SIS_ROLES.items()},
               "building_code": {no: code for code, no in SIS_SITES.items()},
               "additional_building_codes": {no: code for code, no in SIS_SITES.items()}},
}


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([int(v) if k in ("Grad Year",) and v else v for k, v in row.items()])
    book.save(path)
    return path


def _rename(rows: list[dict[str, str]], names: dict[str, str], values: dict[str, Any] | None = None) -> list[dict[str, str]]:
    values = values or {}
    out = []
    for row in rows:
        new = {}
        for ours, theirs in names.items():
            value = row.get(ours, "")
            convert = values.get(ours)
            new[theirs] = convert(value) if convert and value else value
        out.append(new)
    return out


@pytest.fixture
def district(sandbox_factory, _job_demo_data):
    """The demo district (the job tests' seed) and its lookups, read over HTTP."""
    server = sandbox_factory(seed=1, users=60)
    api = se.SchoologyClient(se.Credentials(base_url=server.base_url, key=server.key, secret=server.secret))
    roles = lookups.role_lookup(lookups.all_roles(api))
    schools = list(api.iter_records("schools"))
    buildings = lookups.building_lookup(
        [*schools, *(b for s in schools for b in api.iter_records("buildings", school_id=s["id"]))])
    yield {"api": api, "roles": roles, "buildings": buildings, "sis": _job_demo_data / "sis", "server": server}
    api.close()


def _user_plan(district: dict[str, Any], rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    payloads = sis_users.user_payloads(rows, roles=district["roles"], buildings=district["buildings"])
    users = list(district["api"].iter_records("users"))
    return [c.to_dict() for c in user_changes.sis_user_changes(payloads, users, email_conflicts="fail")]


# -- the same plan from every layout -------------------------------------------------------

def test_users_in_schoology_layout_xlsx_and_sis_layout_with_saved_map_plan_as_today(district, tmp_path):
    ours = _read(district["sis"] / "users.csv")
    titles = {"MHS": "Maplewood High School", "NGA": "Northgate Academy"}  # some schools named by title
    schoology = _write_xlsx(tmp_path / "Users Export.xlsx", _rename(
        ours, SCHOOLOGY_USERS, {"building_code": lambda v: titles.get(v, v)}))
    sis_file = _write_csv(tmp_path / "sis_people.csv", _rename(
        ours, SIS_USERS, {"role": SIS_ROLES.get, "building_code": SIS_SITES.get,
                          "additional_building_codes": lambda v: ";".join(SIS_SITES[c] for c in v.split(";"))}),
        encoding="cp1252")
    lookups_ = {"roles": district["roles"], "buildings": district["buildings"]}

    today = _user_plan(district, read_input(district["sis"] / "users.csv", "users", **lookups_))
    from_schoology = read_input(schoology, "users", **lookups_)
    from_sis = read_input(sis_file, "users", column_map=json.dumps(SAVED_SIS_MAP), **lookups_)

    assert today, "the demo district's file has changes to plan"
    assert from_schoology.encoding == "xlsx"
    assert _user_plan(district, from_schoology) == today
    assert _user_plan(district, from_sis) == today
    assert "User Unique ID -> school_uid" in from_schoology.summary()


def test_enrollments_and_parents_in_schoology_layouts_plan_as_today(district, tmp_path):
    api = district["api"]
    enrollments = _read(district["sis"] / "enrollments.csv")
    types = {"teacher": "1", "student": "2"}
    schoology = _write_csv(tmp_path / "enrollments.csv", [
        {"Course Code": r["section_school_code"].rsplit("-", 1)[0], "Section School Code": r["section_school_code"],
         "User Unique ID": r["school_uid"], "Enrollment Type": types[r["role"]], "action": r["action"]}
        for r in enrollments])

    def enrollment_plan(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        codes = sorted({r["section_school_code"] for r in rows})
        uids = sorted({r["school_uid"] for r in rows})
        sections = list(api.iter_records("sections", section_school_codes=",".join(codes), include_past=1))
        users = list(api.iter_records("users", school_uids=",".join(uids)))
        current = section_reads.read_section_enrollments(api, sections)
        changes, _ = enrollment_changes.import_enrollment_changes(rows, sections=sections, users=users, current=current)
        return [c.to_dict() for c in changes]

    mapped = read_input(schoology, "enrollments")
    assert mapped.renamed == {"Course Code": "course_code", "Section School Code": "section_school_code",
                              "User Unique ID": "school_uid", "Enrollment Type": "role"}
    assert enrollment_plan(mapped) == enrollment_plan(read_input(district["sis"] / "enrollments.csv", "enrollments"))

    parents = _read(district["sis"] / "parents.csv")
    linked = [r for r in parents if r["action"] in ("", "link")]
    schoology_parents = _write_csv(tmp_path / "parents.csv", [
        {"Parent User Unique ID": r["parent_school_uid"], "Student User Unique ID": r["student_school_uid"]}
        for r in linked])
    users = list(api.iter_records("users"))
    links = user_changes.parent_links(users, client=api)

    def parent_plan(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        items = associations.association_items(rows, current_links=links)
        return [c.to_dict() for c in user_changes.association_changes(items)]

    ours_linked = [dict(r, action="") for r in linked]
    assert parent_plan(read_input(schoology_parents, "parents")) == parent_plan(ours_linked)
    assert parent_plan(ours_linked), "the demo district's file links parents"


def test_enrollments_naming_sections_by_course_code_and_section_code_plan_as_today(district, tmp_path):
    """Schoology's other way to name a section: Course Code + Section Code, resolved by reads."""
    api, server = district["api"], district["server"]
    state = server.state()
    courses = {str(c["id"]): c["course_code"] for c in state["courses"].values()}
    pairs = {s["section_school_code"]: (courses[str(s["course_id"])], s["section_code"]) for s in state["sections"].values()}
    ours = _read(district["sis"] / "enrollments.csv")
    types = {"teacher": "1", "student": "2"}
    both_ways = []  # even rows by course code + section code, odd rows by section school code
    for n, r in enumerate(ours):
        course, section = pairs[r["section_school_code"]] if n % 2 == 0 else ("", "")
        both_ways.append({"Course Code": course, "Section Code": section,
                          "Section School Code": "" if n % 2 == 0 else r["section_school_code"],
                          "User Unique ID": r["school_uid"], "Enrollment Type": types[r["role"]], "action": r["action"]})
    only_pairs = [{k: v for k, v in dict(row, **dict(zip(("Course Code", "Section Code"), pairs[r["section_school_code"]], strict=True))).items()
                   if k != "Section School Code"} for row, r in zip(both_ways, ours, strict=True)]
    mixed = _write_csv(tmp_path / "enrollments_mixed.csv", both_ways)
    by_pair = _write_xlsx(tmp_path / "Enrollments.xlsx", only_pairs)

    def enrollment_plan(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        rows = enrollment_sections.resolve_section_codes(api, rows)
        codes = sorted({r["section_school_code"] for r in rows})
        uids = sorted({r["school_uid"] for r in rows})
        sections = list(api.iter_records("sections", section_school_codes=",".join(codes), include_past=1))
        users = list(api.iter_records("users", school_uids=",".join(uids)))
        current = section_reads.read_section_enrollments(api, sections)
        changes, _ = enrollment_changes.import_enrollment_changes(rows, sections=sections, users=users, current=current)
        return [c.to_dict() for c in changes]

    today = enrollment_plan(read_input(district["sis"] / "enrollments.csv", "enrollments"))
    assert today, "the demo district's file has changes to plan"
    from_pairs = read_input(by_pair, "enrollments")
    assert from_pairs.renamed == {"Course Code": "course_code", "Section Code": "section_code",
                                  "User Unique ID": "school_uid", "Enrollment Type": "role"}
    assert enrollment_plan(read_input(mixed, "enrollments")) == today
    before = api.stats.requests
    resolved = enrollment_sections.resolve_section_codes(api, from_pairs)
    named = {pairs[r["section_school_code"]][0] for r in ours}
    pages = -(-len(state["courses"]) // 200)
    assert api.stats.requests - before == pages + -(-len(named) // 50)  # courses, then one multiget per 50 courses
    assert [r["section_school_code"] for r in resolved] == [r["section_school_code"] for r in ours]
    assert enrollment_plan(from_pairs) == today


# -- maps and values -------------------------------------------------------------------------

def test_suggested_map_ignores_case_spacing_and_knows_synonyms():
    header = ["student  number", "FIRST_NAME", "Surname", "E-Mail Address", "Building", "Date of Birth", "Notes"]
    suggested = suggest_map(header, "users")
    assert suggested.columns == {"student  number": "school_uid", "FIRST_NAME": "name_first", "Surname": "name_last",
                                 "E-Mail Address": "primary_email", "Building": "building_code",
                                 "Date of Birth": "birthday_date"}
    saved = ColumnMap("users", {"Notes": "name_middle"})
    assert suggest_map(header, "users", saved=saved).columns["Notes"] == "name_middle"


def test_building_roles_schools_by_title_and_enrollment_types_map(district, tmp_path):
    path = _write_csv(tmp_path / "staff.csv", [
        {"User Unique ID": "T1", "First Name": "Ana", "Last Name": "Li", "Role": "Teacher (Northgate)",
         "School": "northgate academy", "E-mail": "ana.li@example.org"},
        {"User Unique ID": "T2", "First Name": "Bo", "Last Name": "Ng", "Role": "Teacher (NG)", "School": "NGA",
         "E-mail": "bo.ng@example.org"},
    ])
    column_map = suggest_map(["User Unique ID", "First Name", "Last Name", "Role", "School", "E-mail"], "users")
    check = check_map(path, column_map, roles=district["roles"], buildings=district["buildings"])
    assert check.unmapped_values == {"role": ["Teacher (NG)"]}
    assert not check.ok and "'Teacher (NG)'" in check.problems()[0]
    column_map.values["role"] = {"Teacher (NG)": "Teacher (Northgate)"}
    check = check_map(path, column_map, roles=district["roles"], buildings=district["buildings"])
    assert check.ok and [r["role"] for r in check.rows] == ["Teacher (Northgate)"] * 2
    assert [r["building_code"] for r in check.rows] == ["NGA", "NGA"]
    payloads = sis_users.user_payloads(check.rows, roles=district["roles"], buildings=district["buildings"])
    building_role = next(r for r in lookups.all_roles(district["api"]) if r["title"] == "Teacher (Northgate)")
    assert {p["role_id"] for p in payloads} == {str(building_role["id"])}

    enrollments = _write_csv(tmp_path / "e.csv", [{"Section School Code": "X-1", "User Unique ID": "T1",
                                                  "Enrollment Type": t} for t in ("1", "2", "Admin", "member")])
    assert [r["role"] for r in read_input(enrollments, "enrollments")] == ["teacher", "student", "teacher", "student"]


def test_missing_column_and_bad_maps_are_named(tmp_path):
    path = _write_csv(tmp_path / "people.csv", [{"Pupil": "S1", "Given": "Ana"}])
    with pytest.raises(SourceFormatError) as info:
        read_input(path, "users")
    message = str(info.value)
    assert "'school_uid'" in message and "'Pupil'" in message and "column_map" in message and "people.csv" in message
    with pytest.raises(SourceFormatError, match="'Student ID'.*does not have"):
        read_input(path, "users", column_map={"kind": "users", "columns": {"Student ID": "school_uid"}})
    with pytest.raises(ConfigurationError, match="unknown target column.*'grade'"):
        ColumnMap.parse('{"kind": "users", "columns": {"Pupil": "grade"}}', kind="users")
    with pytest.raises(ConfigurationError, match="for 'users' files, this job reads 'enrollments'"):
        ColumnMap.parse({"kind": "users", "columns": {}}, kind="enrollments")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        ColumnMap.parse("{oops", kind="users")


def test_a_windows_csv_with_accents_is_read_and_its_encoding_named(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes("school_uid,name_first,name_last,role,building_code\r\nS1,Zoë,Núñez,Student,MHS\r\n"
                     .encode("cp1252"))
    rows = read_input(path, "users")
    assert rows[0]["name_first"] == "Zoë" and rows[0]["name_last"] == "Núñez"
    assert "CSV, cp1252 text" in rows.summary()
    assert se.read_table(path).encoding == "cp1252"


def test_xlsx_cells_read_as_csv_text(tmp_path):
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.append(["school_uid", "grad_year", "birthday_date", "name_first"])
    book.active.append([1001, 2030.0, dt.datetime(2012, 5, 4), None])
    book.active.append([None, None, None, None])
    book.save(tmp_path / "u.xlsx")
    assert list(se.read_table(tmp_path / "u.xlsx")) == [
        {"school_uid": "1001", "grad_year": "2030", "birthday_date": "2012-05-04", "name_first": ""}]


# -- demo files only for the sandbox ---------------------------------------------------------

def test_demo_files_only_for_the_sandbox_client(monkeypatch, _job_demo_data):
    monkeypatch.setenv("TOOLBELT_DEMO_DIR", str(_job_demo_data))
    real = se.Credentials(base_url="https://api.schoology.com/v1", key="k", secret="s" * 8)
    with pytest.raises(ConfigurationError, match="parameter 'users_csv' is empty: give the district's file"):
        se.input_file(None, "users.csv", client=se.SchoologyClient(real), param="users_csv")
    sandbox = se.SchoologyClient(se.Credentials(base_url="http://127.0.0.1:9/v1", key="k", secret="s" * 8))
    assert se.input_file("", "users.csv", client=sandbox, param="users_csv") == _job_demo_data / "sis" / "users.csv"
    with pytest.raises(ConfigurationError, match="parameter 'users_csv': no file at"):
        se.input_file("/nonexistent/users.csv", "users.csv", client=sandbox, param="users_csv")
