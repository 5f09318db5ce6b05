"""Start Voila on the dashboard notebook.

Facts this relies on (measured, see the project's stack notes): every GET of the
notebook URL starts a kernel, so health checks use ``/api/status`` style URLs instead;
preheated kernels make the page usable sooner; Voila's shutdown beacon sends the
``_xsrf`` cookie, which the sign-in (:mod:`runner.signin`) sets, so the XSRF check stays
on and closed pages still free their kernels (idle kernels are culled as a backstop);
an upload travels as one websocket message, so the message cap is raised. The page
uses the ``toolbelt`` template: the lab one without links to a public CDN.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from runner.identity import SIGNED_IN_HEADER

APP_NOTEBOOK = Path(__file__).with_name("app.ipynb")
JUPYTER_DATA = Path(__file__).with_name("jupyter_data")  # holds the "toolbelt" Voila template
TEMPLATE = "toolbelt"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for tests and ``toolbelt demo --port 0``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def voila_command(
    port: int,
    *,
    local: bool = True,
    user_header: str | None = None,
    preheat: bool = True,
) -> list[str]:
    """The command line that serves the dashboard on ``port`` (sign-in: :func:`signin_env`)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1" if local else "--Voila.ip=0.0.0.0",
        "--MappingKernelManager.cull_idle_timeout=120",
        "--MappingKernelManager.cull_interval=20",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--Voila.root_dir={APP_NOTEBOOK.parent}",
        "--Voila.identity_provider_class=runner.signin.provider.ToolbeltIdentityProvider",
        f"--VoilaConfiguration.http_header_envs=['{SIGNED_IN_HEADER}']",
        f"--VoilaConfiguration.template={TEMPLATE}",
    ]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    # an uploaded file reaches the kernel as one websocket message (tornado's default cap is 10 MiB);
    # the XSRF check stays on everywhere (the sign-in sets the cookie Voila's shutdown beacon sends back)
    settings: dict[str, object] = {"websocket_max_message_size": MAX_UPLOAD_BYTES}
    cmd.append(f"--Voila.tornado_settings={settings!r}")
    cmd.append(str(APP_NOTEBOOK))
    return cmd


def signin_env(signin: str, user_header: str | None = None) -> dict[str, str]:
    """The server's environment for sign-in ``signin`` (see :mod:`runner.signin`) and the local template."""
    from runner.signin.provider import HEADER_ENV, METHODS, SIGNIN_ENV

    if signin not in METHODS:
        raise ValueError(f"sign-in must be one of {', '.join(METHODS)}, got {signin!r}")
    env = {SIGNIN_ENV: signin, "JUPYTER_PATH": os.pathsep.join(
        p for p in (str(JUPYTER_DATA), os.environ.get("JUPYTER_PATH", "")) if p)}
    if signin == "header":
        if not user_header:
            raise ValueError("sign-in by header needs the header's name (e.g. X-Forwarded-User)")
        env[HEADER_ENV] = user_header
    return env


def store_url_env(environ: dict[str, str]) -> dict[str, str]:
    """Keep the store's URL (and its password) out of the dashboard's environment, which every
    page kernel inherits: write it to a 0600 file in the toolbelt home, name the file instead."""
    from runner.store.database import DB_FILE_ENV, toolbelt_home

    url = environ.get("TOOLBELT_DB")
    if not url:
        return {}
    path = toolbelt_home() / ".dashboard-store-url"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(url)
    return {DB_FILE_ENV: str(path)}


def start_voila(
    port: int,
    *,
    local: bool = True,
    user_header: str | None = None,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    preheat: bool = True,
    signin: str | None = None,
) -> subprocess.Popen:
    """Start Voila in its own session; the caller owns the process.

    ``signin`` defaults to ``header`` when ``user_header`` is given, else ``local``.
    """
    full_env = dict(os.environ)
    full_env.update(signin_env(signin or ("header" if user_header else "local"), user_header))
    full_env.update(store_url_env(full_env))
    full_env.pop("TOOLBELT_DB", None)
    if env:
        full_env.update(env)
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(
        voila_command(port, local=local, user_header=user_header, preheat=preheat),
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_serving(port: int, *, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until Voila answers on a URL that does not start a kernel."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/status"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {proc.returncode} before serving on port {port}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered: it is serving
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"voila did not serve on port {port} within {timeout:.0f} s")


def stop_voila(proc: subprocess.Popen, *, grace: float = 20.0) -> None:
    """Stop a Voila started by :func:`start_voila` and its kernels (its whole process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
