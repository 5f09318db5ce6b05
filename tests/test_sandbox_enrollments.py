"""Enrollments, groups and multiget in the sandbox."""

from __future__ import annotations


def _student_not_in(state, section_id):
    enrolled = {
        e["uid"] for e in state["enrollments"].values() if e["realm"] == "section" and e["realm_id"] == section_id
    }
    student_role = next(int(k) for k, r in state["roles"].items() if r["title"] == "Student")
    return next(u for u in state["users"].values() if u["role_id"] == student_role and u["uid"] not in enrolled)


def test_section_enrollments_bulk_rows_are_one_level_deeper(sandbox, sandbox_http):
    state = sandbox.state()
    section = next(s for s in state["sections"].values() if s["active"])
    student = _student_not_in(state, section["id"])
    response = sandbox_http.post(
        f"sections/{section['id']}/enrollments",
        json={
            "enrollments": {
                "enrollment": [
                    {"uid": student["uid"], "admin": 0, "status": 1},
                    {"uid": student["uid"], "admin": 0, "status": 1},  # already enrolled now
                    {"uid": 1, "admin": 0, "status": 1},  # unknown user
                    {"uid": student["uid"], "admin": 3},  # bad value
                ]
            }
        },
    )
    assert response.status_code == 207
    rows = response.json()["enrollments"]["enrollment"]
    assert [r["response_code"] for r in rows] == [200, 409, 404, 400]
    listed = sandbox_http.get(f"sections/{section['id']}/enrollments", params={"uid": student["uid"]}).json()
    assert [e["id"] for e in listed["enrollment"]] == [str(rows[0]["id"])]
    assert listed["enrollment"][0]["school_uid"] == student["school_uid"]
    eid = rows[0]["id"]
    assert sandbox_http.put(f"sections/{section['id']}/enrollments/{eid}", json={"status": 5}).status_code == 204
    assert sandbox.state()["enrollments"][str(eid)]["status"] == 5
    assert sandbox_http.delete(f"sections/{section['id']}/enrollments/{eid}").status_code == 204
    assert str(eid) not in sandbox.state()["enrollments"]


def test_enrollment_filters_by_type(sandbox, sandbox_http):
    state = sandbox.state()
    teacher_row = next(e for e in state["enrollments"].values() if e["realm"] == "section" and e["admin"] == 1)
    admins = sandbox_http.get(f"sections/{teacher_row['realm_id']}/enrollments", params={"type": "admin"}).json()
    assert {e["uid"] for e in admins["enrollment"]} == {str(teacher_row["uid"])}


def test_import_course_by_external_keys(sandbox, sandbox_http):
    state = sandbox.state()
    section = next(s for s in state["sections"].values() if s["active"])
    student = _student_not_in(state, section["id"])
    items = [
        {"section_school_code": section["section_school_code"], "school_uid": student["school_uid"]},
        {"section_school_code": "NO-SUCH", "school_uid": student["school_uid"]},
        {"section_school_code": section["section_school_code"], "school_uid": "NO-SUCH"},
        {"section_school_code": section["section_school_code"]},
    ]
    rows = sandbox_http.post("enrollments/import/course", json={"enrollments": {"enrollment": items}}).json()
    rows = rows["enrollments"]["enrollment"]
    assert [r["response_code"] for r in rows] == [200, 404, 404, 400]
    assert rows[0]["section_code"] == section["section_code"] and rows[0]["course_code"]
    rows = sandbox_http.post(
        "enrollments/import/course", json={"enrollments": {"enrollment": [{**items[0], "delete": "1"}]}}
    ).json()["enrollments"]["enrollment"]
    assert rows[0]["response_code"] == 200
    assert not any(
        e["uid"] == student["uid"] and e["realm_id"] == section["id"] for e in sandbox.state()["enrollments"].values()
    )


def test_multi_realm_enrollments_and_bulk_delete(sandbox, sandbox_http):
    state = sandbox.state()
    group = next(iter(state["groups"].values()))
    section = next(s for s in state["sections"].values() if s["active"])
    student = _student_not_in(state, section["id"])
    in_group = {
        e["uid"] for e in state["enrollments"].values() if e["realm"] == "group" and e["realm_id"] == group["id"]
    }
    outsider = next(u for u in state["users"].values() if u["uid"] not in in_group)
    rows = sandbox_http.post(
        "enrollments",
        json={
            "enrollments": {
                "enrollment": [
                    {"realm": "section", "section_id": section["id"], "uid": student["uid"], "admin": 0, "status": 1},
                    {"realm": "group", "group_id": group["id"], "uid": outsider["uid"], "admin": 0, "status": 1},
                    {"realm": "course", "section_id": section["id"], "uid": student["uid"]},
                    {"realm": "group", "group_id": 1, "uid": student["uid"]},
                ]
            }
        },
    ).json()["enrollments"]["enrollment"]
    assert [r["response_code"] for r in rows] == [200, 200, 403, 404]
    deleted = sandbox_http.delete("enrollments", params={"enrollment_ids": f"{rows[0]['id']},{rows[1]['id']},5"})
    assert [r["response_code"] for r in deleted.json()["enrollments"]["enrollment"]] == [200, 200, 404]


def test_groups_crud(sandbox, sandbox_http):
    created = sandbox_http.post(
        "groups", json={"title": "Debate", "group_code": "GRP-DEBATE", "privacy_level": "school"}
    )
    assert created.status_code == 201
    gid = created.json()["id"]
    assert sandbox_http.post("groups", json={"title": "Again", "group_code": "GRP-DEBATE"}).status_code == 409
    assert sandbox_http.put(f"groups/{gid}", json={"description": "Talk"}).status_code == 204
    assert sandbox_http.get(f"groups/{gid}").json()["description"] == "Talk"
    listed = sandbox_http.get("groups").json()
    assert gid in {g["id"] for g in listed["group"]}
    assert sandbox_http.delete(f"groups/{gid}").status_code == 204
    assert sandbox_http.get(f"groups/{gid}").status_code == 404


def test_multiget(sandbox, sandbox_http):
    state = sandbox.state()
    user = next(iter(state["users"].values()))
    section = next(iter(state["sections"].values()))
    paths = [
        f"/v1/users/{user['uid']}",
        f"/v1/sections/{section['id']}/enrollments",
        "/v1/users/1",
        f"/v1/users/ext/{user['school_uid']}",
        "/v1/schools",
    ]
    response = sandbox_http.post("multiget", json={"request": paths})
    assert response.status_code == 200
    rows = response.json()["response"]
    assert [r["response_code"] for r in rows] == [200, 200, 404, 200, 400]
    assert rows[0]["body"]["school_uid"] == user["school_uid"] == rows[3]["body"]["school_uid"]
    assert "enrollment" in rows[1]["body"]
    too_many = sandbox_http.post("multiget", json={"request": [f"/v1/users/{user['uid']}"] * 51})
    assert too_many.status_code == 400
