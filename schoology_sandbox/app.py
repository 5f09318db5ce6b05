"""The aiohttp application: guards (latency, faults, rate limit, OAuth), then the router.

Every ``/v1/...`` request passes, in order: latency, fault injection (500/503 before
anything else), the per-key rate limit (429 with ``Retry-After``), OAuth (401), JSON
body parsing (400), then the route's handler. Control endpoints live under
``/_sandbox/`` and need no signature.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from schoology_sandbox import routes_control
from schoology_sandbox.config import SandboxConfig
from schoology_sandbox.contract import CONTRACT
from schoology_sandbox.guards import FaultInjector, RequestCounters, WindowLimiter, retry_after_header
from schoology_sandbox.multiget import run_multiget
from schoology_sandbox.oauth import NonceRegistry, OAuthRejected, OAuthVerifier
from schoology_sandbox.route_table import build_router
from schoology_sandbox.routing import Call, Reply, Route
from schoology_sandbox.seed import seed_district
from schoology_sandbox.state import DistrictState

log = logging.getLogger(__name__)

API_PREFIX = "/v1"
_BASE_HEADERS = {"X-Schoology": "API"}


class SandboxApp:
    """The sandbox's state, guards and router, independent of how it is served."""

    def __init__(self, config: SandboxConfig, key: str, secret: str) -> None:
        self.config = config
        self.key = key
        self.secret = secret
        self.state: DistrictState = seed_district(config.seed, config.users, today=config.today)
        self.verifier = OAuthVerifier(key, secret, NonceRegistry(skew=config.timestamp_skew))
        self.limiter = WindowLimiter(config.rate_limit, config.rate_window)
        self.faults = FaultInjector(config.fail_rate, config.seed)
        self.latency_ms = config.latency_ms
        self.counters = RequestCounters()
        self.router = build_router()
        self.router.add(Route("POST", "/multiget", self._multiget))

    # ------------------------------------------------------------------ control
    def reset(self) -> None:
        """Back to the seeded district; counters, nonces, rate log and fault sequence cleared."""
        self.state = seed_district(self.config.seed, self.config.users, today=self.config.today)
        self.counters.clear()
        self.verifier.nonces.clear()
        self.limiter.clear()
        self.faults.reset()

    def configure(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change latency, fault rate or rate limit at runtime; return the live settings."""
        allowed = {"latency_ms", "fail_rate", "rate_limit", "rate_window"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot configure {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")
        if "latency_ms" in changes:
            self.latency_ms = max(0, int(changes["latency_ms"]))
        if "fail_rate" in changes:
            rate = float(changes["fail_rate"])
            if not 0.0 <= rate <= 1.0:
                raise ValueError("fail_rate must be between 0 and 1")
            self.faults.fail_rate = rate
        if "rate_limit" in changes:
            self.limiter.limit = int(changes["rate_limit"]) if changes["rate_limit"] else None
        if "rate_window" in changes:
            self.limiter.window = float(changes["rate_window"])
        self.config = replace(
            self.config,
            latency_ms=self.latency_ms,
            fail_rate=self.faults.fail_rate,
            rate_limit=self.limiter.limit,
            rate_window=self.limiter.window,
        )
        return self.settings()

    def settings(self) -> dict[str, Any]:
        """The live tunables."""
        return {
            "latency_ms": self.latency_ms,
            "fail_rate": self.faults.fail_rate,
            "rate_limit": self.limiter.limit,
            "rate_window": self.limiter.window,
        }

    # ------------------------------------------------------------------ serving
    def make_app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        routes_control.register(app, self)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.handle_api)
        return app

    async def handle_api(self, request: web.Request) -> web.StreamResponse:
        """Guards, then dispatch."""
        counters = self.counters
        counters.requests += 1
        counters.by_method[request.method] += 1
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        fault = self.faults.draw()
        if fault is not None:
            counters.faults += 1
            return self._respond(Reply(fault, "Service temporarily unavailable" if fault == 503 else "Internal error"))
        wait = self.limiter.acquire(_consumer_key(request.headers.get("Authorization", "")))
        if wait is not None:
            counters.throttled += 1
            return self._respond(Reply(429, "Too many requests", {"Retry-After": retry_after_header(wait)}))
        raw = await request.read()
        form_body = (
            raw.decode("utf-8", "replace") if request.content_type == "application/x-www-form-urlencoded" else None
        )
        url = f"{request.scheme}://{request.host}{request.raw_path}"
        try:
            self.verifier.verify(request.method, url, request.headers, form_body=form_body)
        except OAuthRejected as exc:
            counters.auth_failures += 1
            return self._respond(Reply(401, str(exc)))
        body: Any = None
        if raw and form_body is None:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._respond(Reply(400, "Request body is not valid JSON."))
        path = request.path[len(API_PREFIX) :] or "/"
        query = {k: v for k, v in request.query.items()}
        reply = self.dispatch(request.method, path, query, body, f"http://{request.host}{API_PREFIX}")
        return self._respond(reply)

    def dispatch(self, method: str, path: str, query: Mapping[str, str], body: Any, api_root: str) -> Reply:
        """Route one call (also used by multiget) and count it."""
        route, params, path_known = self.router.resolve(method, path)
        if route is None:
            self.counters.by_route[f"{method} (unrouted)"] += 1
            return Reply(405 if path_known else 404, None)
        self.counters.by_route[route.name] += 1
        contract = CONTRACT().route(route.name)
        if contract is None:  # every route is in the contract (a test holds it); never answer beyond it
            return Reply(404, None)
        refusal = contract.refuse(body)
        if refusal is not None:
            return refusal
        call = Call(self.state, method, path, params, query, body, api_root)
        try:
            return contract.shape(route.handler(call))
        except Exception:  # a handler bug must look like the API's 500, and be logged
            log.exception("sandbox handler %s failed", route.name)
            return Reply(500, "Internal error")

    def _respond(self, reply: Reply) -> web.Response:
        self.counters.by_status[reply.status] += 1
        headers = {**_BASE_HEADERS, **reply.headers}
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        if reply.content_type == "application/json":
            return web.Response(
                status=reply.status, headers=headers, text=json.dumps(reply.body), content_type="application/json"
            )
        return web.Response(status=reply.status, headers=headers, text=str(reply.body), content_type=reply.content_type)

    # ------------------------------------------------------------------ multiget
    def _multiget(self, call: Call) -> Reply:
        return run_multiget(self, call)


def _consumer_key(header: str) -> str:
    """The consumer key named in an Authorization header, without verifying anything."""
    marker = 'oauth_consumer_key="'
    start = header.find(marker)
    if start < 0:
        return ""
    start += len(marker)
    end = header.find('"', start)
    return header[start:end] if end > 0 else ""
