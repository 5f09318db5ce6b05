"""One test per way the sandbox used to be more generous than the documented API (issue 10).

Each test talks plain signed HTTP to the sandbox (no contract module involved), so it
failed on the old sandbox and holds on the strict one; then the library calls that
used to rely on the extras are checked on what the API really returns.
"""

from __future__ import annotations

import csv
import io
import logging
import re

import pytest

from schoology_etl import Credentials, SchoologyClient
from schoology_etl.bulk import build_bulk_payload
from schoology_etl.endpoints import get_endpoint
from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.courses import section_archive
from schoology_etl.provisioning.users import birthdays, user_changes
from schoology_sandbox import SandboxConfig, SandboxServer
from tests.fixtures.sandbox import SANDBOX_TEST_DEFAULTS, SignedRequests


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


@pytest.fixture
def sandbox_http(sandbox):
    http = SignedRequests(sandbox)
    yield http
    http.session.close()


def _client(srv) -> SchoologyClient:
    return SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret), rate_limit=1000)


def _role_id(state, title: str) -> int:
    return next(r["id"] for r in state["roles"].values() if r["title"] == title)


# ---------------------------------------------------------------------- the sandbox
def test_inactive_users_listing_has_only_the_documented_fields(sandbox, sandbox_http):
    body = sandbox_http.get("users/inactive").json()
    assert isinstance(body["total"], int)  # a number here, a string on GET /users
    for row in body["user"]:
        assert set(row) == {"uid", "name", "school_uid", "synced", "inactive_timestamp", "modified_by_uid"}
        assert isinstance(row["uid"], int) and " " in row["name"]
    assert isinstance(sandbox_http.get("users").json()["total"], str)


def test_parent_uids_are_write_only_and_children_are_read_from_child_uids(sandbox, sandbox_http):
    state = sandbox.state()
    link = state["parent_links"][0]
    student = sandbox_http.get(f"users/{link['student_uid']}").json()
    parent = sandbox_http.get(f"users/{link['parent_uid']}").json()
    assert "parent_uids" not in student and student["child_uids"] is None  # documented: null for non-parents
    assert str(link["student_uid"]) in parent["child_uids"].split(",")
    listing = sandbox_http.get("users", params={"limit": 200}).json()["user"]
    assert not any("parent_uids" in u for u in listing)


def test_reactivation_takes_the_documented_body_only(sandbox, sandbox_http):
    uids = [u["uid"] for u in sandbox.state()["inactive_users"].values()]
    wrapped = sandbox_http.put("users/reactivate", json={"users": {"user": [{"uid": str(uids[0])}]}})
    assert wrapped.status_code == 400 and uids[0] in {int(k) for k in sandbox.state()["inactive_users"]}
    answer = sandbox_http.put("users/reactivate", json={"user": [{"uid": str(uids[0]), "option_reenroll": "1"}]})
    assert answer.json()["user"][0] == {"response_code": 200, "location": answer.json()["user"][0]["location"],
                                         "message": "You have successfully re-actived this user."}
    assert str(uids[0]) in sandbox.state()["users"]


def test_section_active_is_not_writable_and_past_follows_grading_periods(sandbox, sandbox_http):
    state = sandbox.state()
    current = next(s for s in state["sections"].values() if not s["section_school_code"].split("-")[-1].startswith("P"))
    refused = sandbox_http.put("sections", json={"sections": {"section": [{"id": current["id"], "active": 0}]}})
    assert refused.status_code == 400 and "active" in refused.json()
    listed = sandbox_http.get(f"courses/{current['course_id']}/sections", params={"limit": 200}).json()["section"]
    assert str(current["id"]) in {s["id"] for s in listed} and all(s["active"] == 1 for s in listed)
    every = sandbox_http.get(f"courses/{current['course_id']}/sections",
                             params={"limit": 200, "include_past": 1}).json()["section"]
    past = [s for s in every if s not in listed]
    assert past and all(s["active"] == 0 and "-P" in s["section_school_code"] for s in past)


def test_user_listing_has_no_birthday_but_the_csv_export_has(sandbox, sandbox_http):
    listing = sandbox_http.get("users", params={"limit": 200}).json()["user"]
    assert not any("birthday_date" in u for u in listing)
    rows = list(csv.DictReader(io.StringIO(sandbox_http.get("csvexport/users", params={"fields": "uid,birthday"}).text)))
    assert any(re.match(r"^\d{4}-\d{2}-\d{2}$", r["birthday"]) for r in rows)


def test_created_rows_of_bulk_writes_answer_200(sandbox, sandbox_http):
    role = _role_id(sandbox.state(), "Student")
    item = {"school_uid": "NEW-1", "name_first": "Nia", "name_last": "Vale", "role_id": role, "username": "nia.vale"}
    row = sandbox_http.post("users", json={"users": {"user": [item]}}).json()["user"][0]
    assert row["response_code"] == 200 and set(row) == {"response_code", "location", "school_uid", "id"}


