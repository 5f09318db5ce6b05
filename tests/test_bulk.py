"""Bulk chunking, payloads and row-by-row results, without a network."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.bulk import build_bulk_payload, chunked, parse_bulk_response, parse_multiget, plan_bulk
from schoology_etl.endpoints import ENDPOINTS
from schoology_etl.errors import ConfigurationError, ResponseFormatError
from schoology_etl.responses import ApiResponse

USERS = ENDPOINTS["users"]


@settings(max_examples=200)
@given(items=st.lists(st.integers(), max_size=400), size=st.integers(1, 80))
def test_chunks_keep_every_item_once_in_order_and_never_exceed_the_size(items, size) -> None:
    chunks = list(chunked(items, size))
    assert all(1 <= len(c) <= size for c in chunks)
    assert [i for c in chunks for i in c] == items


@settings(max_examples=100)
@given(n=st.integers(0, 260), batch=st.one_of(st.none(), st.integers(1, 500)),
       codes=st.lists(st.sampled_from([200, 201, 400, 404, 409]), min_size=260, max_size=260))
def test_bulk_results_line_up_one_to_one_with_inputs(n, batch, codes) -> None:
    items = [{"school_uid": f"S{i:04d}", "name_first": "A"} for i in range(n)]
    calls = plan_bulk(USERS, "users", items, "POST", {"update_existing": 1}, batch_size=batch)
    assert all(len(c.items) <= 50 for c in calls)
    results = []
    for call in calls:
        body = call.json["users"]["user"]
        assert body == call.items
        rows = [{"response_code": str(codes[call.start + k]), "id": str(1000 + call.start + k),
                 **({"message": "nope"} if codes[call.start + k] >= 400 else {})} for k in range(len(body))]
        results += parse_bulk_response(USERS, call, ApiResponse(207, {}, {"user": rows}))
    assert [r.index for r in results] == list(range(n))
    assert [r.item for r in results] == items
    assert [r.ok for r in results] == [c < 300 for c in codes[:n]]
    assert all(r.id == 1000 + r.index for r in results)
    assert all(r.message == "nope" for r in results if not r.ok)


def test_enrollment_rows_are_one_level_deeper() -> None:
    ep = ENDPOINTS["section_enrollments"]
    [call] = plan_bulk(ep, "sections/5/enrollments", [{"uid": 1, "admin": 0, "status": 1}] * 2, "POST")
    assert call.json == {"enrollments": {"enrollment": [{"uid": 1, "admin": 0, "status": 1}] * 2}}
    data = {"enrollments": {"enrollment": [{"response_code": 200, "id": 9}, {"response_code": 400,
                                                                              "error": "bad uid"}]}}
    ok, bad = parse_bulk_response(ep, call, ApiResponse(207, {}, data))
    assert ok.ok and ok.id == 9
    assert not bad.ok and bad.message == "bad uid" and bad.index == 1


def test_row_count_mismatch_is_a_format_error_never_a_misalignment() -> None:
    [call] = plan_bulk(USERS, "users", [{"id": 1}, {"id": 2}, {"id": 3}], "PUT")
    with pytest.raises(ResponseFormatError, match="2 result rows for 3 items"):
        parse_bulk_response(USERS, call, ApiResponse(200, {}, {"user": [{"response_code": 200}] * 2}))
    with pytest.raises(ResponseFormatError, match="no result rows"):
        parse_bulk_response(USERS, call, ApiResponse(200, {}, {"something": "else"}))


def test_no_content_means_every_item_succeeded() -> None:
    [call] = plan_bulk(USERS, "users", [{"id": 1}, {"id": 2}], "PUT")
    results = parse_bulk_response(USERS, call, ApiResponse(204, {}, None))
    assert [(r.index, r.ok, r.response_code) for r in results] == [(0, True, 204), (1, True, 204)]


def test_delete_puts_ids_in_the_query_in_chunks_of_50() -> None:
    calls = plan_bulk(USERS, "users", [{"id": i} for i in range(120)], "DELETE", {"email_notification": 0})
    assert [len(c.items) for c in calls] == [50, 50, 20]
    assert calls[2].params == {"email_notification": 0, "uids": ",".join(str(i) for i in range(100, 120))}
    assert calls[0].json is None
    with pytest.raises(ConfigurationError):
        plan_bulk(USERS, "users", [{"name": "no id"}], "DELETE")


def test_methods_not_in_the_table_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="does not allow"):
        plan_bulk(ENDPOINTS["roles"], "roles", [{}], "POST")
    with pytest.raises(ConfigurationError):
        build_bulk_payload(ENDPOINTS["roles"], [{}])


def test_multiget_bodies_line_up_and_failures_are_none() -> None:
    data = {"response": [{"response_code": 200, "body": {"id": 1}}, {"response_code": "404", "body": ""}]}
    assert parse_multiget(data, 2) == [{"id": 1}, None]
    with pytest.raises(ResponseFormatError):
        parse_multiget(data, 3)
