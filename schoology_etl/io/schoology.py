"""Schoology realms: ``read_schoology`` pages through an endpoint, ``write_schoology`` bulk-writes.

``write_schoology`` writes **directly** (no plan); jobs that change a district should
go through :mod:`schoology_etl.plans` instead, which reviews before applying.

Example (against the sandbox)::

    users = read_schoology(client, "users", role_ids="3")
    report = etl(users, write_schoology(client, "users", method="PUT"),
                 transforms=[lambda u: {"id": u["id"], "position": "Staff"}])
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from ..errors import BulkPartialError, ConfigurationError, ResponseFormatError
from .base import AsyncSink, AsyncSource, Record, Sink, WriteResult

log = logging.getLogger(__name__)

#: the API's cap on items per bulk request
MAX_BATCH_SIZE = 50
METHODS = ("PUT", "POST", "DELETE")


def _is_async_client(client: Any) -> bool:
    """True for an AsyncSchoologyClient (or anything shaped like one)."""
    return inspect.isasyncgenfunction(getattr(client, "iter_records", None)) or (
        inspect.iscoroutinefunction(getattr(client, "bulk", None))
    )


def read_schoology(client: Any, endpoint: str, **params: Any) -> SchoologySource:
    """A re-iterable source over a list endpoint (``"users"``, ``"sections/123/enrollments"``...).

    Each iteration pages through ``client.iter_records(endpoint, **params)`` afresh. With
    an :class:`~schoology_etl.async_client.AsyncSchoologyClient`, read it with
    ``async for`` (or :func:`~schoology_etl.aetl`).
    """
    return SchoologySource(client, endpoint, **params)


def write_schoology(
    client: Any,
    endpoint: str,
    *,
    method: str = "PUT",
    params: Mapping[str, Any] | None = None,
    batch_size: int = MAX_BATCH_SIZE,
) -> SchoologySink | AsyncSchoologySink:
    """A sink writing records straight to ``endpoint`` with bulk requests.

    Args:
        client: a sync or async Schoology client (an async client gives an async sink).
        endpoint: the endpoint name or path, as for ``client.bulk``.
        method: ``"PUT"`` (update by id), ``"POST"`` (create) or ``"DELETE"``.
        params: query flags for every request (``{"update_existing": 1}``...).
        batch_size: records per request, at most 50 (the API's cap).

    After close, ``sink.results`` holds one :class:`WriteResult` per record with
    ``extra`` holding ``response_code``, ``id`` and ``location``.
    """
    cls = AsyncSchoologySink if _is_async_client(client) else SchoologySink
    return cls(client, endpoint, method=method, params=params, batch_size=batch_size)


class SchoologySource(AsyncSource):
    """Records of one list endpoint; carries ``client`` so a run reports its requests."""

    def __init__(self, client: Any, endpoint: str, **params: Any) -> None:
        self.client = client
        self.endpoint = endpoint
        self.params = params

    def __repr__(self) -> str:
        query = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"<SchoologySource {self.endpoint!r}{query}>"

    def _iter(self) -> Iterator[Record]:
        if _is_async_client(self.client):
            raise ConfigurationError(
                f"{self!r} uses an async client: read it with 'async for' or aetl()"
            )
        return iter(self.client.iter_records(self.endpoint, **self.params))

    async def _aiter(self) -> AsyncIterator[Record]:
        records = self.client.iter_records(self.endpoint, **self.params)
        if hasattr(records, "__aiter__"):
            try:
                async for record in records:
                    yield record
            finally:
                await records.aclose()
        else:  # a sync client read from async code: fine for small reads
            try:
                for record in records:
                    yield record
            finally:
                getattr(records, "close", lambda: None)()


class _SchoologyWriter:
    """What the sync and async sinks share: options, result mapping, summary."""

    max_batch_size = MAX_BATCH_SIZE
    results: list[WriteResult]
    written: int

    def _setup(
        self, client: Any, endpoint: str, method: str, params: Mapping[str, Any] | None, batch_size: int
    ) -> None:
        method = method.upper()
        if method not in METHODS:
            raise ConfigurationError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ConfigurationError(
                f"batch_size must be between 1 and {MAX_BATCH_SIZE} (the API's cap), got {batch_size!r}"
            )
        self.client = client
        self.endpoint = endpoint
        self.method = method
        self.params = dict(params or {})
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.method} {self.endpoint!r}>"

    def _to_results(self, batch: list[Record], start: int, bulk: list[Any]) -> list[WriteResult]:
        if len(bulk) != len(batch):
            raise ResponseFormatError(
                f"bulk {self.method} {self.endpoint}: {len(bulk)} result(s) for {len(batch)} item(s)"
            )
        out = []
        for pos, (record, r) in enumerate(zip(batch, bulk, strict=True)):
            extra = {"response_code": r.response_code, "id": r.id, "location": r.location}
            message = r.message or (None if r.ok else f"HTTP {r.response_code}")
            out.append(WriteResult(start + pos, bool(r.ok), record, message, extra))
        failed = sum(not r.ok for r in out)
        if failed:
            log.warning("bulk %s %s: %d of %d item(s) failed", self.method, self.endpoint, failed, len(out))
        return out

    def summary(self) -> dict[str, Any]:
        """What the report shows: endpoint, method, counts by response code."""
        codes = Counter(r.extra.get("response_code") for r in self.results)
        return {
            "endpoint": self.endpoint,
            "method": self.method,
            "ok": sum(r.ok for r in self.results),
            "failed": sum(not r.ok for r in self.results),
            "response codes": dict(sorted(codes.items(), key=lambda kv: str(kv[0]))),
        }


class SchoologySink(_SchoologyWriter, Sink):
    """Bulk writes with a sync client, one :class:`WriteResult` per record."""

    def __init__(
        self,
        client: Any,
        endpoint: str,
        *,
        method: str = "PUT",
        params: Mapping[str, Any] | None = None,
        batch_size: int = MAX_BATCH_SIZE,
    ) -> None:
        Sink.__init__(self)
        self._setup(client, endpoint, method, params, batch_size)

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        try:
            bulk = self.client.bulk(self.endpoint, batch, method=self.method, params=self.params)
        except BulkPartialError as exc:
            bulk = exc.results
        return self._to_results(batch, start, bulk)


class AsyncSchoologySink(_SchoologyWriter, AsyncSink):
    """Bulk writes with an async client (``async with``, ``await sink.write(...)``)."""

    def __init__(
        self,
        client: Any,
        endpoint: str,
        *,
        method: str = "PUT",
        params: Mapping[str, Any] | None = None,
        batch_size: int = MAX_BATCH_SIZE,
    ) -> None:
        AsyncSink.__init__(self)
        self._setup(client, endpoint, method, params, batch_size)

    async def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        try:
            bulk = await self.client.bulk(self.endpoint, batch, method=self.method, params=self.params)
        except BulkPartialError as exc:
            bulk = exc.results
        return self._to_results(batch, start, bulk)
