"""SchoologyClient: the synchronous driver (requests) around the pure core.

The driver only sends: signing, paging, bulk payloads, parsing, rate and retry decisions
live in their own modules. Redirects are never followed by the HTTP library: a 303 is
followed here with a new signature. List reads fetch the pages after the first with a
small thread pool (``max_concurrency``; 1 reads strictly one page at a time), in order.
"""

from __future__ import annotations

import builtins
import collections
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests

from schoology_etl.auth import redact_url, sign_headers
from schoology_etl.bulk import BulkCall, BulkResult, chunked, parse_bulk_response, parse_multiget, plan_bulk
from schoology_etl.credentials import Credentials
from schoology_etl.endpoints import MAX_BATCH, Endpoint, resolve
from schoology_etl.errors import (
    BadRequestError,
    ConfigurationError,
    FatalError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseFormatError,
)
from schoology_etl.paging import PAGE_LIMIT, Page, Paginator, after_offset_page, parallel_offsets, parse_page
from schoology_etl.ratelimit import DEFAULT_RATE, DEFAULT_WINDOW, RateLimiter, limiter_for
from schoology_etl.responses import ApiResponse, coerce_record, network_error_message, parse_response
from schoology_etl.retry import DEFAULT_MAX_RETRIES, RetryPolicy

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
USER_AGENT = "schoology-etl"
#: whole-chunk refusals turned into per-item failures (the other chunks still run)
_CHUNK_ERRORS = (BadRequestError, NotFoundError, PermissionDeniedError)


@dataclass
class ClientStats:
    """Counters for one client object (thread-safe to update)."""

    requests: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0
    pages: int = 0
    redirects: int = 0
    rate_limited: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: float) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("requests", "retries", "throttled_seconds", "pages",
                                               "redirects", "rate_limited")}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    return str(value)


