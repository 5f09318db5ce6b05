"""List envelopes of the sandbox: start/limit, caps, links, totals."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_sandbox.envelopes import page
from schoology_sandbox.routing import Call
from schoology_sandbox.state import DistrictState
from tests.fixtures.sandbox import SignedRequests


def test_default_page_is_20_with_next_link(sandbox_http, sandbox):
    body = sandbox_http.get("users").json()
    assert len(body["user"]) == 20
    assert isinstance(body["total"], str)
    assert int(body["total"]) == len(sandbox.state()["users"])
    assert body["links"]["next"].startswith(sandbox.base_url + "/users?")
    assert parse_qs(urlsplit(body["links"]["next"]).query) == {"start": ["20"], "limit": ["20"]}


def test_limit_is_silently_capped_at_200(sandbox_factory):
    server = sandbox_factory(users=150)
    body = SignedRequests(server).get("users", params={"limit": 1000}).json()
    assert len(body["user"]) == 200
    assert "limit=200" in body["links"]["next"]


def test_following_next_reads_everything_once_and_last_page_has_no_next(sandbox_http, sandbox):
    student_role = _role_id(sandbox, "Student")
    url, seen, pages = "users?limit=50&role_ids=" + student_role, [], 0
    while url:
        body = sandbox_http.get(url).json()
        seen += [u["uid"] for u in body["user"]]
        url = body["links"].get("next")
        pages += 1
        assert pages < 50
    students = [u for u in sandbox.state()["users"].values() if u["role_id"] == int(student_role)]
    assert sorted(seen) == sorted(str(u["uid"]) for u in students)
    assert len(seen) == len(set(seen))


def test_next_keeps_filters(sandbox_http, sandbox):
    building = next(iter(sandbox.state()["buildings"]))
    body = sandbox_http.get("users", params={"building_id": building, "limit": 5}).json()
    assert parse_qs(urlsplit(body["links"]["next"]).query)["building_id"] == [building]
    assert all(
        str(u["building_id"]) == building or building in u["additional_buildings"].split(",") for u in body["user"]
    )


def test_total_types_and_empty_grading_period_list(sandbox_http, sandbox):
    groups = sandbox_http.get("groups").json()
    assert isinstance(groups["total"], int) and groups["total"] == len(groups["group"])
    assert "next" not in groups["links"]
    periods = sandbox_http.get("gradingperiods", params={"title": "no such period"}).json()
    assert periods == {"total": 0}


def test_school_uids_filter_caps_at_50(sandbox_http, sandbox):
    users = list(sandbox.state()["users"].values())[:3]
    body = sandbox_http.get("users", params={"school_uids": ",".join(u["school_uid"] for u in users)}).json()
    assert {u["school_uid"] for u in body["user"]} == {u["school_uid"] for u in users}
    too_many = ",".join(f"X{n}" for n in range(51))
    assert sandbox_http.get("users", params={"school_uids": too_many}).status_code == 400


def _role_id(sandbox, title):
    return next(k for k, r in sandbox.state()["roles"].items() if r["title"] == title)


# ---------------------------------------------------------------------- the paging envelope as a pure function


def _call(query):
    return Call(DistrictState(), "GET", "/things", {}, query, None, "http://127.0.0.1:1/v1")


@settings(max_examples=150)
@given(total=st.integers(0, 700), limit=st.one_of(st.none(), st.integers(-5, 500)), extra=st.booleans())
def test_following_next_visits_every_row_once_in_order(total, limit, extra):
    rows = list(range(total))
    query = {} if limit is None else {"limit": str(limit)}
    if extra:
        query["building_id"] = "7"
    seen, pages = [], 0
    while True:
        body = page(_call(query), rows, "thing").body
        assert len(body["thing"]) <= 200
        assert body["total"] == total
        seen += body["thing"]
        pages += 1
        nxt = body["links"].get("next")
        if nxt is None:
            break
        query = dict(parse_qs(urlsplit(nxt).query, keep_blank_values=True))
        query = {k: v[0] for k, v in query.items()}
        assert query.get("building_id") == ("7" if extra else None)
    assert seen == rows
    size = 20 if limit is None or limit <= 0 else min(limit, 200)
    assert pages == max(1, math.ceil(total / size))
