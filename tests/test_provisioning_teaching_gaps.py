"""teaching_gaps against the sandbox over real HTTP: both sides of sections without teachers, narrowed by building."""

from __future__ import annotations

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.courses.teaching_gaps import read_teaching_gaps
from schoology_etl.provisioning.lookups import ClientLookups


def _client(srv):
    return SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=1000)


def test_sections_without_a_teacher_and_teachers_without_a_section(sandbox):
    state = sandbox.state()
    taught = {e["realm_id"] for e in state["enrollments"].values()
              if e["realm"] == "section" and e["admin"] and e["status"] == 1}
    with _client(sandbox) as api:
        gaps = read_teaching_gaps(api)
        building = sorted(state["buildings"])[0]
        narrowed = read_teaching_gaps(api, buildings=[building])
    expected = {s["section_school_code"] for s in state["sections"].values() if s["active"] and s["id"] not in taught}
    assert expected and {r["section_school_code"] for r in gaps.no_teacher} == expected
    assert {s["section_school_code"] for s in gaps.sections} >= expected
    assert ("Ashdown", "Teacher") in {(r["name_last"], r["role"]) for r in gaps.idle_teachers}
    name = state["buildings"][building]["title"]
    assert {r["building"] for r in narrowed.no_teacher + narrowed.idle_teachers} <= {name}
    assert [r for r in gaps.no_teacher if r["building"] == name] == narrowed.no_teacher
    assert [r for r in gaps.idle_teachers if r["building"] == name] == narrowed.idle_teachers


def test_bad_parameters_are_refused_before_any_section_is_read(sandbox):
    with _client(sandbox) as api:
        look = ClientLookups(api)
        assert look.places and look.roles  # read once, up front
        before = api.stats.requests
        with pytest.raises(ConfigurationError, match=r"buildings: unknown id\(s\) 999999"):
            read_teaching_gaps(api, buildings=[999999], lookups=look)
        with pytest.raises(ConfigurationError, match=r"teacher_roles: unknown role id\(s\) 424242"):
            read_teaching_gaps(api, teacher_roles=[424242], lookups=look)
        assert api.stats.requests == before, "nothing is read before the parameters are checked"
