"""Users realm of the sandbox: bulk rows, per-item codes, flags, redirects, export."""

from __future__ import annotations

import csv
import io

import pytest


def _role(sandbox, title):
    return int(next(k for k, r in sandbox.state()["roles"].items() if r["title"] == title))


def _new_user(n, role_id, **extra):
    return {
        "school_uid": f"NEW{n}",
        "name_first": "Test",
        "name_last": f"User{n}",
        "role_id": role_id,
        "primary_email": f"test.user{n}@example.net",
        **extra,
    }


def test_bulk_create_answers_207_with_one_row_per_item_in_order(sandbox, sandbox_http):
    student = _role(sandbox, "Student")
    existing = next(iter(sandbox.state()["users"].values()))
    items = [
        _new_user(1, student),
        {"school_uid": "NEW2", "name_first": "No", "role_id": student, "username": "nolast"},  # missing name_last
        _new_user(3, 999999999),  # unknown role
        _new_user(4, student, school_uid=existing["school_uid"]),  # duplicate school_uid
        _new_user(5, student, gender="X"),  # bad value
        _new_user(6, student, building_id=12345),  # unknown building
        _new_user(7, student),
    ]
    response = sandbox_http.post("users", json={"users": {"user": items}})
    assert response.status_code == 207
    rows = response.json()["user"]
    assert [r["response_code"] for r in rows] == [200, 400, 404, 409, 400, 404, 200]  # created rows: 200, as documented
    assert "name_last" in rows[1]["message"]
    assert rows[0]["location"] == f"{sandbox.base_url}/users/{rows[0]['id']}"
    created = sandbox_http.get(f"users/{rows[0]['id']}").json()
    assert created["school_uid"] == "NEW1" and created["uid"] == str(rows[0]["id"]) and created["id"] == rows[0]["id"]
    users = sandbox.state()["users"]
    assert {u["school_uid"] for u in users.values()} >= {"NEW1", "NEW7"}
    assert not {"NEW2", "NEW3", "NEW5", "NEW6"} & {u["school_uid"] for u in users.values()}


def test_more_than_50_items_is_a_400_and_writes_nothing(sandbox, sandbox_http):
    student = _role(sandbox, "Student")
    before = sandbox.state()["users"]
    response = sandbox_http.post("users", json={"users": {"user": [_new_user(n, student) for n in range(51)]}})
    assert response.status_code == 400
    assert sandbox.state()["users"] == before
    assert (
        sandbox_http.post("users", json={"users": {"user": [_new_user(n, student) for n in range(50)]}}).status_code
        == 207
    )


def test_update_existing_updates_by_school_uid(sandbox, sandbox_http):
    user = next(iter(sandbox.state()["users"].values()))
    item = {
        "school_uid": user["school_uid"],
        "name_first": "Renamed",
        "name_last": user["name_last"],
        "role_id": user["role_id"],
        "username": user["username"],
    }
    refused = sandbox_http.post("users", json={"users": {"user": [item]}}).json()["user"][0]
    assert refused["response_code"] == 409
    row = sandbox_http.post("users", params={"update_existing": 1}, json={"users": {"user": [item]}}).json()["user"][0]
    assert row["response_code"] == 200 and row["id"] == user["uid"]
    assert sandbox.state()["users"][str(user["uid"])]["name_first"] == "Renamed"


def test_email_conflicts_in_the_same_school(sandbox, sandbox_http):
    student = _role(sandbox, "Student")
    taken = next(iter(sandbox.state()["users"].values()))["primary_email"]
    item = _new_user(1, student, primary_email=taken.upper())  # case does not make it different
    for params in ({}, {"ignore_email_conflicts": 1}):
        row = sandbox_http.post("users", params=params, json={"users": {"user": [item]}}).json()["user"][0]
        assert row["response_code"] == 409, params
    row = sandbox_http.post("users", params={"email_conflict_resolution": 1}, json={"users": {"user": [item]}}).json()[
        "user"
    ][0]
    assert row["response_code"] == 200
    created = sandbox.state()["users"][str(row["id"])]
    assert created["primary_email"] == "" and created["username"] == "NEW1"


