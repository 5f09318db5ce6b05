"""Bulk writes, pure: chunks of at most 50, payload bodies, and one result per input item.

A bulk answer (any 2xx, usually 207) carries one row per item in input order, each with
its own ``response_code``. Rows are matched to inputs by position; a row count that
differs from the chunk size is a :class:`ResponseFormatError`, never a silent
misalignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from schoology_etl.endpoints import MAX_BATCH, Endpoint
from schoology_etl.errors import ConfigurationError, ResponseFormatError
from schoology_etl.responses import ApiResponse, coerce_record, coerce_scalar

T = TypeVar("T")


@dataclass
class BulkResult:
    """What happened to one input item of a bulk write."""

    index: int
    item: Any
    ok: bool
    response_code: int | None = None
    id: Any = None
    location: str | None = None
    message: str | None = None
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class BulkCall:
    """One HTTP call of a bulk write: a chunk of items and what to send for it."""

    method: str
    path: str
    start: int
    items: list[Any]
    params: dict[str, Any]
    json: Any = None


def chunked(items: Iterable[T], size: int = MAX_BATCH) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items."""
    if size < 1:
        raise ConfigurationError(f"batch size must be at least 1, got {size}")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build_bulk_payload(endpoint: Endpoint, items: Sequence[Any]) -> dict[str, Any]:
    """The request body for one chunk: ``{"users": {"user": [...]}}`` and the like.

    An endpoint with a singular key only (``PUT users/reactivate``) takes ``{"user": [...]}``.
    """
    if not endpoint.bulk_singular:
        raise ConfigurationError(f"endpoint {endpoint.name!r} has no bulk body shape")
    rows = [dict(i) for i in items]
    if not endpoint.bulk_plural:
        return {endpoint.bulk_singular: rows}
    return {endpoint.bulk_plural: {endpoint.bulk_singular: rows}}


def _delete_id(endpoint: Endpoint, item: Any) -> str:
    value = item.get(endpoint.id_field, item.get("uid")) if isinstance(item, dict) else item
    if value in (None, ""):
        raise ConfigurationError(f"delete on {endpoint.name!r}: item has no {endpoint.id_field!r}: {item!r}")
    return str(value)


def plan_bulk(
    endpoint: Endpoint, path: str, items: Sequence[Any], method: str, params: dict[str, Any] | None = None,
    *, batch_size: int | None = None,
) -> list[BulkCall]:
    """Split a bulk write into calls of at most ``endpoint.max_batch`` items."""
    method = method.upper()
    endpoint.check_method(method)
    size = min(batch_size or endpoint.max_batch, endpoint.max_batch)
    calls = []
    for n, chunk in enumerate(chunked(items, size)):
        query = dict(params or {})
        body: Any = None
        if method == "DELETE":
            if not endpoint.delete_param:
                raise ConfigurationError(f"endpoint {endpoint.name!r} has no bulk delete")
            query[endpoint.delete_param] = ",".join(_delete_id(endpoint, i) for i in chunk)
        else:
            body = build_bulk_payload(endpoint, chunk)
        calls.append(BulkCall(method, path, n * size, list(chunk), query, body))
    return calls


def _find_rows(endpoint: Endpoint, data: Any) -> list[Any] | None:
    paths = [endpoint.result_path, (endpoint.bulk_singular,), (endpoint.bulk_plural, endpoint.bulk_singular)]
    for path in paths:
        node = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) and key else None
        if isinstance(node, dict):
            node = [node]
        if isinstance(node, list):
            return node
    return data if isinstance(data, list) else None


def _result(index: int, item: Any, row: dict[str, Any], default_code: int) -> BulkResult:
    code = coerce_scalar("response_code", row.get("response_code", default_code))
    code = code if isinstance(code, int) else None
    ok = code is not None and 200 <= code < 300
    message = row.get("message") or row.get("error")
    if not ok and message is None:
        message = f"response_code {code}"
    ident = row.get("id", row.get("uid"))
    return BulkResult(index, item, ok, code, coerce_scalar("id", ident), row.get("location"),
                      str(message) if message is not None else None, row)


def parse_bulk_response(endpoint: Endpoint, call: BulkCall, response: ApiResponse) -> list[BulkResult]:
    """One :class:`BulkResult` per item of ``call``, in order.

    A 2xx with no body (204) means every item succeeded.

    Raises:
        ResponseFormatError: rows are missing or their count differs from the chunk.
    """
    data = response.data
    if data is None or data == "":
        return [BulkResult(call.start + i, item, True, response.status) for i, item in enumerate(call.items)]
    rows = _find_rows(endpoint, data)
    if rows is None:
        raise ResponseFormatError(
            f"bulk {call.method} {call.path}: no result rows in the answer",
            status=response.status, method=call.method, url=call.path,
        )
    if len(rows) != len(call.items):
        raise ResponseFormatError(
            f"bulk {call.method} {call.path}: {len(rows)} result rows for {len(call.items)} items "
            f"(items {call.start}..{call.start + len(call.items) - 1}); refusing to guess which is which",
            status=response.status, method=call.method, url=call.path,
        )
    return [
        _result(call.start + i, item, row if isinstance(row, dict) else {"value": row}, response.status)
        for i, (item, row) in enumerate(zip(call.items, rows, strict=True))
    ]


def parse_multiget(data: Any, count: int) -> list[Any]:
    """Bodies of a multiget answer, one per requested path (``None`` where it failed)."""
    rows = data.get("response") if isinstance(data, dict) else data
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or len(rows) != count:
        got = len(rows) if isinstance(rows, list) else "no"
        raise ResponseFormatError(f"multiget: {got} responses for {count} requests")
    out = []
    for row in rows:
        code = coerce_scalar("response_code", row.get("response_code")) if isinstance(row, dict) else None
        body = row.get("body") if isinstance(row, dict) else None
        ok = isinstance(code, int) and 200 <= code < 300
        out.append((coerce_record(body) if isinstance(body, dict) else body) if ok else None)
    return out
