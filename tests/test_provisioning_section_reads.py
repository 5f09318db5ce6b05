"""section_reads against the sandbox over real HTTP: every section and enrollment, in few requests."""

from __future__ import annotations

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.provisioning.courses import section_reads


def _client(srv):
    return SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=1000)


def test_reads_every_section_and_enrollment_through_multiget(sandbox):
    state = sandbox.state()
    with _client(sandbox) as api:
        sections = section_reads.read_sections(api)
        enrollments = section_reads.read_section_enrollments(api, sections)
        courses = -(-len(state["courses"]) // 50)
        assert api.stats.requests == 1 + courses + -(-len(sections) // 50)
    assert {s["section_school_code"] for s in sections} == {s["section_school_code"] for s in state["sections"].values()}
    assert all(s["course_code"] and s["building_id"] for s in sections)
    expected = {str(k) for k, e in state["enrollments"].items() if e["realm"] == "section"}
    assert sorted(str(e["id"]) for e in enrollments) == sorted(expected)
    codes = {str(k): s["section_school_code"] for k, s in state["sections"].items()}
    assert all(codes[str(state["enrollments"][str(e["id"])]["realm_id"])] == e["section_school_code"] for e in enrollments)


def test_active_only_and_by_building_and_lists_longer_than_a_page(sandbox, monkeypatch):
    state = sandbox.state()
    building = sorted(state["buildings"])[0]
    monkeypatch.setattr(section_reads, "PAGE", 3)  # every list longer than a page: paged on with links.next
    with _client(sandbox) as api:
        sections = section_reads.read_sections(api, include_past=False, building_ids=[building])
        enrollments = section_reads.read_section_enrollments(api, sections[:4])
    wanted = {s["section_school_code"] for s in state["sections"].values() if s["active"] and str(s["building_id"]) == building}
    assert {s["section_school_code"] for s in sections} == wanted
    ids = {int(s["id"]) for s in sections[:4]}
    expected = [str(k) for k, e in state["enrollments"].items() if e["realm"] == "section" and e["realm_id"] in ids]
    assert sorted(str(e["id"]) for e in enrollments) == sorted(expected)
