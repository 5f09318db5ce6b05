"""The client over real HTTP against the sandbox (strict OAuth, real paging, bulk caps, faults)."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import pytest
import requests

from schoology_etl.async_client import AsyncSchoologyClient
from schoology_etl.auth import sign_headers
from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import AuthenticationError, NotFoundError
from schoology_etl.retry import RetryPolicy

FAST_RETRY = RetryPolicy(max_retries=8, initial=0.01, maximum=0.05, jitter=0.01)


def creds_of(srv: Any, **over: str) -> Credentials:
    return Credentials(**{"base_url": srv.base_url, "key": srv.key, "secret": srv.secret, **over})


def client_for(srv: Any, **options: Any) -> SchoologyClient:
    """A client pacing itself to the sandbox's own limit (so tests do not wait out 429s)."""
    options.setdefault("rate_limit", srv.config.rate_limit or 1000)
    options.setdefault("rate_window", srv.config.rate_window)
    return SchoologyClient(creds_of(srv), **options)


def route_count(srv: Any, route: str) -> int:
    return srv.counters()["by_route"].get(route, 0)


@pytest.mark.parametrize("wrong", ["key", "secret"])
@pytest.mark.parametrize("method", ["HMAC-SHA1", "PLAINTEXT"])
def test_wrong_key_or_secret_is_an_authentication_error(sandbox, wrong: str, method: str) -> None:
    creds = creds_of(sandbox, signature_method=method, **{wrong: secrets.token_hex(8)})
    with SchoologyClient(creds, rate_limit=1000) as client:
        with pytest.raises(AuthenticationError) as info:
            client.get("users/me")
        assert client.stats.retries == 0
    assert info.value.status == 401 and sandbox.secret not in str(info.value)
    with SchoologyClient(creds_of(sandbox, signature_method=method), rate_limit=1000) as client:
        assert client.get("app_user_info")["api_uid"]


def test_a_reused_nonce_is_refused_and_we_never_reuse_one(sandbox) -> None:
    url = f"{sandbox.base_url}/users?limit=5"
    headers = sign_headers(creds_of(sandbox), "GET", url)
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    replay = requests.get(url, headers=headers, timeout=10)
    assert replay.status_code == 401 and "Duplicate timestamp/nonce" in replay.text
    # the redirect trap: an HTTP library following the 303 resends the same header
    trap = requests.get(f"{sandbox.base_url}/users/me", headers=sign_headers(creds_of(sandbox), "GET",
                                                                            f"{sandbox.base_url}/users/me"))
    assert trap.status_code == 401
    with client_for(sandbox) as client:
        for _ in range(30):
            client.get("users", limit=1)
        assert client.stats.requests == 30


def test_303_is_followed_with_a_new_signature(sandbox) -> None:
    users = sandbox.state()["users"]
    some = next(u for u in users.values() if u.get("school_uid"))
    with client_for(sandbox) as client:
        me = client.get("me")
        assert me["uid"] == client.get("app_user_info")["api_uid"]
        ext = client.get("user_ext", school_uid=some["school_uid"])
        assert ext["uid"] == some["uid"] and ext["name_last"] == some["name_last"]
        assert client.stats.redirects == 2
        with pytest.raises(NotFoundError):
            client.get("user", id=999_999_999)
    assert sandbox.counters()["by_status"].get("303") == 2


