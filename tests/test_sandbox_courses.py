"""Courses, sections, grading periods, schools and roles in the sandbox."""

from __future__ import annotations


def _building(sandbox):
    return int(next(iter(sandbox.state()["buildings"])))


def _current_period(sandbox):
    return int(next(k for k, g in sandbox.state()["grading_periods"].items() if g["title"].startswith("Term 2")))


def test_course_with_nested_sections_and_update_existing(sandbox, sandbox_http):
    gp = _current_period(sandbox)
    course = {
        "title": "Astronomy",
        "course_code": "X-ASTRO",
        "building_id": _building(sandbox),
        "sections": {
            "section": [
                {"title": "Astronomy 01", "section_school_code": "X-ASTRO-01", "grading_periods": [gp]},
                {
                    "title": "Astronomy 02",
                    "section_school_code": "X-ASTRO-02",
                    "grading_periods": [999],
                },  # unknown period
                {"title": "No code", "grading_periods": [gp]},
            ]
        },
    }
    response = sandbox_http.post("courses", json={"courses": {"course": [course, {"title": "No code"}]}})
    assert response.status_code == 207
    rows = response.json()["course"]
    assert [r["response_code"] for r in rows] == [200, 400]
    assert [s["response_code"] for s in rows[0]["sections"]["section"]] == [200, 404, 400]
    again = sandbox_http.post("courses", json={"courses": {"course": [course]}}).json()["course"][0]
    assert again["response_code"] == 409
    renamed = {
        **course,
        "title": "Astronomy & Space",
        "sections": {
            "section": [{"title": "Astronomy 01b", "section_school_code": "X-ASTRO-01", "grading_periods": [gp]}]
        },
    }
    row = sandbox_http.post("courses", params={"update_existing": 1}, json={"courses": {"course": [renamed]}}).json()[
        "course"
    ][0]
    assert row["response_code"] == 200 and row["id"] == rows[0]["id"]
    assert row["sections"]["section"][0]["response_code"] == 200
    assert sandbox_http.get(f"courses/{row['id']}").json()["title"] == "Astronomy & Space"
    sections = sandbox_http.get(f"courses/{row['id']}/sections").json()
    assert [s["section_title"] for s in sections["section"]] == ["Astronomy 01b"]
    assert sections["section"][0]["course_code"] == "X-ASTRO"


def test_sections_lookup_redirect_update_and_delete(sandbox, sandbox_http):
    state = sandbox.state()
    section = next(s for s in state["sections"].values() if s["active"])
    code = section["section_school_code"]
    found = sandbox_http.get("sections", params={"section_school_codes": f"{code},NOPE"}).json()
    assert [s["id"] for s in found["section"]] == [str(section["id"])]
    redirect = sandbox_http.get(f"sections/ext/{code}")
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(f"/sections/{section['id']}")
    rows = sandbox_http.put(
        "sections",
        json={"sections": {"section": [{"id": section["id"], "location": "Gym"}, {"id": 1, "location": "x"}]}},
    ).json()["section"]
    assert [r["response_code"] for r in rows] == [200, 404]
    assert sandbox_http.get(f"sections/{section['id']}").json()["location"] == "Gym"
    periods = sandbox_http.get(f"sections/{section['id']}/grading_periods").json()["grading_period"]
    assert [p["id"] for p in periods] == section["grading_periods"]
    assert sandbox_http.delete(f"sections/{section['id']}").status_code == 204
    assert sandbox_http.get(f"sections/{section['id']}").status_code == 404
    assert not any(
        e["realm"] == "section" and e["realm_id"] == section["id"] for e in sandbox.state()["enrollments"].values()
    )


def test_past_sections_need_include_past(sandbox, sandbox_http):
    state = sandbox.state()
    past = next(s for s in state["sections"].values() if not s["active"])
    listed = sandbox_http.get(f"courses/{past['course_id']}/sections", params={"limit": 200}).json()["section"]
    assert str(past["id"]) not in {s["id"] for s in listed}
    listed = sandbox_http.get(f"courses/{past['course_id']}/sections", params={"limit": 200, "include_past": 1}).json()[
        "section"
    ]
    assert str(past["id"]) in {s["id"] for s in listed}


def test_course_bulk_update_and_delete(sandbox, sandbox_http):
    courses = list(sandbox.state()["courses"].values())[:2]
    rows = sandbox_http.put(
        "courses",
        json={
            "courses": {
                "course": [{"id": courses[0]["id"], "credits": "2"}, {"id": courses[0]["id"], "subject_area": 42}]
            }
        },
    ).json()["course"]
    assert [r["response_code"] for r in rows] == [200, 400]
    rows = sandbox_http.delete("courses", params={"course_ids": f"{courses[1]['id']},7"}).json()["course"]
    assert [r["response_code"] for r in rows] == [200, 404]
    state = sandbox.state()
    assert state["courses"][str(courses[0]["id"])]["credits"] == "2"
    assert str(courses[1]["id"]) not in state["courses"]
    assert not any(s["course_id"] == courses[1]["id"] for s in state["sections"].values())


def test_grading_periods(sandbox, sandbox_http):
    listed = sandbox_http.get("gradingperiods").json()
    assert listed["total"] == len(listed["gradingperiods"]) == 10  # district terms, last year, semesters, trimesters
    created = sandbox_http.post("gradingperiods", json={"title": "Summer", "start": "2030-06-01", "end": "2030-07-01"})
    assert created.status_code == 201
    gid = created.json()["id"]
    assert (
        sandbox_http.post(
            "gradingperiods", json={"title": "summer", "start": "2030-06-01", "end": "2030-07-01"}
        ).status_code
        == 409
    )
    assert sandbox_http.put(f"gradingperiods/{gid}", json={"end": "2030-05-01"}).status_code == 400
    assert sandbox_http.put(f"gradingperiods/{gid}", json={"end": "2030-08-01"}).status_code == 204
    assert (
        sandbox_http.get("gradingperiods", params={"title": "Sum", "startswith": 1}).json()["gradingperiods"][0]["end"]
        == "2030-08-01"
    )


def test_schools_buildings_roles(sandbox, sandbox_http):
    schools = sandbox_http.get("schools").json()["school"]
    assert len(schools) == 1
    school_id = schools[0]["id"]
    buildings = sandbox_http.get(f"schools/{school_id}/buildings").json()["building"]
    assert len(buildings) == 4 and all(b["building_code"] for b in buildings)
    assert sandbox_http.get(f"schools/{buildings[0]['id']}").json()["title"] == buildings[0]["title"]
    assert sandbox_http.delete(f"schools/{school_id}").status_code == 403
    roles = sandbox_http.get("roles").json()
    assert {r["title"] for r in roles["role"]} == {"Student", "Teacher", "Parent", "School Admin", "System Admin"}
    assert roles["building_role"]
    new = sandbox_http.post(f"schools/{school_id}/buildings", json={"title": "Annex", "building_code": "ANX"})
    assert new.status_code == 201
    assert (
        sandbox_http.post(f"schools/{school_id}/buildings", json={"title": "Dup", "building_code": "ANX"}).status_code
        == 409
    )


def test_unknown_ids_are_404_with_empty_body(sandbox_http):
    for path in ("courses/1", "sections/1", "groups/1", "gradingperiods/1", "schools/1", "users/abc", "nothing/here"):
        response = sandbox_http.get(path)
        assert response.status_code == 404, path
        assert response.text == ""
        assert response.headers["X-Schoology"] == "API"
