"""Paging state without a network: envelopes, links.next, loop protection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import ResponseFormatError
from schoology_etl.paging import (
    Page,
    Paginator,
    next_matches_offsets,
    offset_of,
    offset_urls,
    parse_page,
    set_query,
    url_key,
)

BASE = "http://127.0.0.1:9/v1/users"


def test_parse_page_coerces_string_total_and_ids() -> None:
    page = parse_page({"user": [{"id": "7", "uid": "7", "school_uid": "007"}], "total": "196",
                       "links": {"self": BASE, "next": BASE + "?start=200&limit=200"}}, "user")
    assert page.total == 196
    assert page.records == [{"id": 7, "uid": 7, "school_uid": "007"}]
    assert page.next_url.endswith("start=200&limit=200")


def test_missing_wrapper_key_on_an_empty_page_means_empty() -> None:
    page = parse_page({"total": 0}, "gradingperiods")
    assert page.records == [] and page.total == 0 and page.next_url is None


def test_wrapper_that_is_not_a_list_is_a_format_error() -> None:
    with pytest.raises(ResponseFormatError):
        parse_page({"user": "oops"}, "user")
    with pytest.raises(ResponseFormatError):
        parse_page(["not", "an", "envelope"], "user")


def test_unknown_wrapper_key_is_guessed_from_the_envelope() -> None:
    assert parse_page({"thing": [{"id": 1}], "total": 1, "links": {}}, None).records == [{"id": 1}]


def test_first_url_sets_start_and_limit() -> None:
    p = Paginator(limit=200)
    assert offset_of(p.first_url(BASE + "?role_ids=3&limit=20")) == (0, 200)


def test_stops_on_repeated_next_link_and_on_repeated_records() -> None:
    p = Paginator()
    first = p.first_url(BASE)
    assert p.advance(Page([{"id": 1}], 3, first)) is None
    assert "already fetched" in p.stop_reason
    p = Paginator()
    p.first_url(BASE)
    assert p.advance(Page([{"id": 1}], 3, BASE + "?start=1")) is not None
    assert p.advance(Page([{"id": 1}], 3, BASE + "?start=2")) is None
    assert "repeated" in p.stop_reason


def test_url_key_ignores_scheme_host_param_order_and_oauth() -> None:
    assert url_key("http://api.x/v1/users?limit=2&start=4&oauth_nonce=1") == url_key(
        "https://127.0.0.1/v1/users?start=4&limit=2")


def test_offsets_and_next_link_agreement() -> None:
    urls = list(offset_urls(BASE + "?start=0&limit=200", 450, 200, start=200))
    assert [o for o, _ in urls] == [200, 400]
    assert offset_of(urls[-1][1]) == (400, 200)
    assert next_matches_offsets(Page([{}], 450, BASE + "?start=400&limit=200"), 200, 200, 450)
    assert next_matches_offsets(Page([{}], 450, None), 400, 200, 450)
    assert not next_matches_offsets(Page([{}], 450, BASE + "?start=0&limit=200"), 200, 200, 450)
    assert not next_matches_offsets(Page([{}], 450, None), 0, 200, 450)


def test_set_query_replaces_existing_values() -> None:
    assert offset_of(set_query(BASE + "?start=5&x=1", start=10, limit=3)) == (10, 3)


@settings(max_examples=150)
@given(
    n_pages=st.integers(1, 12),
    links=st.lists(st.one_of(st.none(), st.integers(0, 14)), min_size=12, max_size=12),
    sizes=st.lists(st.integers(0, 4), min_size=12, max_size=12),
    ids=st.lists(st.integers(0, 3), min_size=12, max_size=12),
    total=st.one_of(st.none(), st.integers(0, 60)),
)
def test_paging_always_ends_even_on_adversarial_next_links(n_pages, links, sizes, ids, total) -> None:
    """A server whose next links loop, repeat or point anywhere cannot keep us paging."""

    def url(i: int) -> str:
        return f"{BASE}?start={i}&limit=200&noise={i % 3}"

    def fetch(u: str) -> Page:
        i = int(dict(p.split("=") for p in u.split("?")[1].split("&"))["start"]) % n_pages
        nxt = links[i]
        return Page([{"id": ids[i] * 10 + k} for k in range(sizes[i])], total,
                    url(nxt) if nxt is not None else None)

    pager = Paginator()
    current = pager.first_url(url(0))
    fetched = 0
    while current:
        fetched += 1
        assert fetched <= 16, "paging did not stop"
        current = pager.advance(fetch(current))
    assert pager.pages == fetched


@settings(max_examples=100)
@given(contents=st.lists(st.lists(st.integers(0, 50), min_size=1, max_size=4, unique=True), min_size=1, max_size=6))
def test_paging_ends_when_fresh_next_links_serve_old_pages_and_total_is_unknown(contents) -> None:
    """Every next link is new (start keeps growing) but the pages cycle: we must still stop."""
    pager = Paginator()
    current = pager.first_url(f"{BASE}?start=0")
    fetched = 0
    while current:
        fetched += 1
        assert fetched <= len(contents) + 1, "paging did not stop"
        start = offset_of(current)[0]
        page = Page([{"id": i} for i in contents[(start // 200) % len(contents)]], None,
                    set_query(current, start=start + 200))
        current = pager.advance(page)