def test_paging_reads_every_user_once_at_limit_200(sandbox_factory) -> None:
    srv = sandbox_factory(users=300)
    expected = {int(uid) for uid in srv.state()["users"]}
    assert len(expected) > 400
    with client_for(srv) as client:
        got = [u["uid"] for u in client.iter_records("users")]
        assert client.stats.pages == -(-len(expected) // 200)
    assert len(got) == len(expected) and set(got) == expected
    assert route_count(srv, "GET /users") == -(-len(expected) // 200)


def test_csv_export_and_multiget_save_requests(sandbox) -> None:
    users = sandbox.state()["users"]
    with client_for(sandbox) as client:
        rows = list(client.iter_records("csvexport_users", fields="uid,school_uid,name_last"))
        assert {r["uid"] for r in rows} == {int(u) for u in users}
        uids = sorted(int(u) for u in users)[:60]
        bodies = client.multiget([f"users/{u}" for u in uids] + ["users/999999999"])
        assert [b["uid"] for b in bodies[:-1]] == uids and bodies[-1] is None
        assert client.stats.requests == 1 + -(-(len(uids) + 1) // 50)  # one export, then 50 paths a call


def new_user(i: int, **extra: Any) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    return {"school_uid": f"T{tag}{i}", "name_first": "Test", "name_last": f"User{i}",
            "primary_email": f"t{tag}{i}@example.org", "role_id": extra.pop("role_id"), **extra}


def student_role(srv: Any) -> int:
    return next(r["id"] for r in srv.state()["roles"].values() if r["title"] == "Student")


def test_bulk_create_chunks_by_50_and_reports_each_item(sandbox) -> None:
    role = student_role(sandbox)
    existing = next(u for u in sandbox.state()["users"].values() if u.get("school_uid"))
    items = [new_user(i, role_id=role) for i in range(120)]
    items[7] = {k: v for k, v in items[7].items() if k != "name_last"}            # missing a required field
    items[88] = {**items[88], "school_uid": existing["school_uid"]}                # duplicate, no update_existing
    with client_for(sandbox) as client:
        results = client.create("users", items)
    assert route_count(sandbox, "POST /users") == 3  # 50 + 50 + 20, never one over the cap
    assert [r.index for r in results] == list(range(120))
    assert [r.item for r in results] == items
    failed = {r.index: r for r in results if not r.ok}
    assert set(failed) == {7, 88}
    assert failed[7].response_code >= 400 and "name_last" in failed[7].message
    assert failed[88].message and failed[88].item["school_uid"] == existing["school_uid"]
    state_uids = {u["school_uid"]: u for u in sandbox.state()["users"].values()}
    for r in results:
        if r.ok:
            assert state_uids[r.item["school_uid"]]["uid"] == r.id


def test_429_pauses_the_credential_for_retry_after(sandbox_factory) -> None:
    srv = sandbox_factory(users=20, rate_limit=3, rate_window=1.0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # record the wait; sleep only a sliver of it
        slept.append(seconds)
        time.sleep(min(seconds, 0.05))

    with client_for(srv, rate_limit=1000, max_retries=60, sleep=sleep) as client:
        for _ in range(6):
            assert client.get("app_user_info")["api_uid"]
        assert client.stats.rate_limited >= 1
    assert srv.counters()["throttled"] >= 1
    assert max(slept) > 0.8  # the sandbox says Retry-After: 1 (less what already passed)


def test_bulk_update_under_faults_and_a_tight_limit_ends_in_the_exact_state(sandbox_factory) -> None:
    # seed 5: the sandbox's deterministic fault sequence fails a few of the first 40 requests
    srv = sandbox_factory(users=1500, seed=5, rate_limit=20, rate_window=1.0, fail_rate=0.05)
    before = srv.state()["users"]
    targets = sorted(int(uid) for uid in before)[:2000]
    assert len(targets) == 2000
    items = [{"id": uid, "name_middle": f"M{uid}"} for uid in targets]
    counters_before = srv.counters()
    with client_for(srv, rate_limit=20, rate_window=1.0, retry_policy=FAST_RETRY) as client:
        results = client.update("users", items)
        retries = client.stats.retries
    assert [r.index for r in results] == list(range(2000)) and all(r.ok for r in results)
    after = srv.state()["users"]
    for uid, user in after.items():
        expected = f"M{uid}" if int(uid) in set(targets) else before[uid]["name_middle"]
        assert user["name_middle"] == expected
    counters = srv.counters()
    applied = counters["by_route"].get("PUT /users", 0) - counters_before["by_route"].get("PUT /users", 0)
    faults = counters["faults"] - counters_before["faults"]
    throttled = counters["throttled"] - counters_before["throttled"]
    assert faults >= 1 and retries == faults + throttled
    assert applied == 40  # each chunk of 50 reached the handler exactly once


def test_async_parallel_paging_returns_the_same_records_in_order(sandbox_factory) -> None:
    srv = sandbox_factory(users=400)
    with client_for(srv, page_limit=50) as client:
        sync_rows = list(client.iter_records("users"))

    async def read() -> tuple[list[dict], int]:
        async with AsyncSchoologyClient(creds_of(srv), rate_limit=1000, page_limit=50, max_concurrency=4) as c:
            return [u async for u in c.iter_records("users")], c.stats.pages

    rows, pages = asyncio.run(read())
    assert rows == sync_rows and len(rows) > 500
    assert pages == -(-len(rows) // 50)


def test_async_bulk_and_errors_match_sync(sandbox) -> None:
    role = student_role(sandbox)
    items = [new_user(i, role_id=role) for i in range(60)] + [{"school_uid": "x"}]

    async def run() -> list:
        async with AsyncSchoologyClient(creds_of(sandbox), rate_limit=1000) as client:
            with pytest.raises(AuthenticationError):
                async with AsyncSchoologyClient(creds_of(sandbox, secret="nope"), rate_limit=1000) as bad:
                    await bad.get("me")
            return await client.create("users", items)

    results = asyncio.run(run())
    assert [r.ok for r in results] == [True] * 60 + [False]
    assert results[-1].item == {"school_uid": "x"} and results[-1].message


def test_the_api_refuses_more_than_50_but_we_never_send_that_many(sandbox) -> None:
    role = student_role(sandbox)
    url = f"{sandbox.base_url}/users"
    body = {"users": {"user": [new_user(i, role_id=role) for i in range(51)]}}
    raw = requests.post(url, json=body, headers=sign_headers(creds_of(sandbox), "POST", url), timeout=10)
    assert raw.status_code == 400
    with client_for(sandbox) as client:
        results = client.create("users", body["users"]["user"])
    assert len(results) == 51 and all(r.ok for r in results)


def test_school_uid_lookups_are_split_into_50s(sandbox_factory) -> None:
    srv = sandbox_factory(users=100)
    by_code = {u["school_uid"]: u["uid"] for u in srv.state()["users"].values() if u.get("school_uid")}
    codes = sorted(by_code)[:120]
    with client_for(srv) as client:
        found = {u["school_uid"]: u["uid"] for u in client.iter_records("users", school_uids=codes)}
        assert client.stats.requests == 3
    assert found == {c: by_code[c] for c in codes}


def test_every_realm_reads_through_the_endpoint_table(sandbox) -> None:
    state = sandbox.state()
    section = next(iter(state["sections"].values()))
    group = next(iter(state["groups"].values()))
    course = next(iter(state["courses"].values()))

    def in_realm(realm: str, realm_id: int) -> set[int]:
        return {e["id"] for e in state["enrollments"].values() if e["realm"] == realm and e["realm_id"] == realm_id}

    with client_for(sandbox) as client:
        school_id = next(iter(client.iter_records("schools")))["id"]
        assert {b["id"] for b in client.iter_records("buildings", school_id=school_id)} == {
            int(b) for b in state["buildings"]}
        assert {r["id"] for r in client.iter_records("roles")} >= {int(r) for r in state["roles"]}
        assert {c["id"] for c in client.iter_records("courses")} == {int(c) for c in state["courses"]}
        codes = [s["section_school_code"] for s in state["sections"].values() if s.get("section_school_code")]
        assert {s["section_school_code"] for s in client.iter_records("sections", section_school_codes=codes, include_past=1)} == set(
            codes)
        assert {s["id"] for s in client.iter_records("course_sections", course_id=course["id"], include_past=1)} == {
            int(k) for k, s in state["sections"].items() if s["course_id"] == course["id"]}
        assert {g["id"] for g in client.iter_records("groups")} == {int(g) for g in state["groups"]}
        assert {p["id"] for p in client.iter_records("grading_periods")} == {int(p) for p in state["grading_periods"]}
        assert {e["id"] for e in client.iter_records("section_enrollments", section_id=section["id"])} == in_realm(
            "section", section["id"])
        assert {e["id"] for e in client.iter_records("group_enrollments", group_id=group["id"])} == in_realm(
            "group", group["id"])
        assert {u["uid"] for u in client.iter_records("users_inactive")} == {int(u) for u in state["inactive_users"]}


def test_enrollment_writes_answer_one_level_deeper_and_line_up(sandbox) -> None:
    state = sandbox.state()
    section = next(s for s in state["sections"].values() if s.get("section_school_code"))
    enrolled = {e["uid"] for e in state["enrollments"].values() if e["realm_id"] == section["id"]}
    students = [u for u in state["users"].values() if u["uid"] not in enrolled and u.get("school_uid")][:3]
    with client_for(sandbox) as client:
        created = client.create("section_enrollments", [{"uid": students[0]["uid"], "admin": 0, "status": 1},
                                                        {"uid": 999_999_999, "admin": 0, "status": 1},
                                                        {"uid": students[1]["uid"], "admin": 7}],
                                section_id=section["id"])
        assert [r.ok for r in created] == [True, False, False]
        assert created[1].message and created[2].item == {"uid": students[1]["uid"], "admin": 7}
        imported = client.create("enrollments_import", [
            {"section_school_code": section["section_school_code"], "school_uid": students[2]["school_uid"]}])
        assert imported[0].ok, imported[0].message
        after = sandbox.state()["enrollments"]
        mine = [int(k) for k, e in after.items()
                if e["realm_id"] == section["id"] and e["uid"] in (students[0]["uid"], students[2]["uid"])]
        assert len(mine) == 2
        deleted = client.delete("enrollments", mine)
        assert all(r.ok for r in deleted) and [r.item for r in deleted] == mine
    assert not set(mine) & {int(k) for k in sandbox.state()["enrollments"]}


def test_logs_and_errors_never_show_the_secret_or_signature(sandbox, caplog) -> None:
    import logging

    creds = creds_of(sandbox, signature_method="PLAINTEXT")
    with caplog.at_level(logging.DEBUG):
        with SchoologyClient(creds, rate_limit=1000) as client:
            client.get("me")
            list(client.iter_records("users"))
        with SchoologyClient(creds_of(sandbox, secret="wrong-" + secrets.token_hex(4)), rate_limit=1000) as bad:
            with pytest.raises(AuthenticationError) as info:
                bad.get("me")
    text = caplog.text + str(info.value) + repr(client) + repr(creds)
    assert "GET" in caplog.text  # the driver does log its requests
    assert sandbox.secret not in text and "Authorization" not in text
    assert "oauth_signature=" not in text and 'oauth_signature="' not in text and "Signature:" not in text