class ClientCore:
    """What both drivers share: configuration, URLs, the limiter, retry policy, stats."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        rate_limit: int = DEFAULT_RATE,
        rate_window: float = DEFAULT_WINDOW,
        max_concurrency: int = 4,
        timeout: float = 30.0,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise ConfigurationError("credentials must be a Credentials object")
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.credentials = credentials
        self.limiter: RateLimiter = limiter_for(credentials.limiter_key, rate_limit, rate_window)
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.page_limit = min(PAGE_LIMIT, max(1, page_limit))
        self.stats = ClientStats()
        base = urlsplit(credentials.base_url)
        self._scheme, self._netloc, self._base_path = base.scheme, base.netloc, base.path.rstrip("/")

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The absolute URL for an API path (or an absolute URL from a link) plus query."""
        if path.startswith(("http://", "https://")):
            url = self.rebase(path)
        else:
            path = path.lstrip("/")
            if self._base_path and ("/" + path).startswith(self._base_path + "/"):
                path = path[len(self._base_path):].lstrip("/")
            url = f"{self._scheme}://{self._netloc}{self._base_path}/{path}"
        if params:
            query = urlencode([(k, _query_value(v)) for k, v in params.items() if v is not None])
            url = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        return url

    def rebase(self, url: str) -> str:
        """An absolute URL from the API (next link, Location) moved onto our base scheme and host.

        The API may hand out ``http://`` links; following them as given would send the
        signature in clear, so they are always sent to the configured base URL.
        """
        parts = urlsplit(url)
        return urlunsplit((self._scheme, self._netloc, parts.path, parts.query, ""))

    def _redirect_target(self, url: str, response: ApiResponse) -> str:
        location = response.headers.get("location")
        if not location:
            raise ResponseFormatError("303 without a Location header", status=303, url=redact_url(url))
        return self.rebase(urljoin(url, location))

    def _note_error(self, error: BaseException) -> None:
        if isinstance(error, RateLimitedError):
            self.stats.add(rate_limited=1)
            self.limiter.refused(error.retry_after)

    def _count_retry(self, error: BaseException) -> None:
        self.stats.add(retries=1)
        log.info("retrying after %s", error)

    def _headers(self, method: str, url: str, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if has_body:
            headers["Content-Type"] = "application/json"
        headers.update(sign_headers(self.credentials, method, url))
        return headers

    def _list_query(self, query: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query = dict(query)
        limit = min(int(query.pop("limit", self.page_limit)), PAGE_LIMIT)
        query.pop("start", None)
        return limit, query

    def _lookup_batches(self, endpoint: Endpoint, query: dict[str, Any]) -> list[dict[str, Any]]:
        """One query per 50 values of a capped lookup parameter (``school_uids=`` ...)."""
        param = endpoint.lookup_param
        values = query.get(param) if param else None
        if isinstance(values, str):
            values = [v for v in values.split(",") if v]
        if not param or values is None or len(values) <= MAX_BATCH:
            return [query]
        return [{**query, param: list(chunk)} for chunk in chunked(values, MAX_BATCH)]

    def _multiget_paths(self, paths: Sequence[str]) -> list[str]:
        return [f"{self._base_path}/{p.lstrip('/').removeprefix(self._base_path.lstrip('/') + '/')}"
                for p in paths]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.credentials.base_url} {self.limiter!r}>"


def chunk_failures(call: BulkCall, error: FatalError) -> list[BulkResult]:
    """Per-item failures for a chunk the API refused as a whole."""
    return [BulkResult(call.start + i, item, False, error.status, message=str(error))
            for i, item in enumerate(call.items)]


class SchoologyClient(ClientCore):
    """Synchronous Schoology API client.

    Example:
        >>> client = SchoologyClient(creds)                       # doctest: +SKIP
        >>> for user in client.iter_records("users", role_ids=3):  # doctest: +SKIP
        ...     print(user["uid"])
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        super().__init__(credentials, **options)
        self._session = session or requests.Session()
        self._sleep = sleep

    # -- sending -------------------------------------------------------------------

    def _send_once(self, method: str, url: str, body: Any, expect: str) -> ApiResponse:
        self.stats.add(throttled_seconds=self.limiter.acquire(self._sleep), requests=1)
        headers = self._headers(method, url, body is not None)
        sent = time.monotonic()
        try:
            raw = self._session.request(method, url, json=body, headers=headers,
                                        timeout=self.timeout, allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise NetworkError(network_error_message(exc), method=method, url=redact_url(url)) from exc
        except requests.RequestException as exc:
            raise NetworkError(f"request failed: {type(exc).__name__}", method=method, url=redact_url(url)) from exc
        finally:
            self.limiter.observe(time.monotonic() - sent)
        log.debug("%s %s -> %s", method, redact_url(url), raw.status_code)
        if raw.status_code == 303:
            return ApiResponse(303, {k.lower(): v for k, v in raw.headers.items()}, None, url, method)
        try:
            return parse_response(raw.status_code, raw.headers, raw.text, method=method, url=url, expect=expect)
        except Exception as exc:
            self._note_error(exc)
            raise

    def _send(self, method: str, url: str, body: Any, expect: str) -> ApiResponse:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, url, body, expect)
            if response.status != 303:
                return response
            self.stats.add(redirects=1)
            url, method, body = self._redirect_target(url, response), "GET", None
        raise ResponseFormatError(f"more than {MAX_REDIRECTS} redirects", method=method, url=redact_url(url))

    def request_url(self, method: str, url: str, json: Any = None, *, expect: str = "json") -> ApiResponse:
        """Send to an absolute URL with retries; every try and redirect hop is signed anew."""
        for attempt in self.retry_policy.retrying(sleep=self._sleep, on_retry=self._count_retry):
            with attempt:
                return self._send(method.upper(), url, json, expect)
        raise AssertionError("unreachable")  # pragma: no cover

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, json: Any = None,
                *, expect: str = "json") -> ApiResponse:
        """Send one request (path relative to the base URL); return the decoded answer."""
        return self.request_url(method, self.url_for(path, params), json, expect=expect)

    def get(self, path: str, **query: Any) -> Any:
        """GET one object by endpoint name or path; 303s are followed and re-signed."""
        endpoint, path, rest = resolve(path, query)
        return self.request("GET", path, rest, expect=endpoint.format).data

    # -- reading ---------------------------------------------------------------------

    def iter_records(self, endpoint: str, **query: Any) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint, page by page (``links.next``, ``limit=200``)."""
        ep, path, rest = resolve(endpoint, query)
        if ep.format == "csv":
            yield from (coerce_record(r) for r in self.request("GET", path, rest, expect="csv").data or [])
            return
        for batch in self._lookup_batches(ep, rest):
            yield from self._iter_pages(ep, path, batch)

    def _page(self, url: str, list_key: str | None) -> Page:
        page = parse_page(self.request_url("GET", self.rebase(url)).data, list_key)
        self.stats.add(pages=1)
        return page

    def _iter_pages(self, ep: Endpoint, path: str, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        limit, rest = self._list_query(query)
        pager = Paginator(limit=limit)
        first = pager.first_url(self.url_for(path, rest))
        page = self._page(first, ep.list_key)
        yield from page.records
        url = pager.advance(page)
        plan = parallel_offsets(first, page, url, limit) if self.max_concurrency > 1 else []
        if plan:
            url = yield from self._parallel_pages(plan, ep.list_key, len(page.records), page.total or 0, pager)
        while url:
            page = self._page(url, ep.list_key)
            yield from page.records
            url = pager.advance(page)

    def _parallel_pages(
        self, plan: list[tuple[int, str]], list_key: str | None, step: int, total: int, pager: Paginator
    ) -> Generator[dict[str, Any], None, str | None]:
        """Records of the planned pages, read by a small thread pool and yielded in order.

        Returns the link to follow instead when the server's next links disagree with
        the offsets (``None`` when done).
        """
        pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="schoology-page")
        pending: collections.deque[tuple[int, str, Future[Page]]] = collections.deque()
        offsets = iter(plan)

        def schedule() -> None:
            while len(pending) < 2 * self.max_concurrency:
                item = next(offsets, None)
                if item is None:
                    return
                pending.append((item[0], item[1], pool.submit(self._page, item[1], list_key)))

        try:
            schedule()
            while pending:
                offset, url, future = pending.popleft()
                page = future.result()
                schedule()
                pager.mark_seen(url)
                yield from page.records
                keep, follow = after_offset_page(pager, page, offset, step, total)
                if not keep:
                    return follow
            return None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    list = iter_records

    # -- writing ---------------------------------------------------------------------

    def bulk(self, endpoint: str, items: Sequence[Any], method: str = "POST",
             params: Mapping[str, Any] | None = None, **path_params: Any) -> builtins.list[BulkResult]:
        """Write ``items`` in chunks of at most 50; one :class:`BulkResult` per item, in order."""
        ep, path, rest = resolve(endpoint, {**path_params, **(params or {})})
        results: builtins.list[BulkResult] = []
        for call in plan_bulk(ep, path, list(items), method, rest):
            results.extend(self._bulk_call(ep, call))
        return results

    def _bulk_call(self, ep: Endpoint, call: BulkCall) -> builtins.list[BulkResult]:
        try:
            response = self.request(call.method, call.path, call.params, call.json)
        except _CHUNK_ERRORS as exc:
            return chunk_failures(call, exc)
        return parse_bulk_response(ep, call, response)

    def create(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk POST (flags such as ``update_existing=True`` go into the query)."""
        return self.bulk(endpoint, items, "POST", flags)

    def update(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk PUT; every item carries its id."""
        return self.bulk(endpoint, items, "PUT", flags)

    def delete(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk DELETE by id list in the query (``uids=``, ``course_ids=`` ...)."""
        return self.bulk(endpoint, items, "DELETE", flags)

    def multiget(self, paths: Sequence[str]) -> builtins.list[Any]:
        """GET up to 50 paths per call through ``/multiget``; ``None`` for each failed one."""
        out: builtins.list[Any] = []
        full = self._multiget_paths(paths)
        for start in range(0, len(full), MAX_BATCH):
            chunk = full[start:start + MAX_BATCH]
            response = self.request("POST", "multiget", json={"request": chunk})
            out.extend(parse_multiget(response.data, len(chunk)))
        return out

    # -- lifetime --------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> SchoologyClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
