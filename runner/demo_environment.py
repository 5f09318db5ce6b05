"""The demo environment: a sandbox district, its demo files, a ``sandbox`` client profile, a worker and the dashboard.

Used by ``toolbelt demo`` and by the end-to-end tests, so what a new provisioner tries
is what the tests check.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from runner import profile_store
from runner.access import add_to_groups
from runner.dashboard.voila_launcher import start_voila, wait_until_serving
from runner.store.database import toolbelt_home
from schoology_etl.demo_data import demo_dir
from schoology_sandbox import SandboxConfig, SandboxServer
from schoology_sandbox.demo_files import write_demo_data
from schoology_sandbox.sftp_server import SandboxSFTPServer

log = logging.getLogger(__name__)

DEMO_CLIENT = "sandbox"
#: The groups the shipped jobs name in ``access``: the demo user joins both.
DEMO_GROUPS = ["provisioners", "analysts"]


def _stop(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class DemoEnvironment:
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager)."""

    port: int = 8866
    sandbox_port: int = 0
    seed: int = 1
    users: int = 300
    dashboard: bool = True
    worker: bool = True
    sandbox: SandboxServer | None = None
    sftp: SandboxSFTPServer | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> DemoEnvironment:
        home = toolbelt_home()
        self.sandbox = SandboxServer(SandboxConfig(port=self.sandbox_port, seed=self.seed, users=self.users)).start()
        sql_url = write_demo_data(seed=self.seed, users=self.users)
        self.sftp = SandboxSFTPServer(sis_dir=demo_dir() / "sis").start()  # the district's SFTP site
        profile_store.add_profile(DEMO_CLIENT, base_url=self.sandbox.base_url, key=self.sandbox.key,
                             secret=self.sandbox.secret, sql_url=sql_url, sftp=self.sftp.settings(), replace=True)
        from runner.identity import current_user
        from runner.roles import ensure_first_admin

        ensure_first_admin(current_user())  # whoever starts the demo administers its store
        add_to_groups(current_user(), DEMO_GROUPS)  # the shipped jobs are for these groups
        logs = home / "logs"
        logs.mkdir(mode=0o700, exist_ok=True)
        if self.worker:
            out = open(logs / "worker.log", "ab")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "runner.cli", "worker"], stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True))
        if self.dashboard:
            voila = start_voila(self.port, local=True, log_path=logs / "dashboard.log")
            self.processes.append(voila)
            wait_until_serving(self.port, proc=voila)
        return self

    def stop(self) -> None:
        for proc in reversed(self.processes):
            _stop(proc)
        self.processes.clear()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        if self.sftp is not None:
            self.sftp.stop()
            self.sftp = None

    def __enter__(self) -> DemoEnvironment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
