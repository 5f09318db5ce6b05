"""Warm executioners: forked ahead of time, each with a started kernel that has the library imported.

A worker keeps a small pool of them (``TOOLBELT_WARM_KERNELS``). A warm executioner is
a process of its own session that starts a kernel (its own child, so cancel, timeout and
kernel-death handling are exactly those of a cold run), imports the library in it,
says "ready", and waits for one run id on a pipe. Given one, it executes that run on
the waiting kernel and exits; the worker forks a fresh one to take its place. Each
kernel serves one run only: no state passes from one job to the next.

Before the notebook runs, the kernel is moved into the run's output folder and given
the run's environment (``TOOLBELT_OUTPUT_DIR``, ``TOOLBELT_RUN_ID``), which a cold
kernel inherits from its executioner.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KERNEL_NAME = "python3"
#: imported in every warm kernel before it is offered (what the jobs import first)
WARM_IMPORTS = "import schoology_etl, schoology_etl.provisioning, pandas, tqdm.auto"
READY = "ready"
KERNEL_READY_TIMEOUT = 60.0


@dataclass
class WarmKernel:
    """A started kernel waiting for one run."""

    km: Any
    name: str = KERNEL_NAME

    def alive(self) -> bool:
        try:
            return bool(self.km.is_alive())
        except Exception:  # noqa: BLE001 - a kernel we cannot ask is not usable
            return False

    def run_code(self, code: str, *, timeout: float = KERNEL_READY_TIMEOUT) -> None:
        """Execute ``code`` silently (no execution count, no output kept); raise if it fails."""
        kc = self.km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            reply = kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout,
                                           output_hook=lambda _msg: None)
        finally:
            kc.stop_channels()
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"warm kernel: {content.get('ename')}: {content.get('evalue')}")

    def prepare_for(self, cwd: str, environ: dict[str, str]) -> None:
        """Move the kernel into the run's folder and give it the run's environment."""
        self.run_code(f"import os as _tb_os\n_tb_os.chdir({cwd!r})\n_tb_os.environ.update({environ!r})\n"
                      "del _tb_os")

    def shutdown(self) -> None:
        try:
            self.km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001 - already gone
            log.debug("warm kernel shutdown: %s", exc)


def start_warm_kernel() -> WarmKernel:
    """Start a kernel and import the library in it (about a second, paid before any run)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel()
    kernel = WarmKernel(km)
    try:
        kernel.run_code(WARM_IMPORTS)
    except BaseException:
        kernel.shutdown()
        raise
    return kernel


def notebook_kernel_name(path: str) -> str | None:
    """The kernel a notebook asks for (its kernelspec name), or None when unreadable."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    return (nb.metadata.get("kernelspec") or {}).get("name") or KERNEL_NAME


def _start_without_store_url(private: Path) -> WarmKernel:
    """Start the kernel with ``TOOLBELT_DB`` moved into a private file (as a cold run's
    kernel gets it: no store password in a job's environment); this process keeps it."""
    from runner.execution.kernel_env import hide_store_url

    url = os.environ.get("TOOLBELT_DB")
    hide_store_url(private)
    try:
        return start_warm_kernel()
    finally:
        if url:
            os.environ["TOOLBELT_DB"] = url
            os.environ.pop("TOOLBELT_DB_FILE", None)  # the file stays: the kernel reads it


def warm_child_main(conn: Connection, worker_id: str) -> None:
    """The forked warm executioner: start a kernel, say ready, run the one run it is given."""
    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    from runner.store import dispose_engines

    dispose_engines(close=False)
    code = 0
    kernel: WarmKernel | None = None
    private = tempfile.mkdtemp(prefix="tb-warm-")  # 0700: the store URL's file for the kernel
    try:
        kernel = _start_without_store_url(Path(private))
        conn.send(READY)
        try:
            run_id = conn.recv()
        except (EOFError, OSError):  # the worker went away
            run_id = None
        if run_id is not None:
            code = _execute(int(run_id), worker_id, kernel)
    except Exception:  # noqa: BLE001 - a warm executioner that fails just goes; the worker forks cold
        log.exception("warm executioner failed")
        code = 1
    finally:
        if kernel is not None:
            kernel.shutdown()
        shutil.rmtree(private, ignore_errors=True)
        logging.shutdown()
        os._exit(code)


def _execute(run_id: int, worker_id: str, kernel: WarmKernel) -> int:
    from runner.execution.run_launcher import run_dir
    from runner.execution.worker import _is_apply

    out = os.open(run_dir(run_id) / "executioner.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    if _is_apply(run_id):
        from runner.execution.apply_process import main

        return main([str(run_id), "--claimed-by", worker_id])
    from runner.execution.executioner import OK_STATUSES, execute_run
    from runner.execution.run_launcher import process_main

    return process_main("runner.execution.executioner", functools.partial(execute_run, kernel=kernel),
                        OK_STATUSES, [str(run_id), "--claimed-by", worker_id])
