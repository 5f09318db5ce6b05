"""Response parsing: JSON envelopes, id/count coercion, and HTTP status -> error tree."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.auth import redact_text, redact_url
from schoology_etl.errors import (
    AuthenticationError,
    BadRequestError,
    HTTPError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseFormatError,
    ServerError,
)
from schoology_etl.retry import parse_retry_after

EXCERPT_CHARS = 200
_DIGITS = re.compile(r"^(0|[1-9][0-9]{0,18})$")
_COUNT_KEYS = {"total", "response_code"}


@dataclass
class ApiResponse:
    """One decoded answer: status, headers (lower-case names), data (dict, list or None)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    data: Any = None
    url: str = ""
    method: str = "GET"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, redacted excerpt of a body for an error message."""
    flat = " ".join(text.split())
    flat = redact_text(flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@functools.lru_cache(maxsize=4096)
def _is_id_key(key: str) -> bool:
    if key in ("id", "uid") or key.endswith("_id") or key in _COUNT_KEYS:
        return True
    return key.endswith("_uid") and not key.endswith("school_uid")


def coerce_scalar(key: str, value: Any) -> Any:
    """An int for id-like and count fields sent as numeric strings; anything else as is.

    ``id``, ``uid``, ``*_id``, ``*_uid`` (``api_uid``, ``parent_uid``...), ``total`` and
    ``response_code`` are coerced; external keys such as ``school_uid`` stay strings
    (they may have leading zeros).
    """
    if isinstance(value, str) and _is_id_key(key):
        if _DIGITS.match(value):
            return int(value)
    return value


def coerce_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict with id-like and count fields coerced (shallow)."""
    out = dict(record)
    for key, value in record.items():
        if value.__class__ is str and _is_id_key(key) and _DIGITS.match(value):
            out[key] = int(value)
    return out


def _looks_like_html(text: str, content_type: str) -> bool:
    return "html" in content_type or text.lstrip()[:1] == "<"


def _error_message(text: str, data: Any) -> str:
    if isinstance(data, dict):
        for key in ("message", "error", "errors"):
            if key in data:
                return excerpt(str(data[key]))
    if isinstance(data, str):
        return excerpt(data)
    return excerpt(text) if text.strip() else "(empty body)"


_STATUS_ERRORS: dict[int, type[HTTPError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def error_for_status(
    status: int, headers: Mapping[str, str], text: str, *, method: str, url: str
) -> HTTPError | None:
    """The exception for a non-2xx answer, or ``None`` for success (and 303)."""
    if 200 <= status < 300 or status == 303:
        return None
    safe_url = redact_url(url)
    content_type = headers.get("content-type", "")
    try:
        data: Any = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    message = _error_message(text, data)
    kw: dict[str, Any] = dict(status=status, method=method, url=safe_url, body=excerpt(text))
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        return RateLimitedError(f"rate limited: {message}", retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(f"server error: {message}", **kw)
    if data is None and text.strip() and _looks_like_html(text, content_type):
        return ResponseFormatError(f"expected JSON, got HTML: {excerpt(text)}", **kw)
    cls = _STATUS_ERRORS.get(status, BadRequestError)
    return cls(message, **kw)


def parse_response(
    status: int, headers: Mapping[str, str], text: str, *, method: str, url: str, expect: str = "json"
) -> ApiResponse:
    """Turn one raw answer into an :class:`ApiResponse` or raise the matching error.

    Args:
        status, headers, text: the raw answer (header names in any case).
        method, url: what was sent (for error messages; the URL is redacted).
        expect: ``"json"`` (the default), ``"csv"`` (rows as dicts) or ``"text"`` (the body as it came).

    Raises:
        HTTPError: a subclass chosen from the status (see :mod:`schoology_etl.errors`);
            ``ResponseFormatError`` for a body that is not the promised format.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    error = error_for_status(status, lower, text, method=method, url=url)
    if error is not None:
        raise error
    data: Any = None
    if text.strip():
        if expect == "csv":
            data = list(csv.DictReader(io.StringIO(text)))
        elif expect == "text":
            data = text
        else:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ResponseFormatError(
                    f"expected JSON, got: {excerpt(text)}",
                    status=status, method=method, url=redact_url(url), body=excerpt(text),
                ) from exc
    if isinstance(data, dict):
        data = coerce_record(data)
    return ApiResponse(status=status, headers=lower, data=data, url=url, method=method)


_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def network_error_message(exc: BaseException) -> str:
    """``network error: ConnectionError (connection refused)``: the transport's exception class
    and, when one is found down its chain, the operating system's reason (never a URL or header).

    >>> network_error_message(ConnectionError(OSError(111, "Connection refused")))
    'network error: ConnectionError (connection refused)'
    """
    reason = None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and reason is None:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            reason = current.strerror
        else:
            match = _ERRNO_TEXT.search(str(current))
            reason = match.group(1).strip() if match else None
        nested = getattr(current, "reason", None)
        if not isinstance(nested, BaseException):
            nested = next((a for a in getattr(current, "args", ()) if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    if reason is None and "timed out" in str(exc).lower():
        reason = "timed out"
    detail = f" ({reason.rstrip('.').lower()})" if reason else ""
    return f"network error: {type(exc).__name__}{detail}"

