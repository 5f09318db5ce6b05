"""Response envelopes shared by the route modules: pages, bulk rows, id lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from schoology_sandbox.routing import Call, Reply

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
BULK_CAP = 50


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def page(
    call: Call,
    rows: Sequence[Any],
    key: str,
    render: Callable[[Any], dict[str, Any]] = lambda r: r,
    *,
    total_as_string: bool = False,
    omit_empty: bool = False,
    extra: dict[str, Any] | None = None,
) -> Reply:
    """A list envelope: ``{key: [...], total, links: {self, next?}}``.

    ``limit`` defaults to 20 and is silently capped at 200; ``next`` appears only when
    more rows exist and keeps every other query parameter.
    """
    start = max(0, _int(call.query.get("start"), 0))
    limit = _int(call.query.get("limit"), DEFAULT_LIMIT)
    limit = DEFAULT_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    total = len(rows)
    if omit_empty and total == 0:
        return Reply(200, {"total": 0})
    others = {k: v for k, v in call.query.items() if k not in {"start", "limit"} and not k.startswith("oauth_")}
    links = {"self": call.url(call.path, {**others, "start": start, "limit": limit})}
    if start + limit < total:
        links["next"] = call.url(call.path, {**others, "start": start + limit, "limit": limit})
    body: dict[str, Any] = {key: [render(r) for r in rows[start : start + limit]]}
    body["total"] = str(total) if total_as_string else total
    body["links"] = links
    if extra:
        body.update(extra)
    return Reply(200, body)


def whole_list(key: str, rows: Sequence[Any], render: Callable[[Any], dict[str, Any]] = lambda r: r,
               **extra: Sequence[Any]) -> Reply:
    """A list answered in one piece (``{key: [...]}``): lists the documentation shows without paging links."""
    body: dict[str, Any] = {key: [render(r) for r in rows]}
    body.update({k: [render(r) for r in v] for k, v in extra.items()})
    body["total"] = len(rows)
    return Reply(200, body)


def bulk_items(call: Call, plural: str, singular: str) -> list[Any] | Reply:
    """The items of a bulk body ``{plural: {singular: [...]}}`` (a single object counts as one).

    Returns a 400 :class:`Reply` for a malformed body or more than 50 items.
    """
    body = call.body
    if not isinstance(body, dict):
        return Reply(400, "Request body must be a JSON object.")
    if plural in body:
        inner = body[plural]
        items = inner.get(singular) if isinstance(inner, dict) else None
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            return Reply(400, f'Expected {{"{plural}": {{"{singular}": [...]}}}}.')
    else:
        items = [body]
    if len(items) > BULK_CAP:
        return Reply(400, f"Too many items: {len(items)} (at most {BULK_CAP} per request).")
    return items


def id_list(call: Call, name: str) -> list[str] | Reply:
    """A comma-separated query list (at most 50 entries), or a 400 reply."""
    raw = str(call.query.get(name, "")).strip()
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        return Reply(400, f"Missing required parameter {name}.")
    if len(values) > BULK_CAP:
        return Reply(400, f"Too many values in {name}: {len(values)} (at most {BULK_CAP}).")
    return values


def to_int(value: Any) -> int | None:
    """An id given as int or numeric string, else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def row_error(code: int, message: str, **fields: Any) -> dict[str, Any]:
    """A failed bulk row."""
    return {"response_code": code, "message": message, "error": message, **fields}


def multi_status(key: str, rows: list[dict[str, Any]], *, nested: str | None = None) -> Reply:
    """A 207 bulk answer: ``{key: rows}`` or ``{nested: {key: rows}}``."""
    body = {nested: {key: rows}} if nested else {key: rows}
    return Reply(207, body)