def test_email_of_an_account_in_another_school(sandbox, sandbox_http):
    student = _role(sandbox, "Student")
    foreign = "jordan.reyes@gmail.example.com"
    item = _new_user(1, student, primary_email=foreign)
    assert sandbox_http.post("users", json={"users": {"user": [item]}}).json()["user"][0]["response_code"] == 409
    row = sandbox_http.post("users", params={"ignore_email_conflicts": 1}, json={"users": {"user": [item]}}).json()[
        "user"
    ][0]
    assert row["response_code"] == 200
    assert sandbox.state()["users"][str(row["id"])]["primary_email"] == ""


def test_email_conflict_resolution_2_merges_a_verified_domain_account(sandbox, sandbox_http):
    student = _role(sandbox, "Student")
    state = sandbox.state()
    verified = next(e for e, kind in state["external_emails"].items() if kind == "verified-domain")
    item = _new_user(1, student, primary_email=verified)
    assert sandbox_http.post("users", json={"users": {"user": [item]}}).json()["user"][0]["response_code"] == 409
    row = sandbox_http.post("users", params={"email_conflict_resolution": 2}, json={"users": {"user": [item]}}).json()[
        "user"
    ][0]
    assert row["response_code"] == 200 and set(row) == {"response_code", "location", "school_uid", "id"}
    after = sandbox.state()
    assert after["users"][str(row["id"])]["primary_email"] == verified
    assert verified not in after["external_emails"]


def test_single_user_get_put_delete_and_inactive(sandbox, sandbox_http):
    user = next(iter(sandbox.state()["users"].values()))
    uid = user["uid"]
    assert sandbox_http.put(f"users/{uid}", json={"name_first": "Zed"}).status_code == 204
    assert sandbox_http.get(f"users/{uid}").json()["name_display"] == f"Zed {user['name_last']}"
    assert sandbox_http.put(f"users/{uid}", json={"birthday_date": "01/02/2003"}).status_code == 400
    assert sandbox_http.delete(f"users/{uid}", params={"option_keep_enrollments": 1}).status_code == 204
    assert sandbox_http.get(f"users/{uid}").status_code == 404
    assert sandbox_http.get(f"users/{uid}").text == ""
    assert sandbox_http.get(f"users/inactive/{uid}").status_code == 200
    inactive = sandbox_http.get("users/inactive").json()
    assert uid in {u["uid"] for u in inactive["user"]}
    rows = sandbox_http.put("users/reactivate", json={"user": [{"uid": uid}, {"uid": 1}]}).json()["user"]
    assert [r["response_code"] for r in rows] == [200, 404]
    assert sandbox_http.get(f"users/{uid}").status_code == 200


def test_bulk_update_and_bulk_delete(sandbox, sandbox_http):
    users = list(sandbox.state()["users"].values())[:2]
    rows = sandbox_http.put(
        "users",
        json={
            "users": {
                "user": [
                    {"id": users[0]["uid"], "position": "Captain"},
                    {"id": 1, "position": "x"},
                    {"position": "no id"},
                ]
            }
        },
    ).json()["user"]
    assert [r["response_code"] for r in rows] == [200, 404, 400]
    assert sandbox.state()["users"][str(users[0]["uid"])]["position"] == "Captain"
    rows = sandbox_http.delete("users", params={"uids": f"{users[1]['uid']},1"}).json()["user"]
    assert [r["response_code"] for r in rows] == [200, 404]
    assert str(users[1]["uid"]) in sandbox.state()["inactive_users"]
    too_many = ",".join(str(n) for n in range(51))
    assert sandbox_http.delete("users", params={"uids": too_many}).status_code == 400


def test_deleting_without_keep_enrollments_drops_them(sandbox, sandbox_http):
    state = sandbox.state()
    uid = next(e["uid"] for e in state["enrollments"].values() if e["realm"] == "section")
    sandbox_http.delete(f"users/{uid}")
    assert not any(e["uid"] == uid for e in sandbox.state()["enrollments"].values())


