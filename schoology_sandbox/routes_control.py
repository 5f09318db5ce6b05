"""Control endpoints under ``/_sandbox/``: health, state dump, counters, reset, configure.

They carry no OAuth (the server listens on loopback only) and are not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from schoology_sandbox.app import SandboxApp


def register(app: web.Application, sandbox: SandboxApp) -> None:
    """Add the control routes to ``app``."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "users": len(sandbox.state.users)})

    async def state(request: web.Request) -> web.Response:
        return web.json_response(sandbox.state.to_dict(deep_copy=False))

    async def counters(request: web.Request) -> web.Response:
        return web.json_response(sandbox.counters.to_dict())

    async def reset(request: web.Request) -> web.Response:
        sandbox.reset()
        return web.json_response({"status": "reset"})

    async def configure(request: web.Request) -> web.Response:
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("expected a JSON object")
            settings = sandbox.configure(changes)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(settings)

    async def settings(request: web.Request) -> web.Response:
        return web.json_response(sandbox.settings())

    app.router.add_get("/_sandbox/health", health)
    app.router.add_get("/_sandbox/state", state)
    app.router.add_get("/_sandbox/counters", counters)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_post("/_sandbox/configure", configure)
    app.router.add_get("/_sandbox/configure", settings)
