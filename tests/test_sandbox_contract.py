"""The sandbox against the field contract (schoology_sandbox/contract.yaml), route by route.

Every route of the sandbox's route table has a probe here (a test fails when a route has
none, or when the contract lacks a route), and each probe's answer is checked against
the contract: exactly the documented fields, the documented ``total`` type and links,
field types, status and row codes. Each write is also sent once with an undocumented
field and, where one exists, an undocumented body shape: both must be refused with 400
and change nothing.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from schoology_sandbox import SandboxConfig, SandboxServer
from schoology_sandbox.contract import CONTRACT, DOC_FILE, render_into
from schoology_sandbox.route_table import build_router
from tests.fixtures.sandbox import SANDBOX_TEST_DEFAULTS, SignedRequests

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$")


@pytest.fixture(scope="module")
def shared_sandbox():
    """One server for the module; each test starts from a freshly seeded district (``reset``)."""
    server = SandboxServer(SandboxConfig(**SANDBOX_TEST_DEFAULTS)).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(shared_sandbox):
    shared_sandbox.reset()
    return shared_sandbox


def _first(mapping: dict[str, Any], pred=lambda v: True) -> dict[str, Any]:
    return next(v for v in mapping.values() if pred(v))


def probes(st: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any] | None, Any]]:
    """route name -> (path, query, body): a call that succeeds on the seeded district."""
    users, sections, groups = st["users"], st["sections"], st["groups"]
    student = _first(users, lambda u: u["school_uid"].startswith("S"))
    other = _first(users, lambda u: u["school_uid"].startswith("S") and u["uid"] != student["uid"])
    parent = _first(users, lambda u: u["school_uid"].startswith("P"))
    teacher = _first(users, lambda u: u["school_uid"].startswith("T"))
    inactive = list(st["inactive_users"].values())
    course = _first(st["courses"])
    section = _first(sections, lambda s: s["course_id"] == course["id"])
    group = _first(groups)
    building = _first(st["buildings"])
    period = _first(st["grading_periods"])
    role = _first(st["roles"])
    sec_enr = _first(st["enrollments"], lambda e: e["realm"] == "section" and e["realm_id"] == section["id"])
    grp_enr = _first(st["enrollments"], lambda e: e["realm"] == "group" and e["realm_id"] == group["id"])
    free = parent["uid"]  # a parent is in no section and not in the first group
    sid, gid, cid = section["id"], group["id"], course["id"]
    new_user = {"school_uid": "CT-1", "name_first": "Con", "name_last": "Tract", "role_id": role["id"],
                "primary_email": "con.tract@maplewood.example.org"}
    new_section = {"title": "Contract 1", "section_school_code": "CT-SEC-1", "grading_periods": [period["id"]]}
    return {
        "GET /users": ("users", None, None),
        "GET /users/{id}": (f"users/{student['uid']}", None, None),
        "GET /users/me": ("users/me", None, None),
        "GET /users/ext/{school_uid}": (f"users/ext/{student['school_uid']}", None, None),
        "GET /users/inactive": ("users/inactive", None, None),
        "GET /users/inactive/{id}": (f"users/inactive/{inactive[0]['uid']}", None, None),
        "GET /users/{id}/sections": (f"users/{student['uid']}/sections", None, None),
        "GET /users/{id}/groups": (f"users/{teacher['uid']}/groups", None, None),
        "GET /app-user-info": ("app-user-info", None, None),
        "GET /csvexport/users": ("csvexport/users", None, None),
        "POST /users": ("users", None, {"users": {"user": [new_user]}}),
        "PUT /users": ("users", None, {"users": {"user": [{"id": student["uid"], "position": "x"}]}}),
        "PUT /users/{id}": (f"users/{student['uid']}", None, {"position": "y"}),
        "DELETE /users/{id}": (f"users/{parent['uid']}", {"option_keep_enrollments": 1}, None),
        "DELETE /users": ("users", {"uids": str(teacher["uid"]), "option_keep_enrollments": 1}, None),
        "PUT /users/reactivate": ("users/reactivate", None,
                                  {"user": [{"uid": str(inactive[1]["uid"]), "option_reenroll": "1"}]}),
        "POST /users/import/associations/parents": (
            "users/import/associations/parents", None,
            {"associations": {"association": [{"student_school_uid": other["school_uid"],
                                               "parent_school_uid": parent["school_uid"]}]}}),
        "POST /users/import/associations/advisors": (
            "users/import/associations/advisors", None,
            {"associations": {"association": [{"student_school_uid": other["school_uid"],
                                               "advisor_school_uid": teacher["school_uid"]}]}}),
        "GET /schools": ("schools", None, None),
        "GET /schools/{id}": (f"schools/{st['school']['id']}", None, None),
        "PUT /schools/{id}": (f"schools/{building['id']}", None, {"phone": "555-0199"}),
        "DELETE /schools/{id}": (f"schools/{st['school']['id']}", None, None),  # the district: 403
        "GET /schools/{id}/buildings": (f"schools/{st['school']['id']}/buildings", None, None),
        "POST /schools/{id}/buildings": (f"schools/{st['school']['id']}/buildings", None,
                                         {"title": "Contract Annex", "building_code": "CTA"}),
        "GET /roles": ("roles", None, None),
        "GET /roles/{id}": (f"roles/{role['id']}", None, None),
        "GET /gradingperiods": ("gradingperiods", None, None),
        "GET /gradingperiods/{id}": (f"gradingperiods/{period['id']}", None, None),
        "POST /gradingperiods": ("gradingperiods", None, {"title": "CT Period", "start": "2030-01-01",
                                                          "end": "2030-06-01"}),
        "PUT /gradingperiods/{id}": (f"gradingperiods/{period['id']}", None, {"title": period["title"] + " "}),
        "GET /sections/{id}/grading_periods": (f"sections/{sid}/grading_periods", None, None),
        "GET /courses": ("courses", None, None),
        "GET /courses/{id}": (f"courses/{cid}", None, None),
        "POST /courses": ("courses", {"update_existing": 1}, {"courses": {"course": [
            {"title": "Contract Course", "course_code": "CT-C1", "sections": {"section": [new_section]}}]}}),
        "PUT /courses": ("courses", None, {"courses": {"course": [{"id": cid, "description": "d"}]}}),
        "PUT /courses/{id}": (f"courses/{cid}", None, {"description": "e"}),
        "DELETE /courses/{id}": ("courses/{course2}", None, None),
        "DELETE /courses": ("courses", {"course_ids": "{course3}"}, None),
        "GET /courses/{id}/sections": (f"courses/{cid}/sections", {"include_past": 1}, None),
        "POST /courses/{id}/sections": (f"courses/{cid}/sections", None,
                                        {"sections": {"section": [dict(new_section, section_school_code="CT-2")]}}),
        "GET /sections": ("sections", {"section_school_codes": section["section_school_code"]}, None),
        "GET /sections/{id}": (f"sections/{sid}", None, None),
        "GET /sections/ext/{code}": (f"sections/ext/{section['section_school_code']}", None, None),
        "PUT /sections": ("sections", None, {"sections": {"section": [{"id": sid, "description": "s"}]}}),
        "PUT /sections/{id}": (f"sections/{sid}", None, {"location": "Room 9"}),
        "DELETE /sections/{id}": ("sections/{section2}", None, None),
        "DELETE /sections": ("sections", {"section_ids": "{section3}"}, None),
        "GET /sections/{id}/enrollments": (f"sections/{sid}/enrollments", None, None),
        "GET /groups/{id}/enrollments": (f"groups/{gid}/enrollments", None, None),
        "GET /sections/{id}/enrollments/{eid}": (f"sections/{sid}/enrollments/{sec_enr['id']}", None, None),
        "GET /groups/{id}/enrollments/{eid}": (f"groups/{gid}/enrollments/{grp_enr['id']}", None, None),
        "POST /sections/{id}/enrollments": (f"sections/{sid}/enrollments", None,
                                            {"enrollments": {"enrollment": [{"uid": free, "admin": 0, "status": 1}]}}),
        "POST /groups/{id}/enrollments": (f"groups/{gid}/enrollments", None,
                                          {"enrollments": {"enrollment": [{"uid": free, "admin": 0, "status": 1}]}}),
        "PUT /sections/{id}/enrollments": (f"sections/{sid}/enrollments", None,
                                           {"enrollments": {"enrollment": [{"id": sec_enr["id"], "status": 1}]}}),
        "PUT /groups/{id}/enrollments": (f"groups/{gid}/enrollments", None,
                                         {"enrollments": {"enrollment": [{"id": grp_enr["id"], "status": 1}]}}),
        "PUT /sections/{id}/enrollments/{eid}": (f"sections/{sid}/enrollments/{sec_enr['id']}", None, {"status": 1}),
        "PUT /groups/{id}/enrollments/{eid}": (f"groups/{gid}/enrollments/{grp_enr['id']}", None, {"status": 1}),
        "DELETE /sections/{id}/enrollments/{eid}": ("sections/{id}/enrollments/{eid}", None, None),
        "DELETE /groups/{id}/enrollments/{eid}": ("groups/{id}/enrollments/{eid}", None, None),
        "POST /enrollments": ("enrollments", None, {"enrollments": {"enrollment": [
            {"realm": "section", "section_id": sid, "uid": teacher["uid"], "admin": 1, "status": 1}]}}),
        "POST /enrollments/import/course": ("enrollments/import/course", None, {"enrollments": {"enrollment": [
            {"section_school_code": section["section_school_code"], "school_uid": parent["school_uid"]}]}}),
        "POST /enrollments/import/course/{periods}": (
            f"enrollments/import/course/{section['grading_periods'][0]}", None,
            {"enrollments": {"enrollment": [{"course_code": course["course_code"],
                                             "section_code": section["section_code"],
                                             "school_uid": other["school_uid"]}]}}),
        "DELETE /enrollments": ("enrollments", {"enrollment_ids": "{enrollment2}"}, None),
        "GET /groups": ("groups", None, None),
        "GET /groups/{id}": (f"groups/{gid}", None, None),
        "POST /groups": ("groups", None, {"title": "Contract Club", "group_code": "CT-G"}),
        "PUT /groups/{id}": (f"groups/{gid}", None, {"description": "g"}),
        "DELETE /groups/{id}": ("groups/{group2}", None, None),
        "POST /multiget": ("multiget", None, {"request": [f"/v1/users/{student['uid']}", f"/v1/sections/{sid}"]}),
    }


def _fill(path: str, query: dict[str, Any] | None, st: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """Placeholders for objects a delete may remove (distinct from those other probes use)."""
    courses = list(st["courses"].values())
    sections = list(st["sections"].values())
    groups = list(st["groups"].values())
    enrolls = [e for e in st["enrollments"].values() if e["realm"] == "section"]
    last_sec_enr = enrolls[-1]
    last_grp_enr = [e for e in st["enrollments"].values() if e["realm"] == "group"][-1]
    values = {
        "{course2}": str(courses[-1]["id"]), "{course3}": str(courses[-2]["id"]),
        "{section2}": str(sections[-1]["id"]), "{section3}": str(sections[-2]["id"]),
        "{group2}": str(groups[-1]["id"]), "{enrollment2}": str(enrolls[-2]["id"]),
    }
    if path == "sections/{id}/enrollments/{eid}":
        path = f"sections/{last_sec_enr['realm_id']}/enrollments/{last_sec_enr['id']}"
    if path == "groups/{id}/enrollments/{eid}":
        path = f"groups/{last_grp_enr['realm_id']}/enrollments/{last_grp_enr['id']}"
    for k, v in values.items():
        path = path.replace(k, v)
        if query:
            query = {qk: (v if qv == k else qv) for qk, qv in query.items()}
    return path, query


def route_names() -> list[str]:
    return sorted({route.name for route, _ in build_router()._routes} | {"POST /multiget"})


def test_every_sandbox_route_has_a_contract_and_a_probe(sandbox):
    names = route_names()
    contract = CONTRACT()
    assert [n for n in names if contract.route(n) is None] == []
    assert [n for n in contract.routes if n not in names] == [], "the contract names routes the sandbox lacks"
    assert sorted(probes(sandbox.state())) == names


def _check_object(obj: dict[str, Any], fields: list[str], types: dict[str, str], where: str) -> None:
    assert set(obj) == set(fields), f"{where}: extra {sorted(set(obj) - set(fields))}, missing {sorted(set(fields) - set(obj))}"
    for name, kind in types.items():
        value = obj.get(name)
        if value is None:
            continue
        ok = {
            "string": isinstance(value, str),
            "number": isinstance(value, int) and not isinstance(value, bool),
            "date": isinstance(value, str) and bool(_DATE.match(value)),
            "datetime": isinstance(value, str) and bool(_DATETIME.match(value)),
        }[kind]
        assert ok, f"{where}: {name}={value!r} is not a {kind}"


def check_answer(name: str, response: Any) -> None:
    """Assert one answer matches the contract of route ``name``."""
    spec = CONTRACT().route(name).spec
    answer, types = spec["answer"], spec.get("types") or {}
    status = response.status_code
    if answer == "redirect":
        assert status == 303 and response.headers["Location"].startswith("http://"), name
        return
    if name == "DELETE /schools/{id}":  # the district itself cannot be deleted
        assert status == 403, name
        return
    expected = spec.get("status", 200)
    assert status == expected, f"{name}: {status} {response.text[:300]}"
    if answer == "empty":
        assert response.content == b"", name
        return
    if answer == "csv":
        header = next(csv.reader(io.StringIO(response.text)))
        assert header == spec["fields"], name  # without `fields`: every allowed column
        return
    body = response.json()
    if answer == "object":
        _check_object(body, spec["fields"], types, name)
    elif answer == "list":
        keys = {spec["key"], *(spec.get("extra_keys") or [])}
        allowed = keys | ({"total"} if spec["total"] != "absent" else set()) | ({"links"} if spec["links"] else set())
        assert set(body) <= allowed and spec["key"] in body, f"{name}: envelope {sorted(body)}"
        if spec["total"] == "string":
            assert isinstance(body["total"], str), name
        elif spec["total"] == "number":
            assert isinstance(body["total"], int), name
        assert body[spec["key"]], f"{name}: the probe should list something"
        for key in keys:
            for row in body.get(key, []):
                _check_object(row, spec["fields"], types, f"{name} {key}[]")
    else:  # bulk
        holder = body[spec["nested"]] if spec.get("nested") else body
        rows = holder[spec["key"]]
        assert rows, name
        for row in rows:
            assert row["response_code"] == spec["row_code"], f"{name}: {row}"
            assert set(row) <= set(spec["row_fields"]) | {"response_code"}, f"{name}: {sorted(row)}"


@pytest.mark.parametrize("name", route_names())
def test_route_answers_as_the_contract_says(sandbox, name):
    http = SignedRequests(sandbox)
    st = sandbox.state()
    path, query, body = probes(st)[name]
    path, query = _fill(path, query, st)
    method = name.split()[0]
    check_answer(name, http.request(method, path, params=query, json=body))
    spec = CONTRACT().route(name).spec
    if spec.get("item_fields"):  # an undocumented field is refused, nothing written
        before = sandbox.state()["version"]
        bad = _with_field(body, "sandbox_only_field")
        refused = http.request(method, path, params=query, json=bad)
        assert refused.status_code == 400 and "sandbox_only_field" in refused.json(), name
        assert sandbox.state()["version"] == before
    http.session.close()


def _with_field(body: Any, extra: str) -> Any:
    if isinstance(body, dict) and len(body) == 1:
        (outer, inner), = body.items()
        if isinstance(inner, dict) and len(inner) == 1:
            (singular, items), = inner.items()
            return {outer: {singular: [dict(items[0], **{extra: "1"})]}}
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            return {outer: [dict(inner[0], **{extra: "1"})]}
    return {**body, extra: "1"}


def test_undocumented_body_shapes_are_refused(sandbox):
    """The reactivation with a ``users`` wrapper, a bulk-only write with a bare object, a bulk grading period."""
    http = SignedRequests(sandbox)
    st = sandbox.state()
    uid = str(next(iter(st["inactive_users"])))
    wrapped = http.put("users/reactivate", json={"users": {"user": [{"uid": uid, "option_reenroll": "1"}]}})
    assert wrapped.status_code == 400 and '{"user": [...]}' in wrapped.json()
    assert uid in sandbox.state()["inactive_users"]
    bare = http.put("users", json={"id": next(iter(st["users"])), "position": "z"})
    assert bare.status_code == 400
    gp = http.post("gradingperiods", json={"gradingperiods": {"gradingperiod": [
        {"title": "X", "start": "2030-01-01", "end": "2030-02-01"}]}})
    assert gp.status_code == 400
    http.session.close()


def test_write_only_fields_are_in_no_read_of_their_realm():
    contract = CONTRACT()
    for group in contract.write_only:
        reads = [r for r in contract.routes.values() if r.spec["realm"] == group["realm"] and r.name.startswith("GET")
                 and r.answer != "csv"]
        assert reads, group["realm"]
        for route in reads:
            assert not set(group["fields"]) & set(route.fields), route.name


def test_doc_shows_the_contract():
    """docs/sandbox.md holds the table generated from contract.yaml (regenerate with --write)."""
    doc = DOC_FILE.read_text(encoding="utf-8")
    assert render_into(doc) == doc, "run: python -m schoology_sandbox.contract --write"