@pytest.mark.parametrize("path", ["users/me", "users/ext/{school_uid}"])
def test_redirects_are_303_with_location(sandbox, sandbox_http, path):
    user = next(iter(sandbox.state()["users"].values()))
    response = sandbox_http.get(path.format(school_uid=user["school_uid"]))
    assert response.status_code == 303
    target = sandbox_http.get(response.headers["Location"])
    assert target.status_code == 200
    if "ext" in path:
        assert target.json()["school_uid"] == user["school_uid"]
    else:
        assert target.json()["uid"] == str(sandbox_http.get("app-user-info").json()["api_uid"])
    assert sandbox_http.get("users/ext/NO-SUCH-UID").status_code == 404


def test_parent_associations(sandbox, sandbox_http):
    state = sandbox.state()
    parent_role, student_role = _role(sandbox, "Parent"), _role(sandbox, "Student")
    linked = {(link["student_uid"], link["parent_uid"]) for link in state["parent_links"]}
    student = next(u for u in state["users"].values() if u["role_id"] == student_role)
    parent = next(
        u for u in state["users"].values() if u["role_id"] == parent_role and (student["uid"], u["uid"]) not in linked
    )
    item = {"student_school_uid": student["school_uid"], "parent_school_uid": parent["school_uid"]}
    rows = sandbox_http.post(
        "users/import/associations/parents",
        json={
            "associations": {
                "association": [item, {"student_school_uid": "NOPE", "parent_school_uid": parent["school_uid"]}]
            }
        },
    ).json()["association"]
    assert [r["response_code"] for r in rows] == [200, 404]
    assert rows[0]["parent_uid"] == str(parent["uid"])
    assert "parent_uids" not in sandbox_http.get(f"users/{student['uid']}").json()  # write-only, as documented
    assert str(student["uid"]) in sandbox_http.get(f"users/{parent['uid']}").json()["child_uids"].split(",")
    sandbox_http.post(
        "users/import/associations/parents", json={"associations": {"association": [{**item, "delete": "1"}]}}
    )
    assert {"student_uid": student["uid"], "parent_uid": parent["uid"]} not in sandbox.state()["parent_links"]


def test_csv_export(sandbox, sandbox_http):
    response = sandbox_http.get("csvexport/users", params={"fields": "uid,school_uid,mail,role_name"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(sandbox.state()["users"])
    assert {r["role_name"] for r in rows} >= {"Student", "Teacher", "Parent"}
    assert sandbox_http.get("csvexport/users", params={"fields": "uid,password"}).status_code == 400


def test_user_sections_and_groups(sandbox, sandbox_http):
    state = sandbox.state()
    member = next(e for e in state["enrollments"].values() if e["realm"] == "group" and e["admin"] == 0)
    groups = sandbox_http.get(f"users/{member['uid']}/groups").json()["group"]
    assert member["realm_id"] in {g["id"] for g in groups}
    in_section = next(e for e in state["enrollments"].values() if e["realm"] == "section")
    sections = sandbox_http.get(f"users/{in_section['uid']}/sections").json()["section"]
    assert str(in_section["realm_id"]) in {s["id"] for s in sections}  # section ids are strings, as documented


def test_advisor_associations_link_unlink_and_refuse_a_delete_outside_0_1(sandbox, sandbox_http):
    state = sandbox.state()
    student_role, teacher_role = _role(sandbox, "Student"), _role(sandbox, "Teacher")
    student = next(u for u in state["users"].values() if u["role_id"] == student_role)
    teacher = next(u for u in state["users"].values() if u["role_id"] == teacher_role)
    item = {"student_school_uid": student["school_uid"], "advisor_school_uid": teacher["school_uid"]}
    pair = {"student_uid": student["uid"], "advisor_uid": teacher["uid"]}

    def post(*items):
        return sandbox_http.post("users/import/associations/advisors",
                                 json={"associations": {"association": list(items)}}).json()["association"]

    rows = post(item)
    assert rows == [{"response_code": 200, **item, "student_uid": str(student["uid"]),
                     "advisor_uid": str(teacher["uid"])}]
    assert pair in sandbox.state()["advisor_links"]
    refused = post({**item, "delete": "yes"})
    assert refused[0]["response_code"] == 400 and "delete" in refused[0]["message"]
    assert pair in sandbox.state()["advisor_links"], "a refused row changes nothing"
    assert post({**item, "delete": "1"})[0]["response_code"] == 200
    assert pair not in sandbox.state()["advisor_links"]
