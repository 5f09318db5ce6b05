"""The file side of the sandbox SFTP server: an SFTP interface confined to one local folder.

Paths from the client are resolved inside ``root`` (``/`` is the root; ``..`` never
leaves it, nor does a symbolic link). Local ``OSError``s become SFTP status codes, so a
client sees "no such file" or "permission denied" as it would from OpenSSH.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import paramiko
from paramiko.sftp import SFTP_OK, SFTP_PERMISSION_DENIED

T = TypeVar("T")


class _Handle(paramiko.SFTPHandle):
    """An open local file, with stat/chattr on the handle."""

    def __init__(self, local: Path, fileobj: Any, flags: int) -> None:
        super().__init__(flags)
        self.local = local
        self.readfile = fileobj
        self.writefile = fileobj

    def stat(self) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        try:
            paramiko.SFTPServer.set_file_attr(str(self.local), attr)
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        return SFTP_OK


def _mode_string(flags: int) -> str:
    if flags & os.O_WRONLY:
        return "ab" if flags & os.O_APPEND else "wb"
    if flags & os.O_RDWR:
        return "a+b" if flags & os.O_APPEND else "r+b"
    return "rb"


class RootedSFTPInterface(paramiko.SFTPServerInterface):
    """SFTP operations on the files under ``root`` (passed by the subsystem handler)."""

    def __init__(self, server: paramiko.ServerInterface, root: str | os.PathLike[str], *args: Any, **kw: Any) -> None:
        super().__init__(server, *args, **kw)
        self.root = Path(root).resolve()

    def _local(self, path: str) -> Path:
        relative = posixpath.normpath("/" + (path or "")).lstrip("/")
        local = self.root / relative
        resolved = local.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise PermissionError(f"{path} is outside the SFTP root")
        return local

    def _guard(self, fn: Callable[[], T]) -> T | int:
        try:
            return fn()
        except PermissionError:
            return SFTP_PERMISSION_DENIED
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def canonicalize(self, path: str) -> str:
        return posixpath.normpath("/" + (path or ""))

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        def op() -> list[paramiko.SFTPAttributes]:
            folder = self._local(path)
            entries = []
            for name in sorted(os.listdir(folder)):
                attr = paramiko.SFTPAttributes.from_stat(os.lstat(folder / name))
                attr.filename = name
                entries.append(attr)
            return entries

        return self._guard(op)

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        return self._guard(lambda: paramiko.SFTPAttributes.from_stat(os.stat(self._local(path))))

    def lstat(self, path: str) -> paramiko.SFTPAttributes | int:
        return self._guard(lambda: paramiko.SFTPAttributes.from_stat(os.lstat(self._local(path))))

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
        def op() -> paramiko.SFTPHandle:
            local = self._local(path)
            mode = getattr(attr, "st_mode", None) or 0o644
            fd = os.open(local, flags, mode & 0o777)
            return _Handle(local, os.fdopen(fd, _mode_string(flags)), flags)

        return self._guard(op)

    def remove(self, path: str) -> int:
        return self._guard(lambda: os.remove(self._local(path)) or SFTP_OK)

    def rename(self, oldpath: str, newpath: str) -> int:
        def op() -> int:
            target = self._local(newpath)
            if target.exists():
                raise FileExistsError(f"{newpath} exists")
            os.rename(self._local(oldpath), target)
            return SFTP_OK

        return self._guard(op)

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        return self._guard(lambda: os.replace(self._local(oldpath), self._local(newpath)) or SFTP_OK)

    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        mode = (getattr(attr, "st_mode", None) or 0o755) & 0o777
        return self._guard(lambda: os.mkdir(self._local(path), mode) or SFTP_OK)

    def rmdir(self, path: str) -> int:
        return self._guard(lambda: os.rmdir(self._local(path)) or SFTP_OK)

    def chattr(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        return self._guard(lambda: paramiko.SFTPServer.set_file_attr(str(self._local(path)), attr) or SFTP_OK)
