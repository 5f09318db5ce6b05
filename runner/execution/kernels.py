"""Kernels that talk over Unix sockets in a private folder.

jupyter_client's default TCP transport picks five free ports and binds them later; with
many kernels starting at once (tests in parallel) another process can take a port in
between and the kernel dies before replying ("Address already in use"). IPC sockets in a
folder of their own cannot collide. Used where notebooks are executed in bulk in-process
(the job tests); the executioner keeps the TCP transport, whose kernel-death and
interrupt handling its tests cover (under IPC a kernel killed mid-cell left nbclient
waiting).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from typing import Any

from jupyter_client.manager import KernelManager


class IPCKernelManager(KernelManager):
    """A kernel manager using IPC sockets in a fresh temporary folder (removed with the manager).

    Pass the class, not an instance (``kernel_manager_class=IPCKernelManager`` to nbclient
    or papermill), so the client still owns the kernel and shuts it down.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("transport", "ipc")
        if "ip" not in kwargs:
            folder = tempfile.mkdtemp(prefix="tbk-")  # short: a Unix socket path is limited to ~100 bytes
            kwargs["ip"] = f"{folder}/k"
            weakref.finalize(self, shutil.rmtree, folder, True)
        super().__init__(**kwargs)
