"""Response parsing, error mapping and the endpoint table, without a network."""

from __future__ import annotations

import pytest

from schoology_etl.endpoints import ENDPOINTS, resolve
from schoology_etl.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseFormatError,
    ServerError,
)
from schoology_etl.responses import coerce_record, parse_response

URL = "http://127.0.0.1:9/v1/users?start=0&oauth_signature=SECRET"


def parse(status: int, text: str, headers: dict | None = None, **kw):
    return parse_response(status, headers or {}, text, method="GET", url=URL, **kw)


def test_json_object_is_decoded_and_ids_coerced() -> None:
    r = parse(200, '{"id": "12", "uid": "12", "school_uid": "0012", "building_id": "3", "name": "7"}')
    assert r.data == {"id": 12, "uid": 12, "school_uid": "0012", "building_id": 3, "name": "7"}


def test_coerce_does_not_mutate_and_leaves_non_numeric_ids() -> None:
    rec = {"id": "abc", "total": "5"}
    assert coerce_record(rec) == {"id": "abc", "total": 5}
    assert rec == {"id": "abc", "total": "5"}


@pytest.mark.parametrize("status,cls", [(401, AuthenticationError), (403, PermissionDeniedError),
                                        (404, NotFoundError), (400, BadRequestError), (409, BadRequestError),
                                        (500, ServerError), (503, ServerError), (429, RateLimitedError)])
def test_status_maps_to_the_error_tree(status: int, cls: type) -> None:
    with pytest.raises(cls) as info:
        parse(status, "Duplicate timestamp/nonce combination" if status == 401 else "", {"Retry-After": "3"})
    assert info.value.status == status
    assert "SECRET" not in str(info.value) and "oauth_signature" not in str(info.value)
    if status == 429:
        assert info.value.retry_after == 3.0
    if status == 401:
        assert "Duplicate timestamp/nonce" in str(info.value)


def test_html_bodies_are_format_errors_with_a_short_excerpt() -> None:
    html = "<html><head><title>403 Forbidden</title></head><body>" + "x" * 5000 + "</body></html>"
    with pytest.raises(ResponseFormatError) as info:
        parse(403, html, {"Content-Type": "text/html"})
    assert "403 Forbidden" in str(info.value) and len(str(info.value)) < 400
    with pytest.raises(ResponseFormatError):
        parse(200, html)


def test_html_from_a_failing_edge_stays_a_retryable_server_error() -> None:
    with pytest.raises(ServerError):
        parse(502, "<html>bad gateway</html>", {"content-type": "text/html"})


def test_csv_bodies_become_dicts() -> None:
    assert parse(200, "uid,school_uid\n1,S1\n", expect="csv").data == [{"uid": "1", "school_uid": "S1"}]


def test_empty_body_is_none() -> None:
    assert parse(204, "").data is None


def test_endpoint_table_renders_paths_and_keeps_the_rest_as_query() -> None:
    ep, path, query = resolve("section_enrollments", {"section_id": 5, "enrollment_status": 1})
    assert path == "sections/5/enrollments" and query == {"enrollment_status": 1}
    assert ep.list_key == "enrollment" and ep.result_path == ("enrollments", "enrollment")
    assert resolve("buildings", {"school_id": 1})[1] == "schools/1/buildings"
    assert resolve("user_ext", {"school_uid": "A/1 2"})[1] == "users/ext/A%2F1%202"
    assert resolve("/v1/users", {})[0] is ENDPOINTS["users"]
    assert resolve("users/123", {})[1] == "users/123"
    assert ENDPOINTS["grading_periods"].list_key == "gradingperiods"
    with pytest.raises(ConfigurationError, match="section_id"):
        resolve("section_enrollments", {})


def test_every_bulk_endpoint_caps_at_50() -> None:
    assert all(ep.max_batch <= 50 for ep in ENDPOINTS.values())
    assert all(ep.bulk_singular for ep in ENDPOINTS.values() if ep.bulk_plural)
