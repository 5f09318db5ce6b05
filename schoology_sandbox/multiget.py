"""``POST /multiget``: up to 50 GETs of the allowed paths in one call."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from schoology_sandbox.envelopes import BULK_CAP
from schoology_sandbox.routing import Call, Reply

if TYPE_CHECKING:
    from schoology_sandbox.app import SandboxApp

_ALLOWED = re.compile(
    r"^/(groups/[^/]+|courses/[^/]+(/sections)?|sections/[^/]+(/(assignments|enrollments|grade_items|grades))?"
    r"|sections/ext/[^/]+|users/[^/]+(/(sections|groups))?|users/ext/[^/]+"
    r"|(sections|groups|courses|users)/[^/]+/(updates|discussions|events))/?$"
)


def run_multiget(app: SandboxApp, call: Call) -> Reply:
    """Run each sub-request; a 303 is followed once so the row carries the target's body."""
    body = call.body
    paths: Any = body.get("request") if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(body.get("requests"), dict):
        paths = body["requests"].get("request")
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return Reply(400, 'Expected {"request": ["/v1/...", ...]}.')
    if len(paths) > BULK_CAP:
        return Reply(400, f"Too many requests: {len(paths)} (at most {BULK_CAP}).")
    rows = []
    for raw in paths:
        parts = urlsplit(raw)
        path = parts.path[3:] if parts.path.startswith("/v1/") else parts.path
        query = dict(parse_qsl(parts.query))
        if not _ALLOWED.match(path):
            rows.append({"response_code": 400, "body": f"Path not allowed in multiget: {raw}"})
            continue
        reply = app.dispatch("GET", path, query, None, call.api_root)
        if reply.status == 303:
            target = urlsplit(reply.headers["Location"])
            reply = app.dispatch("GET", target.path[len(urlsplit(call.api_root).path) :], {}, None, call.api_root)
        rows.append({"response_code": reply.status, "body": reply.body if reply.body is not None else ""})
    return Reply(200, {"response": rows})
