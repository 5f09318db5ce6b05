"""AsyncSchoologyClient: the asyncio driver (aiohttp), same method names, awaitable.

List reads fetch pages in parallel: once the first page gives ``total``, the remaining
offsets are known, so they are fetched concurrently (bounded by ``max_concurrency`` and
the shared limiter) and yielded in order with a bounded look-ahead window. If the
server's ``next`` links disagree with offset paging, reading falls back to following
``links.next``.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp

from schoology_etl.auth import redact_url
from schoology_etl.bulk import BulkCall, BulkResult, parse_bulk_response, parse_multiget, plan_bulk
from schoology_etl.client import _CHUNK_ERRORS, MAX_REDIRECTS, ClientCore, chunk_failures
from schoology_etl.credentials import Credentials
from schoology_etl.endpoints import MAX_BATCH, Endpoint, resolve
from schoology_etl.errors import ConfigurationError, NetworkError, ResponseFormatError
from schoology_etl.paging import Page, Paginator, after_offset_page, parallel_offsets, parse_page
from schoology_etl.responses import ApiResponse, coerce_record, network_error_message, parse_response

log = logging.getLogger(__name__)


class AsyncSchoologyClient(ClientCore):
    """Asynchronous Schoology API client; use ``async with`` or call ``aclose()``.

    Example:
        >>> async with AsyncSchoologyClient(creds) as client:      # doctest: +SKIP
        ...     async for user in client.iter_records("users"):
        ...         print(user["uid"])
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        lookahead: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(credentials, **options)
        self._sleep = sleep
        self.lookahead = lookahead or 2 * self.max_concurrency
        self._session: aiohttp.ClientSession | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def _ensure_session(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        if self._closed:
            raise ConfigurationError("the client is closed; open it again with `async with`")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        assert self._semaphore is not None
        return self._session, self._semaphore

    # -- sending -------------------------------------------------------------------

    async def _send_once(self, method: str, url: str, body: Any, expect: str) -> ApiResponse:
        session, semaphore = self._ensure_session()
        async with semaphore:
            waited = await self.limiter.aacquire(self._sleep)
            self.stats.add(throttled_seconds=waited, requests=1)
            headers = self._headers(method, url, body is not None)
            sent = time.monotonic()
            try:
                async with session.request(method, url, json=body, headers=headers, allow_redirects=False) as raw:
                    text = await raw.text()
                    status, raw_headers = raw.status, {k.lower(): v for k, v in raw.headers.items()}
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise NetworkError(network_error_message(exc), method=method,
                                   url=redact_url(url)) from exc
            finally:
                self.limiter.observe(time.monotonic() - sent)
        log.debug("%s %s -> %s", method, redact_url(url), status)
        if status == 303:
            return ApiResponse(303, raw_headers, None, url, method)
        try:
            return parse_response(status, raw_headers, text, method=method, url=url, expect=expect)
        except Exception as exc:
            self._note_error(exc)
            raise

    async def _send(self, method: str, url: str, body: Any, expect: str) -> ApiResponse:
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._send_once(method, url, body, expect)
            if response.status != 303:
                return response
            self.stats.add(redirects=1)
            url, method, body = self._redirect_target(url, response), "GET", None
        raise ResponseFormatError(f"more than {MAX_REDIRECTS} redirects", method=method, url=redact_url(url))

    async def request_url(self, method: str, url: str, json: Any = None, *, expect: str = "json") -> ApiResponse:
        """Send to an absolute URL with retries; every try and redirect hop is signed anew."""
        async for attempt in self.retry_policy.aretrying(sleep=self._sleep, on_retry=self._count_retry):
            with attempt:
                return await self._send(method.upper(), url, json, expect)
        raise AssertionError("unreachable")  # pragma: no cover

    async def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, json: Any = None,
                      *, expect: str = "json") -> ApiResponse:
        """Send one request (path relative to the base URL); return the decoded answer."""
        return await self.request_url(method, self.url_for(path, params), json, expect=expect)

    async def get(self, path: str, **query: Any) -> Any:
        """GET one object by endpoint name or path; 303s are followed and re-signed."""
        endpoint, path, rest = resolve(path, query)
        return (await self.request("GET", path, rest, expect=endpoint.format)).data

    # -- reading ---------------------------------------------------------------------

    async def _page(self, url: str, list_key: str | None) -> Page:
        page = parse_page((await self.request_url("GET", self.rebase(url))).data, list_key)
        self.stats.add(pages=1)
        return page

    async def iter_records(self, endpoint: str, **query: Any) -> AsyncIterator[dict[str, Any]]:
        """Every record of a list endpoint, in order; pages after the first fetched in parallel."""
        ep, path, rest = resolve(endpoint, query)
        if ep.format == "csv":
            for row in (await self.request("GET", path, rest, expect="csv")).data or []:
                yield coerce_record(row)
            return
        for batch in self._lookup_batches(ep, rest):
            async for record in self._iter_pages(ep, path, batch):
                yield record

    async def _iter_pages(self, ep: Endpoint, path: str, query: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        limit, rest = self._list_query(query)
        pager = Paginator(limit=limit)
        first = pager.first_url(self.url_for(path, rest))
        page = await self._page(first, ep.list_key)
        for record in page.records:
            yield record
        url = pager.advance(page)
        plan = parallel_offsets(first, page, url, limit)
        if plan:
            fallback: list[str] = []
            async for record in self._parallel_pages(plan, ep.list_key, len(page.records), page.total or 0,
                                                     pager, fallback):
                yield record
            url = fallback[0] if fallback else None
        while url:
            page = await self._page(url, ep.list_key)
            for record in page.records:
                yield record
            url = pager.advance(page)

    async def _parallel_pages(
        self, plan: list[tuple[int, str]], list_key: str | None, step: int, total: int, pager: Paginator,
        fallback: list[str],
    ) -> AsyncIterator[dict[str, Any]]:
        """Records of the planned pages, fetched concurrently and yielded in order.

        At most ``lookahead`` pages are in flight or buffered. When a page's ``next`` link
        disagrees with the offsets, the link to follow from there is put into ``fallback``.
        """
        offsets = iter(plan)
        pending: list[tuple[int, str, asyncio.Task[Page]]] = []

        def schedule() -> None:
            while len(pending) < self.lookahead:
                item = next(offsets, None)
                if item is None:
                    return
                task = asyncio.ensure_future(self._page(item[1], list_key))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                pending.append((item[0], item[1], task))

        try:
            schedule()
            while pending:
                offset, url, task = pending.pop(0)
                page = await task
                schedule()
                pager.mark_seen(url)
                for record in page.records:
                    yield record
                keep, follow = after_offset_page(pager, page, offset, step, total)
                if not keep:
                    if follow:
                        fallback.append(follow)
                    return
        finally:
            for _, _, task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*(t for _, _, t in pending), return_exceptions=True)

    list = iter_records

    # -- writing ---------------------------------------------------------------------

    async def bulk(self, endpoint: str, items: Sequence[Any], method: str = "POST",
                   params: Mapping[str, Any] | None = None, **path_params: Any) -> builtins.list[BulkResult]:
        """Write ``items`` in chunks of at most 50 (chunks run concurrently); results in input order."""
        ep, path, rest = resolve(endpoint, {**path_params, **(params or {})})
        calls = plan_bulk(ep, path, list(items), method, rest)
        chunks = await asyncio.gather(*(self._bulk_call(ep, call) for call in calls))
        return [result for chunk in chunks for result in chunk]

    async def _bulk_call(self, ep: Endpoint, call: BulkCall) -> builtins.list[BulkResult]:
        try:
            response = await self.request(call.method, call.path, call.params, call.json)
        except _CHUNK_ERRORS as exc:
            return chunk_failures(call, exc)
        return parse_bulk_response(ep, call, response)

    async def create(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk POST (flags such as ``update_existing=True`` go into the query)."""
        return await self.bulk(endpoint, items, "POST", flags)

    async def update(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk PUT; every item carries its id."""
        return await self.bulk(endpoint, items, "PUT", flags)

    async def delete(self, endpoint: str, items: Sequence[Any], **flags: Any) -> builtins.list[BulkResult]:
        """Bulk DELETE by id list in the query."""
        return await self.bulk(endpoint, items, "DELETE", flags)

    async def multiget(self, paths: Sequence[str]) -> builtins.list[Any]:
        """GET up to 50 paths per call through ``/multiget``; ``None`` for each failed one."""
        full = self._multiget_paths(paths)
        chunks = [full[i:i + MAX_BATCH] for i in range(0, len(full), MAX_BATCH)]
        answers = await asyncio.gather(*(self.request("POST", "multiget", json={"request": c}) for c in chunks))
        return [body for c, a in zip(chunks, answers, strict=True) for body in parse_multiget(a.data, len(c))]

    # -- lifetime --------------------------------------------------------------------

    async def aclose(self) -> None:
        """Cancel look-ahead reads still running and close the HTTP session."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    close = aclose

    async def __aenter__(self) -> AsyncSchoologyClient:
        self._closed = False
        self._ensure_session()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
