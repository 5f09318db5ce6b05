"""Paging state, pure: follow ``links.next``, plan offsets from ``total``, detect loops.

The drivers fetch; this module decides what the page held and what to fetch next.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from schoology_etl.errors import ResponseFormatError
from schoology_etl.responses import coerce_record, coerce_scalar

log = logging.getLogger(__name__)

PAGE_LIMIT = 200
_ENVELOPE_KEYS = {"total", "links"}


@dataclass
class Page:
    """One decoded list page."""

    records: list[dict[str, Any]]
    total: int | None = None
    next_url: str | None = None


def parse_page(data: Any, list_key: str | None) -> Page:
    """Read one list envelope.

    A missing wrapper key means an empty page (``{"total": 0}``); with no ``list_key``
    the first list value in the envelope is used.

    Raises:
        ResponseFormatError: the body is not an object, or the wrapper is not a list.
    """
    if data is None:
        return Page([])
    if not isinstance(data, dict):
        raise ResponseFormatError(f"expected a list envelope object, got {type(data).__name__}")
    total = coerce_scalar("total", data.get("total"))
    total = total if isinstance(total, int) else None
    links = data.get("links") or {}
    next_url = links.get("next") if isinstance(links, dict) else None
    if list_key is None:
        list_key = next((k for k, v in data.items() if k not in _ENVELOPE_KEYS and isinstance(v, list)), None)
    rows = data.get(list_key, []) if list_key else []
    if rows is None or rows == "":
        rows = []
    if isinstance(rows, dict):  # XML-ish single object
        rows = [rows]
    if not isinstance(rows, list):
        raise ResponseFormatError(f"expected a list under {list_key!r}, got {type(rows).__name__}")
    return Page([coerce_record(r) if isinstance(r, dict) else r for r in rows], total, next_url or None)


def set_query(url: str, **params: Any) -> str:
    """``url`` with query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def url_key(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A comparable form of a URL: path plus sorted query, without scheme, host or oauth_*.

    ``http`` and ``https`` forms of the same next link compare equal.
    """
    parts = urlsplit(url)
    query = tuple(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                         if not k.startswith("oauth_")))
    return (parts.path.rstrip("/"), query)


def offset_of(url: str) -> tuple[int | None, int | None]:
    """``(start, limit)`` from a URL's query, ``None`` where absent or not a number."""
    query = dict(parse_qsl(urlsplit(url).query))

    def num(name: str) -> int | None:
        value = query.get(name)
        return int(value) if value is not None and value.isdigit() else None

    return num("start"), num("limit")


def _fingerprint(records: list[Any]) -> tuple[Any, ...]:
    def one(r: Any) -> Any:
        if isinstance(r, dict) and (r.get("id") is not None or r.get("uid") is not None):
            return (r.get("id"), r.get("uid"))
        return hash(repr(r))

    return tuple(one(r) for r in records)


@dataclass
class Paginator:
    """Follows ``links.next`` and always ends.

    It stops when a page has no ``next`` link, when a ``next`` URL was already fetched,
    when a page is empty or holds exactly the records of an earlier page (one hash per
    page is kept), or when far more pages were fetched than ``total`` allows.
    """

    limit: int = PAGE_LIMIT
    pages: int = 0
    records: int = 0
    total: int | None = None
    stop_reason: str | None = None
    _seen: set[tuple[Any, ...]] = field(default_factory=set)
    _pages_seen: set[int] = field(default_factory=set)

    def first_url(self, url: str) -> str:
        """The URL of the first page (``start=0``, ``limit`` set); remembered as seen."""
        first = set_query(url, start=0, limit=self.limit)
        self._seen.add(url_key(first))
        return first

    def mark_seen(self, url: str) -> None:
        """Remember a URL fetched outside :meth:`advance` (parallel offset reads)."""
        self._seen.add(url_key(url))

    def advance(self, page: Page) -> str | None:
        """Account for one fetched page; return the next URL to fetch, or ``None``."""
        self.pages += 1
        self.records += len(page.records)
        if page.total is not None:
            self.total = page.total
        if not page.records:
            return self._stop("empty page")
        fingerprint = hash(_fingerprint(page.records))
        if fingerprint in self._pages_seen:
            return self._stop("page repeated an earlier page's records")
        self._pages_seen.add(fingerprint)
        if not page.next_url:
            return self._stop(None)
        key = url_key(page.next_url)
        if key in self._seen:
            return self._stop(f"next link already fetched: {page.next_url}")
        if self.total is not None and self.pages >= math.ceil(self.total / max(1, self.limit)) + 2:
            return self._stop(f"{self.pages} pages fetched for a total of {self.total}")
        self._seen.add(key)
        return page.next_url

    def _stop(self, reason: str | None) -> str | None:
        self.stop_reason = reason
        if reason:
            log.warning("paging stopped: %s", reason)
        return None


def offset_urls(first_url: str, total: int, limit: int, *, start: int = 0) -> Iterable[tuple[int, str]]:
    """``(start, url)`` for every page from ``start`` up to ``total`` at ``limit`` per page."""
    for offset in range(start, total, limit):
        yield offset, set_query(first_url, start=offset, limit=limit)


def next_matches_offsets(page: Page, start: int, limit: int, total: int) -> bool:
    """Whether a page's ``next`` link is what offset paging predicts for it."""
    expected = start + limit
    if expected >= total:
        return page.next_url is None
    if page.next_url is None:
        return False
    got_start, got_limit = offset_of(page.next_url)
    return got_start == expected and got_limit in (None, limit)


def parallel_offsets(first_url: str, first: Page, next_url: str | None, limit: int) -> list[tuple[int, str]]:
    """``(start, url)`` of pages 2..n when the first page allows offset paging, else ``[]``.

    Offset paging is used only when the first page carries ``total`` and its ``next``
    link is exactly the offset of the following page.
    """
    step = len(first.records)
    if not next_url or first.total is None or not step:
        return []
    start, got_limit = offset_of(next_url)
    if start != step or got_limit not in (None, step, limit):
        return []
    return list(offset_urls(first_url, first.total, step, start=step))


def after_offset_page(pager: Paginator, page: Page, start: int, step: int, total: int) -> tuple[bool, str | None]:
    """Account for one page read by offset; return ``(keep_going, link_to_follow_instead)``.

    When the page's ``next`` link disagrees with the offsets, offset reading stops and the
    link (if any, and not a loop) is to be followed from there.
    """
    following = pager.advance(page)
    if not next_matches_offsets(page, start, step, total):
        log.info("next links disagree with offset paging at start=%s; following links", start)
        return False, following
    if following is None and page.next_url:
        return False, None  # the paginator saw a loop
    return True, None
