"""``SandboxServer``: serve the sandbox on loopback, in a background thread or in your loop."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import urllib.error
import urllib.request
from typing import Any

from aiohttp import web

from schoology_etl.errors import ConfigurationError
from schoology_sandbox.app import API_PREFIX, SandboxApp
from schoology_sandbox.config import SandboxConfig


class SandboxServer:
    """A local Schoology API with a seeded demo district.

    Example::

        srv = SandboxServer(SandboxConfig(seed=1, users=100))
        srv.start()
        print(srv.base_url, srv.key)       # http://127.0.0.1:PORT/v1
        srv.stop()

    ``start()``/``stop()`` run the server in a thread with its own event loop;
    ``await astart()``/``await astop()`` run it in the caller's loop instead.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.key = ""
        self.secret = ""
        self.port = 0
        self.app: SandboxApp | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = f"{self.base_url}" if self.port else "stopped"
        return f"SandboxServer({state}, seed={self.config.seed}, users={self.config.users})"

    # ------------------------------------------------------------------ addresses
    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no /v1)."""
        return f"http://{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base, ``http://127.0.0.1:PORT/v1``."""
        return self.root_url + API_PREFIX

    @property
    def health_url(self) -> str:
        """``/_sandbox/health``."""
        return self.root_url + "/_sandbox/health"

    # ------------------------------------------------------------------ lifecycle
    async def astart(self) -> None:
        """Seed and start listening in the running event loop."""
        if self._runner is not None:
            raise ConfigurationError("sandbox server already started")
        self.key = self.config.key or secrets.token_hex(12)
        self.secret = self.config.secret or secrets.token_urlsafe(24)
        self.app = SandboxApp(self.config, self.key, self.secret)
        runner = web.AppRunner(self.app.make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigurationError(
                f"sandbox cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
            ) from exc
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def astop(self) -> None:
        """Stop listening (in the loop that started the server)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.port = 0

    def start(self) -> SandboxServer:
        """Start in a background thread; return once the server answers."""
        if self._thread is not None:
            raise ConfigurationError("sandbox server already started")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.astart())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.astop())
            loop.close()

        thread = threading.Thread(target=run, name="schoology-sandbox", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        self._loop, self._thread = loop, thread
        return self

    def stop(self) -> None:
        """Stop the background server (no error when it is not running)."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ control (over HTTP)
    def _control(self, method: str, name: str, payload: dict[str, Any] | None = None) -> Any:
        if not self.port:
            raise ConfigurationError("sandbox server is not running")
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.root_url}/_sandbox/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback only)
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise ConfigurationError(f"sandbox {name} refused: {detail}") from exc

    def state(self) -> dict[str, Any]:
        """The full state dump (``GET /_sandbox/state``)."""
        return self._control("GET", "state")

    def counters(self) -> dict[str, Any]:
        """Request counters (``GET /_sandbox/counters``)."""
        return self._control("GET", "counters")

    def reset(self) -> None:
        """Back to the seeded district, counters and nonces cleared."""
        self._control("POST", "reset")

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change ``latency_ms``, ``fail_rate``, ``rate_limit`` or ``rate_window`` while running."""
        return self._control("POST", "configure", changes)

    def health(self) -> dict[str, Any]:
        """``GET /_sandbox/health``."""
        return self._control("GET", "health")