def test_sections_carry_school_id_not_building_id(sandbox, sandbox_http):
    section = next(iter(sandbox.state()["sections"].values()))
    for body in (sandbox_http.get(f"sections/{section['id']}").json(),
                 sandbox_http.get(f"courses/{section['course_id']}/sections").json()["section"][0]):
        assert "building_id" not in body and body["school_id"] == str(sandbox.state()["school"]["id"])


def test_section_grading_period_dates_are_datetimes_and_the_school_list_dates(sandbox, sandbox_http):
    section = next(iter(sandbox.state()["sections"].values()))
    rows = sandbox_http.get(f"sections/{section['id']}/grading_periods").json()["grading_period"]
    assert rows and all(re.match(r"^\d{4}-\d{2}-\d{2} 00:00:00$", r[f]) for r in rows for f in ("start", "end"))
    listed = sandbox_http.get("gradingperiods").json()
    assert isinstance(listed["total"], int)
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}$", p["end"]) for p in listed["gradingperiods"])


# ---------------------------------------------------------------------- the library on those answers
def test_reactivation_body_has_no_users_wrapper():
    assert build_bulk_payload(get_endpoint("users_reactivate"), [{"uid": "7", "option_reenroll": 1}]) == {
        "user": [{"uid": "7", "option_reenroll": 1}]}


def test_inactive_filters_on_role_or_grad_year_are_refused_with_the_reason(sandbox, caplog):
    with _client(sandbox) as client:
        inactive = list(client.iter_records("users_inactive"))
    assert len(user_changes.select_inactive(inactive)) == len(inactive) == 5 + 2  # with the known inactive duplicates
    with pytest.raises(ConfigurationError, match=r"grad_years: the inactive users listing .* does not say a user's grad_year"):
        user_changes.select_inactive(inactive, grad_years=["2026"])
    with pytest.raises(ConfigurationError, match="roles: .* list the school_uids"):
        user_changes.select_inactive(inactive, role_ids=["5"])
    richer = [{**u, "grad_year": "2026" if n % 2 else "2027"} for n, u in enumerate(inactive)]  # the other reading
    with caplog.at_level(logging.INFO):
        assert len(user_changes.select_inactive(richer, grad_years=["2026"])) == len(inactive) // 2
    assert "carries grad_year" in caplog.text


def test_parent_links_from_child_uids_and_per_parent_reads_when_missing(sandbox, caplog):
    state = sandbox.state()
    school_uid = {int(k): u["school_uid"] for k, u in state["users"].items()}
    # pairs of active users: a link to an inactive child (the seeded year-end parent's) is not one
    expected = {(school_uid[x["student_uid"]], school_uid[x["parent_uid"]]) for x in state["parent_links"]
                if x["student_uid"] in school_uid and x["parent_uid"] in school_uid}
    assert len(expected) == len(state["parent_links"]) - 1
    with _client(sandbox) as client:
        users = list(client.iter_records("users"))
        assert user_changes.parent_links(users) == expected
        stripped = [{k: v for k, v in u.items() if k != "child_uids"} for u in users]
        before = sandbox.counters()["by_route"].get("GET /users/{id}", 0)
        with caplog.at_level(logging.INFO):
            assert user_changes.parent_links(stripped, client=client) == expected
    parents = sum(1 for u in state["users"].values() if u["role_id"] == _role_id(state, "Parent"))
    assert sandbox.counters()["by_route"]["GET /users/{id}"] - before == parents  # one read per parent, by multiget
    assert "reading them one by one" in caplog.text


def test_birthdays_come_from_the_csv_export(sandbox, caplog):
    state = sandbox.state()
    with _client(sandbox) as client, caplog.at_level(logging.INFO):
        users = list(birthdays.with_birthdays(client.iter_records("users"), client))
    assert {str(u["uid"]): u["birthday_date"] for u in users} == {
        k: u.get("birthday_date", "") for k, u in state["users"].items()}
    assert "read from csvexport/users" in caplog.text


def test_deactivating_sections_is_refused_with_the_reason():
    with pytest.raises(ConfigurationError, match="active flag is not writable"):
        section_archive.archive_changes([{"id": 1, "active": 1}], action="deactivate")
    assert section_archive.archive_changes([{"id": 1, "active": 1}], action="report") == []


def test_drift_check_of_a_birthday_update_reads_the_csv_export(sandbox):
    """The listing has no birthday_date, so an update touching it is checked against csvexport/users."""
    from schoology_etl.plans.drift import APPLY, DRIFTED, ClientReader, check_change
    from schoology_etl.plans.model import UPDATE, Change

    user = next(u for u in sandbox.state()["users"].values() if u.get("birthday_date"))
    change = Change(1, UPDATE, "users", {"school_uid": user["school_uid"]}, str(user["uid"]),
                    {"birthday_date": user["birthday_date"], "position": user.get("position", "")},
                    {"birthday_date": "2001-02-03", "position": "Lead"})
    stale = Change(2, UPDATE, "users", change.key, change.id, {**change.before, "birthday_date": "1999-09-09"}, change.after)
    with _client(sandbox) as client:
        current = ClientReader(client, strategy="filter").read([change, stale])
    assert check_change(change, current[1]).action == APPLY
    assert check_change(stale, current[2]).action == DRIFTED
