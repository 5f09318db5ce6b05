"""A tiny router for the fake API: routes are data, handlers are plain functions.

Every ``/v1`` request (and every sub-request of ``POST /multiget``) becomes a
:class:`Call`; a handler returns a :class:`Reply`. Handlers are synchronous and run on
the server's event loop, so the state needs no locks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from schoology_sandbox.state import DistrictState


@dataclass
class Call:
    """One API call as a handler sees it."""

    state: DistrictState
    method: str
    path: str  # below /v1, e.g. "/users/123"
    params: dict[str, str]  # path parameters
    query: Mapping[str, str]
    body: Any  # parsed JSON, or None
    api_root: str  # "http://127.0.0.1:PORT/v1"

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """An absolute API URL (``http://``, like the real API's links)."""
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.api_root}{path}{suffix}"

    def flag(self, name: str) -> bool:
        """A 0/1 query flag."""
        return str(self.query.get(name, "0")).strip().lower() in {"1", "true", "yes"}

    def int_param(self, name: str) -> int | None:
        """A path parameter as an int, or None when it is not a number."""
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            return None


@dataclass
class Reply:
    """What a handler answers: a JSON body (dict/list), text, or nothing."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    """``method`` + a path template like ``/users/{id}``."""

    method: str
    template: str
    handler: Handler

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


_PARAM = re.compile(r"\{(\w+)\}")


class Router:
    """Matches (method, path) to a route; literal segments beat parameters."""

    def __init__(self, routes: Sequence[Route] = ()) -> None:
        self._routes: list[tuple[Route, re.Pattern[str]]] = []
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        """Register one route."""
        pattern = _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", route.template)
        self._routes.append((route, re.compile(f"^{pattern}/?$")))
        # literal templates first, then by number of literal characters
        self._routes.sort(key=lambda rp: (rp[0].template.count("{"), -len(_PARAM.sub("", rp[0].template))))

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Return (route, path params, path_known); path_known is True when only the method is wrong."""
        path_known = False
        for route, pattern in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            path_known = True
            if route.method == method:
                return route, match.groupdict(), True
        return None, {}, path_known


def not_found() -> Reply:
    """404 with an empty body, like the real API."""
    return Reply(404, None)


def forbidden() -> Reply:
    """403 with an empty body."""
    return Reply(403, None)


def bad_request(message: str) -> Reply:
    """400 with the message as a JSON string body."""
    return Reply(400, message)


def no_content() -> Reply:
    """204."""
    return Reply(204, None)
